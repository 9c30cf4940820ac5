// The files a user chose as a model, made ready to read: a .zip (the app's one-file download, or
// any zip of model.json + shards) is opened into its entries, and a TF.js model.json's weight
// paths are matched to the chosen .bin files even when the browser renamed them on download
// ('group1-shard1of1 (1).bin') or the user did (a single .bin is taken whatever its name).

import { PacgenError } from '@pacgen/core-wasm';
import { unzipSync } from 'fflate';
import type { NamedBytes } from './protocol';

/** The largest archive entry opened (a model's weights; far above any this app trains). */
const MAX_ENTRY_BYTES = 1 << 30;

/** The file's name without its folders. */
export const baseName = (name: string) => name.split(/[\\/]/).pop() ?? name;

/** The name with the ' (1)' a browser adds to a repeated download removed: 'model (1).json' → 'model.json'. */
export const undoDownloadSuffix = (name: string) => name.replace(/ \(\d+\)(\.[^.]*)?$/, '$1');

/**
 * The chosen files with every .zip replaced by its entries (folders dropped, names kept as
 * `<zip>/<entry>` for messages). Throws a PacgenError naming a zip that cannot be read or an entry
 * over 1 GiB (checked from the central directory before inflating). Cost: one inflate per entry.
 */
export function expandArchives(files: NamedBytes[]): NamedBytes[] {
  return files.flatMap((f) => {
    if (!/\.zip$/i.test(f.name)) return [f];
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(f.bytes, {
        filter: (e) => {
          if (e.originalSize > MAX_ENTRY_BYTES) {
            throw new PacgenError(
              `${f.name}: the entry ${e.name} is ${e.originalSize} bytes, over the 1 GiB this app opens`,
            );
          }
          return !e.name.endsWith('/');
        },
      });
    } catch (e) {
      if (e instanceof PacgenError) throw e;
      throw new PacgenError(`${f.name}: not a readable zip file (${(e as Error).message})`);
    }
    const named = Object.entries(entries).map(([name, bytes]) => ({
      name: `${baseName(f.name)}/${name}`,
      bytes,
    }));
    if (named.length === 0) throw new PacgenError(`${f.name}: the zip file is empty`);
    return named;
  });
}

/**
 * A lookup of a model.json's weight paths among the chosen files: by name, then by name with a
 * browser's ' (n)' suffix removed, then — when the model names exactly one weight file and exactly
 * one .bin was chosen — that .bin, whatever it is called. Returns undefined when none fits.
 */
export function weightLookup(
  files: NamedBytes[],
  paths: readonly string[],
): (path: string) => Uint8Array | undefined {
  const bins = files.filter((f) => /\.bin$/i.test(f.name));
  const byName = new Map<string, Uint8Array>();
  // Exact names win over de-suffixed ones: set those last.
  for (const f of bins) byName.set(undoDownloadSuffix(baseName(f.name)), f.bytes);
  for (const f of files) byName.set(baseName(f.name), f.bytes);
  const single = new Set(paths.map(baseName)).size === 1 && bins.length === 1 ? bins[0] : null;
  return (path) => byName.get(baseName(path)) ?? single?.bytes;
}

/** The weight paths a TF.js model.json's manifest names (empty when it has none). */
export function manifestPaths(json: unknown): string[] {
  const manifest = (json as { weightsManifest?: { paths?: unknown }[] } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  return manifest.flatMap((g) =>
    Array.isArray(g?.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : [],
  );
}
