// The files of a sweep folder read back on resume: sweep.json (the settings of the sweep) and
// runs/NAME.json (a finished run). Both may have been damaged or written by something else, so
// each is parsed with the depth cap of io/safe-json.ts and checked field by field against what
// `runSweep` writes before anything of it is used: a bad file is one PacgenError that names it
// and the field, never a TypeError in the correlations or the report. Browser-safe.

import { PacgenError, describeName, describeValue } from '@pacgen/core-wasm';
import { OTHER_SETTINGS } from '../error-codes.js';
import { parseJson } from '../io/safe-json.js';
import { decodeState } from '../train/serialize.js';
import { MEASURE_NAMES } from './measures.js';
import type { SweepPoint } from './sweep-grid.js';
import type { SweepRunResult } from './sweep-run.js';
import type { SweepSettings } from './sweep-settings.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number';
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

const STOP_REASONS: readonly unknown[] = ['epochs', 'target', 'diverged', 'aborted'];
const FINAL = ['trainLoss', 'testLoss', 'gap', 'trainAccuracy', 'testAccuracy'] as const;
const CURVES = [
  'epoch',
  'trainLoss',
  'testLoss',
  'gap',
  'trainAccuracy',
  'testAccuracy',
  'psi',
  'psiStar',
  'curvatureFraction',
  'curvatureFractionStar',
] as const;

/** The contents of a sweep file: JSON (depth-capped) with typed arrays decoded. */
function readSweepJson(bytes: Uint8Array, file: string): unknown {
  try {
    return decodeState(parseJson(bytes, file));
  } catch (e) {
    throw e instanceof PacgenError ? new PacgenError(`${e.message}; delete it to rerun`) : e;
  }
}

/** The settings recorded in a sweep.json; a file without them is a PacgenError naming it. */
export function parseSweepFile(bytes: Uint8Array, file: string): SweepSettings {
  const v = readSweepJson(bytes, file);
  if (!isObject(v) || !isObject(v.settings)) {
    throw new PacgenError(`${file}: not a pacgen sweep file (no settings); delete it to rerun`);
  }
  return v.settings as unknown as SweepSettings;
}

/**
 * A finished run read from runs/NAME.json, checked to be the run `expected` names (its name,
 * grid point and settings) and to hold every field `runSweep` writes, with the right types.
 */
export function parseSweepRunFile(
  bytes: Uint8Array,
  file: string,
  expected: { name: string; point: SweepPoint; settings: SweepSettings },
): SweepRunResult {
  const r = readSweepJson(bytes, file);
  const bad = (what: string) =>
    new PacgenError(`${file}: malformed run result: ${what}; delete it to rerun`);
  if (!isObject(r) || r.format !== 'pacgen-sweep-run/1') throw bad('not a pacgen sweep run');
  const diff = isObject(r.settings)
    ? settingsDiff(r.settings as unknown as SweepSettings, expected.settings)
    : ['settings missing'];
  if (diff.length > 0) {
    throw new PacgenError(
      `${file}: a run of other settings (${diff.join('; ')}); delete it to rerun`,
      { code: OTHER_SETTINGS },
    );
  }
  if (r.name !== expected.name) throw bad(`its name is ${describeValue(r.name)}`);
  const p = r.point;
  const keys = Object.keys(expected.point) as (keyof SweepPoint)[];
  if (
    !isObject(p) ||
    Object.keys(p).length !== keys.length ||
    !keys.every((k) => has(p, k) && p[k] === expected.point[k])
  ) {
    throw bad(`its grid point ${describeValue(p)} is not this run's`);
  }
  if (!STOP_REASONS.includes(r.stopReason)) throw bad('stopReason');
  for (const k of ['reachedTarget', 'hitCap'] as const) {
    if (typeof r[k] !== 'boolean') throw bad(`${k} must be true or false`);
  }
  for (const k of ['epochs', 'steps', 'gradientEvaluations'] as const) {
    if (!isCount(r[k])) throw bad(`${k} must be an integer ≥ 0`);
  }
  if (r.resumedFrom !== null && !isCount(r.resumedFrom)) throw bad('resumedFrom');
  if (!isObject(r.seconds) || !isNumber(r.seconds.train) || !isNumber(r.seconds.measures)) {
    throw bad('seconds must hold train and measures');
  }
  const final = r.final;
  if (!isObject(final) || !FINAL.every((k) => isNumber(final[k]))) {
    throw bad(`final must hold the numbers ${FINAL.join(', ')}`);
  }
  checkCurves(r.curves, bad);
  if (r.measures !== null) checkMeasures(r.measures, bad);
  return r as unknown as SweepRunResult;
}

function checkCurves(c: unknown, bad: (what: string) => PacgenError): void {
  if (!isObject(c)) throw bad('curves is not an object');
  const epoch = c.epoch;
  if (!Array.isArray(epoch) || !epoch.every(isNumber)) throw bad('curves.epoch');
  for (const k of CURVES) {
    const col = c[k];
    if (
      !Array.isArray(col) ||
      col.length !== epoch.length ||
      !col.every((x) => x === null || isNumber(x))
    ) {
      throw bad(`curves.${k} must be ${epoch.length} numbers or nulls`);
    }
  }
}

function checkMeasures(m: unknown, bad: (what: string) => PacgenError): void {
  if (!isObject(m) || !isObject(m.values) || !isObject(m.details)) {
    throw bad('measures must hold values and details');
  }
  for (const [k, v] of Object.entries(m.values)) {
    if (!(MEASURE_NAMES as readonly string[]).includes(k)) {
      throw bad(`unknown measure ${describeValue(k)}`);
    }
    if (!isObject(v) || !isNumber(v.value) || !isNumber(v.seconds) || !isObject(v.cost)) {
      throw bad(`measure ${k} must hold value, seconds and cost`);
    }
  }
  const psi = m.details.psi;
  if (
    psi !== undefined &&
    !(isObject(psi) && isNumber(psi.curvatureFraction) && isNumber(psi.curvatureFractionStar))
  ) {
    throw bad('measures.details.psi');
  }
  if (!isNumber(m.numParams) || !isNumber(m.numSamples) || !isObject(m.cost)) {
    throw bad('measures must hold numParams, numSamples and cost');
  }
}

/**
 * Names the settings that differ between two sweeps (empty when equal), at most five, each
 * value described briefly (a file's values may be huge).
 */
export function settingsDiff(a: SweepSettings, b: SweepSettings): string[] {
  const flat = (s: SweepSettings) => {
    const out = new Map<string, unknown>();
    const walk = (v: unknown, path: string) => {
      if (isObject(v)) {
        for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
      } else out.set(path, v);
    };
    walk(s, '');
    return out;
  };
  const fa = flat(a);
  const fb = flat(b);
  // Leaves compare as JSON text: arrays (an input shape) compare by value.
  const same = (k: string) =>
    fa.has(k) === fb.has(k) && JSON.stringify(fa.get(k)) === JSON.stringify(fb.get(k));
  const shown = (m: Map<string, unknown>, k: string) =>
    m.has(k) ? describeValue(m.get(k), 40) : '(none)';
  const differ = [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => !same(k));
  const lines = differ
    .slice(0, 5)
    .map((k) => `${describeName(k)} ${shown(fa, k)} → ${shown(fb, k)}`);
  return differ.length > 5 ? [...lines, `${differ.length - 5} more`] : lines;
}
