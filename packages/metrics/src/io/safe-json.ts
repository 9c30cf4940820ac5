// JSON from files pacgen did not write itself (model.json, layer lists, safetensors headers,
// checkpoints, sweep results): parsed with a depth cap checked by a linear scan before
// JSON.parse, because every consumer walks the result recursively and a nested array 10⁵ deep
// overflows the stack ("Maximum call stack size exceeded"). The same scan finds duplicate keys,
// which JSON.parse drops silently (the last one wins). Browser-safe.

import { PacgenError, describeValue } from '@pacgen/core-wasm';

/**
 * The deepest nesting of arrays and objects accepted. pacgen's own files nest at most about 8
 * levels and Keras topologies about 10; a deeper document is refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /** Refuse a document where one object holds a key twice (default false: the last wins). */
  rejectDuplicateKeys?: boolean;
}

/**
 * Parses JSON text (or UTF-8 bytes) that came from a file, with one clear PacgenError naming
 * `file` and `what` for invalid UTF-8, invalid JSON, nesting deeper than
 * {@link MAX_JSON_DEPTH} and, with `rejectDuplicateKeys`, a key repeated within an object.
 */
export function parseJson(
  input: string | Uint8Array,
  file: string,
  what = 'JSON',
  options: ParseJsonOptions = {},
): unknown {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new PacgenError(`${file}: malformed ${what}: not UTF-8 text`);
    }
  }
  const scan = scanJson(text, options.rejectDuplicateKeys === true);
  if (scan.tooDeep) {
    throw new PacgenError(
      `${file}: malformed ${what}: nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PacgenError(`${file}: malformed ${what} (${oneLine((e as Error).message, 100)})`);
  }
  if (scan.duplicate !== null) {
    throw new PacgenError(
      `${file}: malformed ${what}: key ${describeValue(scan.duplicate)} appears twice in one object`,
    );
  }
  return value;
}

/** `s` on one line, cut to `max` characters (JSON.parse quotes pieces of the input). */
function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * One linear pass over JSON text: whether arrays and objects nest deeper than MAX_JSON_DEPTH,
 * and (with `keys`) the first key repeated within one object. Strings are skipped whole, so
 * brackets inside them do not count. On invalid JSON the answer is meaningless but the pass
 * still ends; JSON.parse then reports the syntax error.
 */
function scanJson(text: string, keys: boolean): { tooDeep: boolean; duplicate: string | null } {
  // One key set per open object (null for arrays), only when keys are checked.
  const open: (Set<string> | null)[] = [];
  let depth = 0;
  let duplicate: string | null = null;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i = stringEnd(text, i);
      const top = open.length > 0 ? open[open.length - 1] : null;
      if (top !== null && duplicate === null && nextIsColon(text, i + 1)) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          continue;
        }
        if (top.has(key)) duplicate = key;
        else top.add(key);
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return { tooDeep: true, duplicate };
      if (keys) open.push(c === 0x7b ? new Set() : null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
      if (keys) open.pop();
    }
  }
  return { tooDeep: false, duplicate };
}

/** Index of the quote closing the string that opens at `i` (or the last index if unclosed). */
function stringEnd(text: string, i: number): number {
  let j = i;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return text.length - 1;
    // The quote is escaped when an odd number of backslashes precede it.
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/** True when the next character after whitespace at `i` is a colon (the string was a key). */
function nextIsColon(text: string, i: number): boolean {
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) j++;
    else return c === 0x3a;
  }
  return false;
}
