// Seeded mutations of parser inputs. Byte level: bit flips, random bytes, insertions, deletions,
// truncation, splicing with another seed, and "interesting" integers (boundaries of 8/16/32/64
// bits, 2^53, 1e15, 1e308) written little- or big-endian. JSON level (for the files that are
// JSON): a random node of the parsed document replaced by a hostile value (Object.prototype
// names, huge sizes, wrong types, nesting 70 to 100,000 deep), a key deleted, renamed or
// repeated, an array element repeated or dropped. Every choice comes from one Random, so an
// input is reproduced from (seed, target, index) alone.

import { Random } from '@pacgen/core-wasm';

/** Values that sit on the boundaries the parsers check. */
const INTERESTING_NUMBERS = [
  0,
  1,
  -1,
  2,
  3,
  7,
  8,
  16,
  64,
  65,
  0x7f,
  0x80,
  0xff,
  0x100,
  0x7fff,
  0x8000,
  0xffff,
  0x10000,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  2 ** 32,
  2 ** 53,
  1e8,
  1e15,
  1e308,
  -1e308,
  0.5,
  -0.5,
];
const HOSTILE_STRINGS = [
  'toString',
  '__proto__',
  'constructor',
  'valueOf',
  'hasOwnProperty',
  '',
  '..',
  '../../etc/passwd',
  '/dev/zero',
  'a\nb',
  'x'.repeat(5000),
  'F32',
  'float32',
  'softmax',
];

/** Placeholders replaced in the JSON text after stringify (JSON.stringify cannot write them). */
const DEEP_MARK = '\u0000pacgen-deep\u0000';
const DUP_MARK = '\u0000pacgen-dup\u0000';

