import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG_SIGNATURE as PNG, pacgenSync as pacgen, tempDir } from './helpers.js';

describe('pacgen landscape', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('2-D random slice: heat map and surface, grid data as JSON and CSV', () => {
    const r = pacgen(
      [
        'landscape',
        'toy',
        '--data',
        'toy',
        '--grid',
        '5',
        '--range',
        '2',
        '--out',
        'two',
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      model: 'toy',
      data: 'toy',
      numParams: 2,
      dims: 2,
      directions: 'random',
      steps: 5,
      range: [-2, 2],
    });
    // Filter normalisation of the shared 2-vector: ‖d‖ = ‖w‖.
    expect(doc.directionNorms[0]).toBeCloseTo(doc.centerNorm, 10);
    expect(doc.cost.lossEvaluations).toBe(26);
    const out = join(dir, 'two');
    for (const f of doc.files) expect(existsSync(join(out, f)), f).toBe(true);
    const data = JSON.parse(readFileSync(join(out, 'landscape.json'), 'utf8'));
    expect(data.alpha).toEqual([-2, -1, 0, 1, 2]);
    expect(data.beta).toHaveLength(5);
    expect(data.loss).toHaveLength(25);
    expect(data.loss[12]).toBeCloseTo(doc.centerLoss, 12);
    const csv = readFileSync(join(out, 'landscape.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('alpha,beta,loss');
    expect(csv).toHaveLength(26);
    for (const stem of ['loss-heatmap', 'loss-surface']) {
      expect(readFileSync(join(out, 'figures', `${stem}.svg`), 'utf8')).toMatch(/^<svg/);
      expect(Array.from(readFileSync(join(out, 'figures', `${stem}.png`)).subarray(0, 8))).toEqual(
        PNG,
      );
    }
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Landscape of toy');
  });

  it('1-D eigenvector slice with Ψ: a line chart each and the eigenvalue', () => {
    const r = pacgen(
      [
        'landscape',
        'toy',
        '--data',
        'toy',
        '--dims',
        '1',
        '--directions',
        'eigen',
        '--grid',
        '3',
        '--range',
        '0.5',
        '--psi',
        '--rho',
        '0',
        '--out',
        'one',
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ dims: 1, directions: 'eigen', psi: true, normalization: null });
    expect(doc.eigenvalues).toHaveLength(1);
    expect(doc.directionNorms[0]).toBeCloseTo(1, 12);
    const data = JSON.parse(readFileSync(join(dir, 'one', 'landscape.json'), 'utf8'));
    expect(data.beta).toBeNull();
    expect(data.loss).toHaveLength(3);
    expect(data.psi).toHaveLength(3);
    expect(data.psi.every((v: number) => Number.isFinite(v))).toBe(true);
    expect(readFileSync(join(dir, 'one', 'landscape.csv'), 'utf8').split('\n')[0]).toBe(
      'alpha,loss,psi,psi_star',
    );
    for (const f of ['loss-1d.svg', 'loss-1d.png', 'psi-1d.svg', 'psi-1d.png']) {
      expect(existsSync(join(dir, 'one', 'figures', f)), f).toBe(true);
    }
  });

  it('rejects bad flags with exit 2 and writes nothing', () => {
    const dims = pacgen(['landscape', 'toy', '--data', 'toy', '--dims', '3', '--out', 'bad'], dir);
    expect(dims.code).toBe(2);
    const range = pacgen(['landscape', 'toy', '--data', 'toy', '--range=-1', '--out', 'bad'], dir);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--range/);
    const model = pacgen(['landscape', 'nosuchmodel', '--data', 'toy', '--out', 'bad'], dir);
    expect(model.code).toBe(2);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});
