// A Vite plugin that ships the docs the pages' "?" explanations link to (docs/method.md,
// training.md, reproduction.md) with the app, as plain text under docs/*.txt: text/plain opens in
// every browser (a .md download would not), and the service worker precaches them, so the links
// work offline like the rest of the app. Emitted at build time; served from disk by the dev server.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs');

/** The pages shipped: docs/<name>.md → <app>/docs/<name>.txt. */
export const DOC_PAGES = ['method', 'training', 'reproduction'] as const;

const text = (name: string) => readFileSync(join(DOCS, `${name}.md`));

export function docsPages(): Plugin {
  return {
    name: 'pacgen-docs-pages',
    configureServer(server) {
      for (const name of DOC_PAGES) {
        server.middlewares.use(`/docs/${name}.txt`, (_req, res) => {
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end(text(name));
        });
      }
    },
    generateBundle() {
      for (const name of DOC_PAGES) {
        this.emitFile({ type: 'asset', fileName: `docs/${name}.txt`, source: text(name) });
      }
    },
  };
}
