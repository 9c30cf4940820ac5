// The resnet20-psi case: Ψ* of ResNet-20 (the resnet20 preset, 272,474 parameters) with the
// Hutchinson diagonal over a synthetic CIFAR-shaped set (cifarLike), on core-wasm through the
// library's one engine layer (objectiveFor). ρ is given as 0 so that the row times the
// diagonal's Hessian-vector products alone: the cost that grows with the probes.

import { Network } from '@pacgen/core-wasm';
import { pacgen } from '@pacgen/metrics';
import { cifarLike } from '@pacgen/metrics/data';
import { objectiveFor } from '@pacgen/metrics/engine';
import { presetByName } from '@pacgen/metrics/models';
import type { Log } from './log.js';
import { timedObjective } from './objectives.js';
import { median } from './timing.js';

export interface ResnetPsiSettings {
  /** Hutchinson probes (one HVP each). */
  probes: number;
  /** Samples of the synthetic set the mean loss is over. */
  images: number;
  /** Weight init, data and probes. */
  seed: number;
}

/** The setting: 20 probes over 1,000 samples (tens of minutes on 2 cores). */
export const RESNET_PSI_DEFAULT: ResnetPsiSettings = { probes: 20, images: 1000, seed: 1 };

/** --quick: 2 probes over 128 samples. */
export const RESNET_PSI_QUICK: ResnetPsiSettings = { probes: 2, images: 128, seed: 1 };

export interface ResnetPsiResult {
  settings: ResnetPsiSettings;
  threads: number;
  /** Wall time of the whole report (ms). */
  ms: number;
  hvps: number;
  /** Median milliseconds of one HVP (2 gradient evaluations over the samples), and 1000 / it. */
  hvpMedianMs: number;
  hvpsPerSecond: number;
  /** HVPs over the report's wall time (orchestration included). */
  hvpsPerSecondOverall: number;
  gradientEvaluations: number;
  psiStar: number;
  trainLoss: number;
}

/**
 * Ψ* of ResNet-20 at its seeded initialisation (f32, batch norm on its initial statistics, in
 * evaluation mode) on `threads` core-wasm threads. Cost: `probes` HVPs and one loss, each over
 * `images` samples.
 */
export async function runResnetPsi(
  s: ResnetPsiSettings,
  threads: number,
  log: Log = () => undefined,
): Promise<ResnetPsiResult> {
  const spec = presetByName('resnet20');
  const { train } = cifarLike({ train: s.images, test: 1, seed: s.seed });
  const init = await Network.create(spec, { precision: 'f32', maxBatch: 1 });
  const params = Float64Array.from(init.initParams(s.seed));
  const engine = await objectiveFor(
    { engine: 'core-wasm', precision: 'f32', threads, maxBatch: 128 },
    { spec, params },
    train,
  );
  try {
    const { objective, times } = timedObjective(engine, async () => undefined);
    const t0 = performance.now();
    const report = await pacgen(objective, params, {
      diagonal: { method: 'hutchinson', probes: s.probes, onKink: 'report' },
      rho: 0,
      seed: s.seed,
      onProgress: (stage, done, total) => log(`  resnet20-psi: ${stage} ${done}/${total}`),
    });
    const ms = performance.now() - t0;
    const hvpMedianMs = median(times.hvp);
    return {
      settings: s,
      threads: engine.engine.threads,
      ms,
      hvps: times.hvp.length,
      hvpMedianMs,
      hvpsPerSecond: 1000 / hvpMedianMs,
      hvpsPerSecondOverall: times.hvp.length / (ms / 1000),
      gradientEvaluations: report.cost.gradientEvaluations,
      psiStar: report.psiStar,
      trainLoss: report.trainLoss,
    };
  } finally {
    await engine.dispose();
  }
}

/** The report's section. */
export function resnetPsiSection(r: ResnetPsiResult): string {
  const s = r.settings;
  return [
    `PACGen Ψ* of ResNet-20 (resnet20-psi): resnet20 preset (272,474 parameters, f32, seeded ` +
      `Glorot weights, batch norm on its initial statistics), Hutchinson diagonal with ${s.probes} ` +
      `probes over ${s.images.toLocaleString('en-US')} samples of a synthetic CIFAR-shaped set ` +
      `(cifarLike, seed ${s.seed}), ρ given as 0; core-wasm through objectiveFor, ${r.threads} ` +
      `thread${r.threads === 1 ? '' : 's'}`,
    `  time ${(r.ms / 1000).toFixed(1)} s for ${r.hvps} HVPs (${r.gradientEvaluations} gradient evaluations); ` +
      `one HVP ${(r.hvpMedianMs / 1000).toFixed(2)} s (median): ${r.hvpsPerSecond.toFixed(4)} HVPs/s ` +
      `(${r.hvpsPerSecondOverall.toFixed(4)} over the whole report); Ψ* ${r.psiStar.toPrecision(9)} nats, ` +
      `loss ${r.trainLoss.toPrecision(6)}`,
  ].join('\n');
}