/** A FNV-1a style mix of the run seed, the target and the input index into one 32-bit seed. */
export function inputSeed(seed: number, target: string, index: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const c of `${target}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

const pick = <T>(rng: Random, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** Sets an own property: plain assignment of '__proto__' would set the prototype instead. */
const setOwn = (o: object, k: string | number, v: unknown) =>
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

/** One byte-level mutation of `d` (`other`: a same-role file of another seed, for splicing). */
export function mutateBytes(rng: Random, d: Uint8Array, other: Uint8Array): Uint8Array {
  const n = d.length;
  const at = (extra = 0) => rng.int(n + extra);
  switch (rng.int(8)) {
    case 0: {
      const out = d.slice();
      for (let k = 1 + rng.int(8); k > 0 && n > 0; k--) out[at()] ^= 1 << rng.int(8);
      return out;
    }
    case 1: {
      const out = d.slice();
      for (let k = 1 + rng.int(16); k > 0 && n > 0; k--) out[at()] = rng.int(256);
      return out;
    }
    case 2: {
      const p = at(1);
      const len = 1 + rng.int(64);
      const ins =
        rng.uniform() < 0.5 || n === 0
          ? Uint8Array.from({ length: len }, () => rng.int(256))
          : d.slice(Math.min(p, n - 1), Math.min(p, n - 1) + len);
      return concat(d.subarray(0, p), ins, d.subarray(p));
    }
    case 3: {
      const p = at(1);
      const len = 1 + rng.int(rng.uniform() < 0.8 ? 64 : Math.max(1, n));
      return concat(d.subarray(0, p), d.subarray(Math.min(n, p + len)));
    }
    case 4:
      return d.slice(0, at(1));
    case 5:
      return concat(d.subarray(0, at(1)), other.subarray(rng.int(other.length + 1)));
    default:
      return writeInteresting(rng, d);
  }
}

/** Overwrites 1, 2, 4 or 8 bytes with an interesting number, little- or big-endian. */
function writeInteresting(rng: Random, d: Uint8Array): Uint8Array {
  const width = pick(rng, [1, 2, 4, 8]);
  if (d.length < width) return d.slice();
  const out = d.slice();
  const view = new DataView(out.buffer);
  const p = rng.int(d.length - width + 1);
  const le = rng.uniform() < 0.5;
  const v = pick(rng, INTERESTING_NUMBERS);
  if (width === 1) view.setUint8(p, v & 0xff);
  else if (width === 2) view.setUint16(p, v & 0xffff, le);
  else if (width === 4) {
    if (rng.uniform() < 0.3) view.setFloat32(p, v, le);
    else view.setUint32(p, Number(BigInt.asUintN(32, BigInt(Math.trunc(v) % 2 ** 53))), le);
  } else if (rng.uniform() < 0.5) view.setFloat64(p, v, le);
  else view.setBigUint64(p, BigInt.asUintN(64, BigInt(Math.trunc(Math.min(v, 2 ** 63)))), le);
  return out;
}

/** Every node of a parsed JSON document with its parent and key (breadth-first, capped). */
function nodes(doc: unknown): { parent: unknown; key: string | number; value: unknown }[] {
  const out: { parent: unknown; key: string | number; value: unknown }[] = [];
  const queue: unknown[] = [doc];
  while (queue.length > 0 && out.length < 5000) {
    const v = queue.shift();
    if (v === null || typeof v !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [key, value] of entries) {
      out.push({ parent: v, key, value });
      queue.push(value);
    }
  }
  return out;
}

/** A hostile value to put where a node was. */
function hostileValue(rng: Random, old: unknown): unknown {
  switch (rng.int(9)) {
    case 0:
      return pick(rng, INTERESTING_NUMBERS);
    case 1:
      return pick(rng, HOSTILE_STRINGS);
    case 2:
      return pick(rng, [null, true, false, [], {}]);
    case 3:
      return DEEP_MARK;
    case 4:
      return Array.isArray(old) ? [...old, ...old] : [old, old];
    case 5:
      return { [pick(rng, HOSTILE_STRINGS)]: old };
    case 6:
      return typeof old === 'number' ? -old : typeof old === 'string' ? old + old : [old];
    case 7:
      return Array.from({ length: 1 + rng.int(2000) }, () => 1);
    default:
      return typeof old === 'number' ? old * pick(rng, [2, 1e3, 1e8, 0.5]) : 0;
  }
}

/**
 * One JSON-structure mutation of a JSON file; null when `d` does not parse (the caller then
 * falls back to a byte mutation).
 */
export function mutateJson(rng: Random, d: Uint8Array): Uint8Array | null {
  try {
    return mutateParsed(rng, JSON.parse(new TextDecoder().decode(d)));
  } catch {
    // Not JSON, or nested too deep for JSON.stringify after an earlier mutation.
    return null;
  }
}

function mutateParsed(rng: Random, doc: unknown): Uint8Array | null {
  const all = nodes(doc);
  if (all.length === 0) return null;
  const { parent, key, value } = pick(rng, all);
  const obj = parent as Record<string | number, unknown>;
  const op = rng.int(6);
  if (op === 0 && !Array.isArray(parent)) delete obj[key];
  else if (op === 1 && !Array.isArray(parent)) {
    delete obj[key];
    setOwn(obj, pick(rng, HOSTILE_STRINGS.slice(0, 6)), value);
  } else if (op === 2 && !Array.isArray(parent)) {
    // A repeated key: JSON objects cannot hold one, so it is written in after stringify.
    setOwn(obj, DUP_MARK, hostileValue(rng, value));
    return finish(doc, rng, String(key));
  } else if (op === 3 && Array.isArray(parent)) {
    parent.splice(
      key as number,
      rng.uniform() < 0.5 ? 1 : 0,
      ...(rng.uniform() < 0.5 ? [] : [value]),
    );
  } else setOwn(obj, key, hostileValue(rng, value));
  return finish(doc, rng, null);
}

/** The document as JSON text, with the deep-nesting and repeated-key placeholders filled in. */
function finish(doc: unknown, rng: Random, dupKey: string | null): Uint8Array {
  let text = JSON.stringify(doc);
  const deep = JSON.stringify(DEEP_MARK);
  if (text.includes(deep)) {
    const depth = pick(rng, [65, 70, 1000, 100_000]);
    text = text.split(deep).join('['.repeat(depth) + ']'.repeat(depth));
  }
  if (dupKey !== null) text = text.split(JSON.stringify(DUP_MARK)).join(JSON.stringify(dupKey));
  return new TextEncoder().encode(text);
}

/**
 * The input of index `index`: the seed itself for the first indices (one per seed), else a
 * seed with 1 to 4 stacked mutations on one of its files.
 */
export function makeInput(
  seeds: readonly { files: Uint8Array[] }[],
  json: readonly boolean[],
  rng: Random,
  index: number,
): { seed: number; files: Uint8Array[] } {
  if (index < seeds.length) return { seed: index, files: seeds[index].files };
  const seed = rng.int(seeds.length);
  const files = [...seeds[seed].files];
  const stack = rng.uniform() < 0.5 ? 1 : 1 + rng.int(4);
  for (let k = 0; k < stack; k++) {
    const f = rng.int(files.length);
    const other = seeds[rng.int(seeds.length)].files[f];
    const structured = json[f] && rng.uniform() < 0.5 ? mutateJson(rng, files[f]) : null;
    files[f] = structured ?? mutateBytes(rng, files[f], other);
  }
  return { seed, files };
}
