// Command-line options of the bench.

import { CASES, type CaseName } from './cases.js';
import { DEFAULT_PYTHON } from './engines/torch.js';
import { PSI_DEFAULT, PSI_FULL, PSI_QUICK, type PsiSettings } from './psi.js';
import { CNN_PSI_DEFAULT, CNN_PSI_FULL, CNN_PSI_QUICK, type CnnPsiSettings } from './cnn-psi.js';
import { RESNET_PSI_DEFAULT, RESNET_PSI_QUICK, type ResnetPsiSettings } from './resnet-psi.js';
import type { TimingOptions } from './timing.js';
import { TRAIN_CASES, TRAIN_DEFAULT, type TrainCaseName } from './training.js';

export type Selection =
  CaseName | 'gemm' | 'pacgen-mlp' | 'pacgen-cnn' | 'resnet20-psi' | TrainCaseName;

export const ALL_SELECTIONS: readonly Selection[] = [
  ...CASES.map((c) => c.name),
  'gemm',
  'pacgen-mlp',
  'pacgen-cnn',
  'resnet20-psi',
  ...TRAIN_CASES.map((c) => c.name),
];

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  selections: Selection[];
  /** Timing of the network cases. */
  timing: TimingOptions;
  /** Timing of each GEMM shape. */
  gemmTiming: TimingOptions;
  /** Timing of the train-* cases, in rounds of one block of BLOCK_STEPS steps per optimizer. */
  trainTiming: TimingOptions;
  /** The pacgen-mlp setting. */
  psi: PsiSettings;
  /** The pacgen-cnn setting. */
  cnnPsi: CnnPsiSettings;
  /** The resnet20-psi setting. */
  resnetPsi: ResnetPsiSettings;
  /** MNIST images of the train-* cases. */
  trainImages: number;
  full: boolean;
  torch: boolean;
  /** Peak memory of each case row, from a child process per row (memory.ts). */
  memory: boolean;
  python: string;
  torchThreads: number[];
  /** Workers of the data-parallel core-wasm rows (when ParallelNetwork exists). */
  parallelThreads: number;
  /**
   * Overrides every case's batch size (the goals are stated for 128, and 64 for train-*; smaller
   * for tests).
   */
  batch: number | null;
  help: boolean;
}

export const USAGE = `usage: node tools/bench/dist/main.js [options]   (or: npm run bench -- [options])

  --json                 print only [{ case, engine, median_ms, threads }] on stdout
  --quick                fewer iterations, pacgen-mlp at ${PSI_QUICK.probes} probes over ${PSI_QUICK.images} images, resnet20-psi at ${RESNET_PSI_QUICK.probes} over ${RESNET_PSI_QUICK.images} (a smoke run)
  --full                 pacgen-mlp at the issue's setting, ${PSI_FULL.probes} probes over ${PSI_FULL.images} images
                         (default ${PSI_DEFAULT.probes} probes over ${PSI_DEFAULT.images}; --full takes about 10× as long);
                         pacgen-cnn over ${CNN_PSI_FULL.images} images (default ${CNN_PSI_DEFAULT.images}, --quick ${CNN_PSI_QUICK.images})
  --cases a,b            run only these (${ALL_SELECTIONS.join(', ')})
  --warmup N             warm-up iterations per row (train-*: rounds, as below)
  --iterations N         timed iterations per row, stopping early after its time budget
                         (train-*: rounds of one block of 10 steps per optimizer)
  --no-torch             skip the PyTorch rows
  --no-memory            skip the peak-memory column (a child process per in-process row)
  --python PATH          interpreter with torch (default $PACGEN_PYTHON or ${DEFAULT_PYTHON})
  --torch-threads 1,2    PyTorch thread counts, one run each
  --threads N            workers of the data-parallel core-wasm rows (default 2)
  --batch N              batch size of every case instead of 128 (64 for train-*; for smoke tests)
  --psi-probes N         Hutchinson probes of pacgen-mlp
  --psi-images N         MNIST training images of pacgen-mlp
  --rho-probes N         displacements of pacgen-mlp's ρ estimate (default ${PSI_FULL.rhoProbes})
  --resnet-psi-probes N  Hutchinson probes of resnet20-psi (default ${RESNET_PSI_DEFAULT.probes})
  --resnet-psi-images N  samples of resnet20-psi (default ${RESNET_PSI_DEFAULT.images})
  --train-images N       MNIST training images of the train-* cases (default ${TRAIN_DEFAULT.images})
  --help`;

