// The flags that more than one command takes, each declared once: the same name, meaning,
// --help line, check and default wherever it appears (issue #19). A command takes a flag from
// here as it is, or with its own default where its budget differs (`withDefault`), and lists the
// names it used to accept in RENAMED, so old command lines keep working with a note.

import { UsageError } from './errors.js';
import { CAPS, bool, choice, integer, num, str, type Flag } from './flag.js';
import { DATA_FORMS } from './resolve.js';

/** The largest seed: seeds are 31-bit so every engine and language reproduces them. */
const MAX_SEED = 2 ** 31 - 1;

/** Training samples of a subset; `min` 2 where a run needs a batch and a gap. */
export const trainSize = (min = 1): Flag =>
  integer('training samples: a subset of this many (chosen by --subset; default: all)', {
    min,
    max: CAPS.samples,
  });

/** Test samples of a subset; `min` 1 for commands that need a test set. */
export const testSize = (min = 0): Flag =>
  integer(`test samples: a subset of this many${min === 0 ? ' (0: no test set)' : ''}`, {
    min,
    max: CAPS.samples,
  });

/** Training samples the loss and curvature are taken over; at least `min`. */
export const samples = (min = 1): Flag =>
  integer(
    "training samples the loss and curvature are taken over (a seeded subset of the training set); the bound's n is the whole training set",
    { min, max: CAPS.samples },
  );

/** Training epochs; `min` 0 where a run may only save its start (train). */
export const epochs = (min = 1): Flag =>
  integer('training epochs (an upper limit with --target-loss)', {
    default: 5,
    min,
    max: CAPS.epochs,
  });

/** The shared flags, by name. */
export const FLAG = {
  data: str(`data set: ${DATA_FORMS.join(' | ')}`, 'mnist'),
  subset: choice(
    'which samples a subset holds: the first in file order, or seeded random ones (--seed)',
    ['first', 'random'] as const,
    'random',
  ),
  normalize: choice(
    "pixel scaling: 'none' (v/255) or 'standard' ((v/255 − mean)/std per channel, the training split's mean and std)",
    ['none', 'standard'] as const,
    'none',
  ),
  arch: str('layer-list JSON of a .safetensors model (default: beside it, .json)'),
  'batch-size': integer('samples per step', { default: 64, min: 1, max: CAPS.batch }),
  lr: num('learning rate', { gt: 0 }),
  inner: choice(
    'the optimizer every step of sam, asam and perturbedOPT is taken with',
    ['adam', 'sgd'] as const,
    'adam',
  ),
  'target-loss': num('stop once the training loss (evaluation mode) is at most this', { ge: 0 }),
  'noise-scale': str(
    "perturbedOPT's global noise scale s of σ_i = min(s/√a_i, κ_i): a number ≥ 0, or 'bound' (σ = σ* of the PAC-Bayes bound)",
    'bound',
  ),
  'perturb-gamma': num(
    "perturbedOPT's relative neighbourhood γ of the noise cap κ_i = γ|w_i| + ε",
    {
      default: 0.1,
      ge: 0,
    },
  ),
  'perturb-epsilon': num(
    "perturbedOPT's absolute neighbourhood ε of the noise cap (parameter units)",
    { default: 0.1, ge: 0 },
  ),
  warmup: integer('perturbedOPT: noise-free steps at the start', {
    default: 0,
    min: 0,
    max: CAPS.steps,
  }),
  probes: integer('Hutchinson probes of the Hessian diagonal (2 gradients each)', {
    default: 100,
    min: 1,
    max: CAPS.probes,
  }),
  'rho-probes': integer('random displacements of the ρ (Hessian Lipschitz) estimate', {
    default: 8,
    min: 1,
    max: CAPS.probes,
  }),
  gamma: num("Ψ's relative neighbourhood size γ (κ_i = γ|w_i| + ε), > 0", { default: 0.1, gt: 0 }),
  epsilon: num("Ψ's absolute neighbourhood size ε (parameter units), > 0", {
    default: 0.1,
    gt: 0,
  }),
  delta: num('PAC-Bayes confidence δ, in (0, 1)', { default: 0.05, gt: 0, lt: 1 }),
  seed: integer('seed of every random choice (subsets, initialisation, shuffles, probes)', {
    default: 0,
    min: 0,
    max: MAX_SEED,
  }),
  precision: choice(
    'engine arithmetic (f64 is advisable for curvature of ReLU networks)',
    ['f32', 'f64'] as const,
    'f32',
  ),
  'lanczos-steps': integer('Lanczos steps (Hessian-vector products) of each Lanczos run', {
    default: 40,
    min: 1,
    max: CAPS.iterations,
  }),
  force: bool('replace an output folder that pacgen wrote'),
  png: bool('also write PNGs (--no-png: SVG only)', true),
  'png-width': integer('PNG width in pixels', { default: 1000, min: 100, max: 8000 }),
} satisfies Record<string, Flag>;

/** A seed flag with the range of FLAG.seed (for list items). */
export const seedItem = (name: string) => (s: string) =>
  (FLAG.seed(name).coerce as (v: unknown) => number)(s);

/** `--out`: the folder a command writes, with the command's default name. */
export const out = (def: string, describe = 'output folder'): Flag => str(describe, def);

/**
 * Names a command used to accept, by command: the old name → the flag it is now. A command line
 * with an old name runs as with the new one, after a one-line note on stderr.
 */
export const RENAMED: Record<string, Record<string, string>> = {
  sweep: {
    'train-subset': 'train-size',
    'test-subset': 'test-size',
    'psi-samples': 'samples',
    lanczos: 'lanczos-steps',
  },
  compare: {
    'train-subset': 'train-size',
    'test-subset': 'test-size',
    'psi-samples': 'samples',
    scale: 'noise-scale',
    gamma: 'perturb-gamma',
    epsilon: 'perturb-epsilon',
  },
  certify: { 'curvature-samples': 'samples' },
  landscape: { steps: 'grid', normalization: 'direction-norm' },
  toy: { samples: 'reconstruction-samples' },
};

/** `R` → [−R, R]; `LO,HI` → [LO, HI]. */
export function parseRange(v: unknown): [number, number] {
  const parts = String(v)
    .split(',')
    .map((s) => Number(s.trim()));
  const r: number[] = parts.length === 1 ? [-parts[0], parts[0]] : parts;
  if (r.length !== 2 || !r.every(Number.isFinite) || !(r[1] > r[0])) {
    throw new UsageError(`--range must be R > 0 or LO,HI with LO < HI, got ${String(v)}`);
  }
  return [r[0], r[1]];
}

/** `--range`: an interval of coordinates (`what` says of which), R or LO,HI. */
export const range =
  (def: string, what: string): Flag =>
  () => ({
    type: 'string',
    default: def,
    describe: `${what}: R for [-R, R], or LO,HI (--range=-0.5,1 when LO < 0)`,
    coerce: parseRange,
  });
