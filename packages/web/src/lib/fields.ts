// A settings form's fields as data: each spec names its key of the settings object, its label
// and the control that edits it (rendered by components/Fields.svelte).

type KeyOf<C, V> = { [K in keyof C]: C[K] extends V ? K : never }[keyof C] & string;

interface Common<C> {
  label: string;
  hint?: string;
  /** The control's data-testid. */
  id?: string;
  /** Shown only while this holds of the settings. */
  when?: (config: C) => boolean;
}

/** A choice among options of the key's own type. */
type Choice<C> = {
  [K in keyof C & string]: { key: K; options: readonly (readonly [C[K], string])[] };
}[keyof C & string];

/** A number (NumberField), a choice (SelectField) or a text `size` characters wide (TextField). */
export type FieldSpec<C> = Common<C> &
  (
    | { key: KeyOf<C, number>; min?: number; max?: number; step?: number | 'any' }
    | Choice<C>
    | { key: KeyOf<C, string>; size: number }
  );
