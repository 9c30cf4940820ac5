// The pacgen-mlp case: one full PACGen report (Ψ with the Hutchinson diagonal, and ρ) on the
// 784-128-64-10 MLP over MNIST training images, by the same `pacgen` orchestrator of
// @pacgen/metrics on core-wasm's objective (1 thread, and data-parallel), and on a TensorFlow.js
// objective (wasm backend) that computes the same finite-difference HVPs; the data-parallel and
// TF.js ones come from the library's engine layer (objectiveFor). The engines run
// interleaved, one objective call each in turn (lockstep.ts).

import { Network } from '@pacgen/core-wasm';
import {
  networkObjective,
  pacgen,
  type DisposableObjective,
  type PacgenReport,
} from '@pacgen/metrics';
import { mlp } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import { interleave } from './lockstep.js';
import { objectiveFor, type EngineSettings } from '@pacgen/metrics/engine';
import { timedObjective, type CallTimes } from './objectives.js';
import { relativeError, type Log } from './log.js';
import { median } from './timing.js';

export interface PsiSettings {
  /** Hutchinson probes of the diagonal. */
  probes: number;
  /** MNIST training images the mean loss is over (a seeded subset). */
  images: number;
  /** Displacements of the ρ estimator. */
  rhoProbes: number;
  /** Samples per chunk of every pass, in every engine (the engine's default maxBatch). */
  chunk: number;
  /** Weight init and every probe. */
  seed: number;
}

/** The setting of the issue: 100 probes, ρ with 8, over 10,000 images (minutes per engine). */
export const PSI_FULL: PsiSettings = {
  probes: 100,
  images: 10000,
  rhoProbes: 8,
  chunk: 256,
  seed: 1,
};

/**
 * `npm run bench`: 10 probes over 5,000 images (ρ as in the issue), so that the whole run fits
 * in about 5 minutes; every pass still runs in chunks of 256, so the engines' time per chunk,
 * which the speed-up measures, is the issue setting's.
 */
export const PSI_DEFAULT: PsiSettings = { ...PSI_FULL, probes: 10, images: 5000 };

/** --quick: 10 probes over 2,000 images. */
export const PSI_QUICK: PsiSettings = { ...PSI_FULL, probes: 10, images: 2000 };

/** One engine's report. */
export interface PsiRow {
  engine: string;
  threads: number;
  /** Its own time (ms): the sum of its turns, each an objective call and the orchestration up to the next. */
  ms: number;
  /** The report's cost: gradient evaluations over all images (an HVP counts 2), and loss-only passes. */
  gradientEvaluations: number;
  lossEvaluations: number;
  hvps: number;
  /** Median milliseconds of one HVP (2 gradient evaluations), and 1000 / it. */
  hvpMedianMs: number;
  hvpsPerSecond: number;
  psi: number;
  psiStar: number;
  rho: number;
  /** The ρ estimator's finite-difference noise level (ρ within a few times it is 0). */
  rhoNoise: number | null;
  trainLoss: number;
  /** Fractions of coordinates where the curvature enters Ψ and Ψ*. */
  curvatureFraction: number;
  curvatureFractionStar: number;
  /** |Ψ − Ψ_ref| / |Ψ_ref| against core-wasm's (1 thread); 0 for it. Likewise Ψ* and ρ. */
  psiRelDiff: number;
  psiStarRelDiff: number;
  rhoRelDiff: number;
  /** ‖h − h_ref‖₂ / ‖h_ref‖₂ of the Hessian diagonal estimates. */
  diagonalRelErr: number;
}

export interface PsiResult {
  settings: PsiSettings;
  /** Which named setting it is: 'full' (the issue's), 'default', 'quick' or 'custom'. */
  label: string;
  rows: PsiRow[];
}

/** The name of a setting, for the report. */
export function psiLabel(s: PsiSettings): string {
  const same = (o: PsiSettings) =>
    s.probes === o.probes && s.images === o.images && s.rhoProbes === o.rhoProbes;
  if (same(PSI_FULL)) return 'full';
  if (same(PSI_DEFAULT)) return 'default';
  if (same(PSI_QUICK)) return 'quick';
  return 'custom';
}

interface Contender {
  engine: string;
  threads: number;
  objective: DisposableObjective;
}

