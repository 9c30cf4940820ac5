// Which page is shown, and a model handed from Train to Score in memory (no download and
// re-upload): the app shell reads `nav.page`, the Score page takes `nav.handoff` when it appears.

import type { NamedBytes } from '../worker/protocol';

export type PageId = 'toy' | 'train' | 'score';

/** A trained model as the files Score reads (TF.js model.json + its shard), with where it came from. */
export interface Handoff {
  files: NamedBytes[];
  /** In words, e.g. 'run 3 (MLP 64, Adam), trained here'. */
  from: string;
}

export const nav = $state<{ page: PageId; handoff: Handoff | null }>({
  page: 'toy',
  handoff: null,
});

/** Shows Score with this model chosen. */
export function scoreModel(h: Handoff): void {
  nav.handoff = h;
  nav.page = 'score';
}
