// Where a training run keeps its checkpoint: an interface, so the loop stays browser-safe; the
// node:fs implementation lives in checkpoint-fs.ts.

/** Stores one checkpoint (the latest), as text. */
export interface CheckpointStore {
  /** The saved text, or null when there is none. */
  load(): Promise<string | null>;
  /** Replaces the checkpoint; must be atomic (a crash leaves the old or the new one, whole). */
  save(text: string): Promise<void>;
}

/** A checkpoint kept in memory (tests, browsers). */
export function memoryCheckpointStore(initial: string | null = null): CheckpointStore & {
  text: string | null;
} {
  const store = {
    text: initial,
    load: async () => store.text,
    save: async (text: string) => {
      store.text = text;
    },
  };
  return store;
}