/**
 * Builds the objectives (same seeded Glorot weights and images everywhere), runs the report on
 * each, interleaved, and compares them with core-wasm's. `parallelThreads` > 1 adds the
 * data-parallel core-wasm row.
 */
export async function runPsi(
  settings: PsiSettings,
  parallelThreads: number,
  log: Log = () => undefined,
): Promise<PsiResult> {
  const spec = mlp();
  const { train } = await loadMnist({ subset: { train: settings.images, test: 1 } });
  const y = train.y as Int32Array;
  const net = await Network.create(spec, { precision: 'f32', maxBatch: settings.chunk });
  const params = Float64Array.from(net.initParams(settings.seed));
  net.setData(train.x, y);

  const contenders: Contender[] = [
    { engine: 'core-wasm', threads: 1, objective: { ...networkObjective(net), dispose: () => {} } },
  ];
  try {
    // The other rows through the library's one engine layer, on the same weights and images.
    const model = { spec, params };
    const data = { x: Float32Array.from(train.x), y };
    const choices: EngineSettings[] = [
      ...(parallelThreads > 1
        ? [{ engine: 'core-wasm', precision: 'f32', threads: parallelThreads } as const]
        : []),
      // TF.js computes in f32 (the bench's inputs are f32 anyway).
      { engine: 'tfjs', backend: 'wasm' },
    ];
    for (const s of choices) {
      const objective = await objectiveFor({ ...s, maxBatch: settings.chunk }, model, data);
      const name = s.engine === 'tfjs' ? `tfjs-${s.backend}` : s.engine;
      contenders.push({ engine: name, threads: objective.engine.threads, objective });
    }

    // TF.js cannot see ReLU kinks; core-wasm only reports its crossings here, so that every
    // engine computes the same differences (docs/method.md §5) and costs the same gradients.
    const options = {
      diagonal: {
        method: 'hutchinson' as const,
        probes: settings.probes,
        onKink: 'report' as const,
      },
      rho: { probes: settings.rhoProbes, onKink: 'report' as const },
      seed: settings.seed,
    };
    const { results, busyMs } = await interleave(
      contenders.map((c) => async (turn: () => Promise<void>) => {
        const { objective, times } = timedObjective(c.objective, turn);
        const name = `${c.engine} (${c.threads}t)`;
        let stage = '';
        const report = await pacgen(objective, objective.params(), {
          ...options,
          onProgress: (s) => {
            if (s !== stage) log(`  pacgen-mlp / ${name}: ${(stage = s)}`);
          },
        });
        return { report, times };
      }),
    );
    const ref = results[0].report;
    const rows = contenders.map((c, i) =>
      psiRow(c, busyMs[i], results[i].report, results[i].times, ref),
    );
    for (const r of rows) {
      log(
        `  pacgen-mlp / ${r.engine} (${r.threads}t): ${(r.ms / 1000).toFixed(1)} s, Ψ ${r.psi.toPrecision(8)}`,
      );
    }
    return { settings, label: psiLabel(settings), rows };
  } finally {
    for (const c of contenders) await c.objective.dispose();
  }
}

function psiRow(
  c: Contender,
  ms: number,
  r: PacgenReport,
  times: CallTimes,
  ref: PacgenReport,
): PsiRow {
  const hvpMedianMs = median(times.hvp);
  return {
    engine: c.engine,
    threads: c.threads,
    ms,
    gradientEvaluations: r.cost.gradientEvaluations,
    lossEvaluations: r.cost.lossEvaluations,
    hvps: times.hvp.length,
    hvpMedianMs,
    hvpsPerSecond: 1000 / hvpMedianMs,
    psi: r.psi,
    psiStar: r.psiStar,
    rho: r.rho.value,
    rhoNoise: r.rho.noise,
    trainLoss: r.trainLoss,
    curvatureFraction: r.curvatureFraction,
    curvatureFractionStar: r.curvatureFractionStar,
    psiRelDiff: relDiff(r.psi, ref.psi),
    psiStarRelDiff: relDiff(r.psiStar, ref.psiStar),
    rhoRelDiff: relDiff(r.rho.value, ref.rho.value),
    diagonalRelErr: relativeError(r.diagonal.values, ref.diagonal.values),
  };
}

/** |a − b| / |b| (0 when both are 0). */
function relDiff(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.abs(b);
}
