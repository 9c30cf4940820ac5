import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG_SIGNATURE as PNG, pacgenSync as pacgen, tempDir } from './helpers.js';

describe('pacgen toy', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('writes figures (SVG and PNG), data and a report, and prints one JSON document', () => {
    const r = pacgen(
      [
        'toy',
        '--grid',
        '7',
        '--range=-4,4',
        '--starts',
        '3',
        '--lattice',
        '3',
        '--reconstruction-samples',
        '200',
        '--png-width',
        '400',
        '--out',
        'run',
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.out).toBe(join(dir, 'run'));
    expect(doc.n).toBe(100);
    expect(doc.settings).toMatchObject({
      grid: 7,
      starts: 3,
      lattice: 3,
      range: [-4, 4],
      gamma: 0.1,
      epsilon: 0.1,
      delta: 0.05,
    });
    expect(doc.minima.length).toBeGreaterThanOrEqual(1);
    for (const m of doc.minima) {
      expect(m.w).toHaveLength(2);
      for (const k of ['loss', 'psi', 'psiStar', 'bound', 'rho', 'testLoss', 'gradientNorm']) {
        expect(typeof m[k]).toBe('number');
      }
      expect(m.eigenvalues[1]).toBeGreaterThan(0);
    }
    expect(doc.global).toBe(0);
    expect(doc.reconstruction.samples).toBe(200);
    expect(doc.reconstruction.global.complexity.median.regions).toBeGreaterThanOrEqual(1);
    expect(doc.caution).toMatch(/not a guarantee/);

    const out = join(dir, 'run');
    for (const f of doc.files) expect(existsSync(join(out, f)), f).toBe(true);
    for (const stem of [
      'loss-surface',
      'loss-heatmap',
      'psi-surface',
      'psi-heatmap',
      'bound-surface',
      'reconstruction-truth',
      'reconstruction-global',
    ]) {
      const svg = readFileSync(join(out, 'figures', `${stem}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      const png = readFileSync(join(out, 'figures', `${stem}.png`));
      expect(Array.from(png.subarray(0, 8))).toEqual(PNG);
      expect(png.readUInt32BE(16)).toBe(400);
    }
    const grid = JSON.parse(readFileSync(join(out, 'grid.json'), 'utf8'));
    expect(grid.w1).toHaveLength(7);
    for (const k of [
      'loss',
      'psi',
      'psiStar',
      'rho',
      'lambdaMax',
      'lambdaMin',
      'bound',
      'boundStar',
    ]) {
      expect(grid[k]).toHaveLength(49);
    }
    const csv = readFileSync(join(out, 'grid.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'w1,w2,loss,psi,psi_star,rho,lambda_max,lambda_min,curvature_fraction,bound,bound_star',
    );
    expect(csv).toHaveLength(50);
    const rec = readFileSync(join(out, 'reconstruction.csv'), 'utf8').trim().split('\n');
    expect(rec[0].startsWith('x1,x2,truth,global_p')).toBe(true);
    expect(rec).toHaveLength(201);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('PACGen toy experiment');
    expect(html).not.toMatch(/<script|<link|\s(src|href)\s*=\s*["']?https?:/i);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).minima).toEqual(doc.minima);
  });

  it('prints a table and findings without --json, and skips PNGs with --no-png', () => {
    const r = pacgen(
      [
        'toy',
        '--grid',
        '5',
        '--starts',
        '2',
        '--lattice',
        '2',
        '--reconstruction-samples',
        '50',
        '--no-png',
        '--out',
        'svg-only',
        '-q',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/minimum\s+w1\s+w2\s+loss/);
    expect(r.stdout).toMatch(/strict minima found/);
    expect(existsSync(join(dir, 'svg-only', 'figures', 'loss-surface.svg'))).toBe(true);
    expect(existsSync(join(dir, 'svg-only', 'figures', 'loss-surface.png'))).toBe(false);
  });

  it('refuses a non-empty output folder without --force, and bad flags with exit 2', () => {
    const again = pacgen(['toy', '--grid', '3', '--starts', '1', '--out', 'svg-only'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
    const bad = pacgen(['toy', '--range', '3,1'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--range/);
    const grid = pacgen(['toy', '--grid', '1'], dir);
    expect(grid.code).toBe(2);
  });
});
