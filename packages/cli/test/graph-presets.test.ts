import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const DATA = ['--data', 'mnist', '--train-size', '120'];

describe('graph presets from the CLI', () => {
  it('trains resnet-mnist with batch norm in training mode and scores the result', async () => {
    const t = await pacgen(
      ['train', ...DATA, '--test-size', '40', '--model', 'resnet-mnist', '--epochs', '1'].concat([
        '--batch-size',
        '40',
        '--out',
        'rn',
      ]),
      dir,
      300_000,
    );
    expect(t.code, t.stderr).toBe(0);
    const model = JSON.parse(readFileSync(join(dir, 'rn', 'model.json'), 'utf8'));
    const names: string[] = model.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    // The stem, two per block and two projections: nine batch norms, their statistics saved.
    expect(names.filter((n) => n.endsWith('/moving_mean'))).toHaveLength(9);
    const log = JSON.parse(readFileSync(join(dir, 'rn', 'run.json'), 'utf8'));
    expect(log.model.numParams).toBe(77_754);
    const s = await pacgen(
      ['score', 'rn', ...DATA, '--samples', '120', '--diagonal', 'hutchinson'].concat([
        '--probes',
        '2',
        '--rho-probes',
        '1',
        '--json',
      ]),
      dir,
      300_000,
    );
    expect(s.code, s.stderr).toBe(0);
    const doc = JSON.parse(s.stdout);
    expect(doc.numParams).toBe(77_754);
    // Evaluation mode on the running statistics read from the file: the training loss the run
    // logged (trained in f32, scored in f64). Initial statistics would give another loss.
    expect(doc.trainLoss).toBeCloseTo(log.final.trainLoss, 6);
    expect(Number.isFinite(doc.psiStar)).toBe(true);
  }, 600_000);
});
