// The pacgen-cnn case (issue 17): Ψ* of the MNIST CNN (mnist-cnn preset, 21,840 parameters)
// with each Hessian-diagonal estimator — the engine's GGN and HesScale passes, Hutchinson with the
// GGN as control variate, and plain Hutchinson — by the library's `pacgen` on core-wasm (f64,
// 1 thread: the engine passes need a single-thread Network objective). ρ is given as 0 so that
// each row times its diagonal alone. Error against the GGN diagonal, which for this ReLU/max-pool
// network is the exact Hessian diagonal almost everywhere (docs/method.md §5, §5.2).

import { Network } from '@pacgen/core-wasm';
import { networkObjective, pacgen, type DiagonalMethod } from '@pacgen/metrics';
import { mnistCnn } from '@pacgen/metrics/models';
import { loadMnist } from '@pacgen/metrics/node';
import { adam, train as trainNetwork } from '@pacgen/metrics/train';
import { relativeError, type Log } from './log.js';

export interface CnnPsiSettings {
  /** MNIST training images the mean loss is over (a seeded subset). */
  images: number;
  /** Probes of the plain Hutchinson row (the issue: 100). */
  probes: number;
  /** Probes of the control-variate row (4 gradients each, against 2). */
  cvProbes: number;
  /** Weight init, subset and probes. */
  seed: number;
}

/** The setting: 10,000 images (Hutchinson alone takes tens of minutes on a shared core). */
export const CNN_PSI_FULL: CnnPsiSettings = { images: 10000, probes: 100, cvProbes: 25, seed: 1 };

/** `npm run bench`: 256 images, so that the four rows take about a minute. */
export const CNN_PSI_DEFAULT: CnnPsiSettings = { ...CNN_PSI_FULL, images: 256 };

/** --quick: 64 images, 10 and 3 probes. */
export const CNN_PSI_QUICK: CnnPsiSettings = { images: 64, probes: 10, cvProbes: 3, seed: 1 };

export interface CnnPsiRow {
  method: DiagonalMethod;
  probes: number;
  /** Wall time of the report (ms): the diagonal and one loss evaluation. */
  ms: number;
  gradientEvaluations: number;
  /** ‖h − h_GGN‖₂ / ‖h_GGN‖₂. */
  error: number;
  psiStar: number;
}

export interface CnnPsiResult {
  settings: CnnPsiSettings;
  rows: CnnPsiRow[];
}

/**
 * Ψ* of mnist-cnn, trained one epoch with Adam on the images, with each diagonal. Cost: 10 + 2 + (10 + 1 +
 * 4·cvProbes) + (2·probes + 1) gradient evaluations over `images` samples, and 4 losses.
 */
export async function runCnnPsi(
  s: CnnPsiSettings,
  log: Log = () => undefined,
): Promise<CnnPsiResult> {
  const spec = mnistCnn();
  const { train } = await loadMnist({ subset: { train: s.images, test: 1 }, seed: s.seed });
  // One epoch of Adam first: at the initialisation every bias is 0, so each all-zero patch puts
  // a ReLU input exactly on its kink and Hutchinson's finite differences pick up the jumps.
  const trained = await trainNetwork({
    spec,
    data: { train },
    optimizer: adam({ learningRate: 1e-3 }),
    epochs: 1,
    batchSize: Math.min(64, s.images),
    seed: s.seed,
  });
  const net = await Network.create(spec, { precision: 'f64' });
  const w = Float64Array.from(trained.params);
  net.setParams(w);
  net.setData(train.x, train.y);
  const obj = networkObjective(net, { params: w });
  const choices: { method: DiagonalMethod; probes?: number }[] = [
    { method: 'ggn' },
    { method: 'hesscale' },
    { method: 'hutchinson-cv', probes: s.cvProbes },
    { method: 'hutchinson', probes: s.probes },
  ];
  const rows: CnnPsiRow[] = [];
  let reference: Float64Array | null = null;
  for (const { method, probes } of choices) {
    const t0 = performance.now();
    const report = await pacgen(obj, w, { diagonal: { method, probes }, rho: 0, seed: s.seed });
    const ms = performance.now() - t0;
    reference ??= report.diagonal.values;
    rows.push({
      method,
      probes: report.diagonal.probes,
      ms,
      gradientEvaluations: report.diagonal.cost,
      error: relativeError(report.diagonal.values, reference),
      psiStar: report.psiStar,
    });
    log(
      `  pacgen-cnn / ${method}: ${(ms / 1000).toFixed(1)} s, error ${rows.at(-1)!.error.toPrecision(3)}`,
    );
  }
  return { settings: s, rows };
}

/** The report's section. */
export function cnnPsiSection(r: CnnPsiResult): string {
  const s = r.settings;
  const lines = r.rows.map(
    (row) =>
      `  ${row.method.padEnd(13)} ${String(row.probes).padStart(4)} probes ${String(row.gradientEvaluations).padStart(5)} gradients ` +
      `${(row.ms / 1000).toFixed(2).padStart(8)} s  rel. error ${row.error.toPrecision(3).padStart(9)}  Ψ* ${row.psiStar.toPrecision(9)}`,
  );
  return [
    `PACGen Ψ* of the MNIST CNN (pacgen-cnn): mnist-cnn preset (21,840 parameters, f64, one epoch ` +
      `of Adam on the images) over ${s.images.toLocaleString('en-US')} MNIST images, ρ given as 0, core-wasm 1 thread; ` +
      `error against the GGN diagonal (the exact Hessian diagonal of this ReLU/max-pool network, docs/method.md §5.2)`,
    ...lines,
  ].join('\n');
}
