// Runs as files: JSON (everything but the model's parameters) and CSV (one row per run and
// evaluated epoch, the columns of the history table), for a spreadsheet or a notebook.

import type { StoredRun } from './runs';

/** The runs without their models (settings, history, final numbers), as JSON text. */
export function runsJson(runs: StoredRun[]): string {
  return JSON.stringify(
    runs.map(({ model, ...rest }) => ({ ...rest, numParams: model?.params.length ?? null })),
    null,
    2,
  );
}

const COLUMNS = [
  'run',
  'name',
  'epoch',
  'steps',
  'train_loss',
  'train_accuracy',
  'test_loss',
  'test_accuracy',
  'gap',
  'psi',
  'psi_star',
  'bound',
  'sigma_mean',
  'seconds',
] as const;

/** A CSV field: quoted when it holds a comma, quote or line break. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per run and epoch (full-precision numbers; empty where not evaluated). */
export function runsCsv(runs: StoredRun[]): string {
  const rows = runs.flatMap((r) =>
    r.epochs.map((e) =>
      [
        r.id,
        r.name,
        e.epoch,
        e.steps,
        e.trainLoss,
        e.trainAccuracy,
        e.testLoss,
        e.testAccuracy,
        e.gap,
        e.psi?.psi,
        e.psi?.psiStar,
        e.psi?.bound,
        e.optimizer?.sigmaMean,
        e.seconds,
      ]
        .map(field)
        .join(','),
    ),
  );
  return [COLUMNS.join(','), ...rows].join('\n') + '\n';
}