/** A bad command line: reported as its message and the usage, without a stack. */
export class UsageError extends Error {}

function positive(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} needs a whole number, got '${v}'`);
  return n;
}

function list(flag: string, v: string | undefined): string[] {
  if (!v) throw new UsageError(`${flag} needs a comma-separated list`);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parses argv (without node and the script). Throws UsageError on a bad option. */
export function parseArgs(argv: readonly string[], env = process.env): BenchOptions {
  const o: BenchOptions = {
    json: false,
    quick: false,
    selections: [...ALL_SELECTIONS],
    timing: { warmup: 5, iterations: 50, budgetMs: 6000, minIterations: 5 },
    gemmTiming: { warmup: 3, iterations: 30, budgetMs: 2000, minIterations: 3 },
    trainTiming: { warmup: 1, iterations: 15, budgetMs: 30000, minIterations: 5 },
    psi: { ...PSI_DEFAULT },
    cnnPsi: { ...CNN_PSI_DEFAULT },
    resnetPsi: { ...RESNET_PSI_DEFAULT },
    trainImages: TRAIN_DEFAULT.images,
    full: false,
    torch: true,
    memory: true,
    python: env.PACGEN_PYTHON || DEFAULT_PYTHON,
    torchThreads: [1, 2],
    parallelThreads: 2,
    batch: null,
    help: false,
  };
  let warmup: number | undefined;
  let iterations: number | undefined;
  const psi: Partial<PsiSettings> = {};
  const resnetPsi: Partial<ResnetPsiSettings> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-memory') o.memory = false;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--cases') {
      o.selections = list(a, next()).map((s) => {
        if (!(ALL_SELECTIONS as readonly string[]).includes(s)) {
          throw new UsageError(`unknown case '${s}' (known: ${ALL_SELECTIONS.join(', ')})`);
        }
        return s as Selection;
      });
    } else if (a === '--warmup') warmup = positive(a, next());
    else if (a === '--iterations') iterations = Math.max(1, positive(a, next()));
    else if (a === '--python') o.python = next() ?? '';
    else if (a === '--torch-threads') o.torchThreads = list(a, next()).map((s) => positive(a, s));
    else if (a === '--threads') o.parallelThreads = Math.max(1, positive(a, next()));
    else if (a === '--batch') o.batch = Math.max(1, positive(a, next()));
    else if (a === '--full') o.full = true;
    else if (a === '--psi-probes') psi.probes = Math.max(1, positive(a, next()));
    else if (a === '--psi-images') psi.images = Math.max(2, positive(a, next()));
    else if (a === '--rho-probes') psi.rhoProbes = Math.max(1, positive(a, next()));
    else if (a === '--resnet-psi-probes') resnetPsi.probes = Math.max(1, positive(a, next()));
    else if (a === '--resnet-psi-images') resnetPsi.images = Math.max(2, positive(a, next()));
    else if (a === '--train-images') o.trainImages = Math.max(1, positive(a, next()));
    else throw new UsageError(`unknown option '${a}'`);
  }
  if (o.full && o.quick) throw new UsageError('--full and --quick contradict each other');
  if (o.quick) {
    o.timing = { warmup: 2, iterations: 10, budgetMs: 1500, minIterations: 3 };
    o.gemmTiming = { warmup: 1, iterations: 10, budgetMs: 500, minIterations: 2 };
    o.trainTiming = { warmup: 1, iterations: 4, budgetMs: 8000, minIterations: 3 };
  }
  o.psi = { ...(o.full ? PSI_FULL : o.quick ? PSI_QUICK : PSI_DEFAULT), ...psi };
  o.cnnPsi = { ...(o.full ? CNN_PSI_FULL : o.quick ? CNN_PSI_QUICK : CNN_PSI_DEFAULT) };
  o.resnetPsi = { ...(o.quick ? RESNET_PSI_QUICK : RESNET_PSI_DEFAULT), ...resnetPsi };
  for (const t of [o.timing, o.gemmTiming, o.trainTiming]) {
    if (warmup !== undefined) t.warmup = warmup;
    if (iterations !== undefined) {
      t.iterations = iterations;
      t.minIterations = Math.min(t.minIterations, iterations);
    }
  }
  return o;
}
