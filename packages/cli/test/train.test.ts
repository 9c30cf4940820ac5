import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, entries, expectOneLineError, override, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const SMALL = [
  '--data',
  'mnist',
  '--train-size',
  '300',
  '--test-size',
  '100',
  '--model',
  'mlp:8',
  '--lr',
  '0.01',
];

describe('pacgen train', () => {
  it('trains, and writes a TF.js model, the run log and the curves', async () => {
    const r = await pacgen(
      ['train', ...SMALL, '--epochs', '2', '--batch-size', '50', '--out', 'run'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(entries(join(dir, 'run'))).toEqual([
      'checkpoint.json',
      'curves.svg',
      'group1-shard1of1.bin',
      'model.json',
      'run.json',
    ]);
    const log = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8'));
    expect(log.epochs).toBe(2);
    expect(log.steps).toBe(12);
    expect(log.history).toHaveLength(3);
    expect(log.final.testAccuracy).toBeGreaterThan(0.2);
    const model = JSON.parse(readFileSync(join(dir, 'run', 'model.json'), 'utf8'));
    expect(model.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(readFileSync(join(dir, 'run', 'curves.svg'), 'utf8')).toContain('<svg');
    expect(r.stdout).toMatch(/epoch\s+train loss/);
    // Nothing but the output folder: no temporaries, no checkpoint folder.
    expect(entries(dir)).toEqual(['run']);
  });

  it('extends a finished run with --resume, exactly as an uninterrupted one', async () => {
    const resumed = await pacgen(
      [
        'train',
        ...SMALL,
        '--epochs',
        '3',
        '--batch-size',
        '50',
        '--out',
        'run',
        '--resume',
        '--json',
      ],
      dir,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = JSON.parse(resumed.stdout);
    expect(a.resumedFrom).toBe(2);
    expect(a.epochs).toBe(3);
    const straight = await pacgen(
      ['train', ...SMALL, '--epochs', '3', '--batch-size', '50', '--out', 'straight', '--json'],
      dir,
    );
    const b = JSON.parse(straight.stdout);
    expect(a.final).toEqual(b.final);
  });

  it('prints exactly one JSON document with --json', async () => {
    const r = await pacgen(
      ['train', ...SMALL, '--epochs', '1', '--optimizer', 'perturbed', '--out', 'pert', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.settings.optimizer).toBe('perturbed');
    expect(doc.history.at(-1).optimizer.sigmaMean).toBeGreaterThan(0);
    expect(doc.out).toBe(join(dir, 'pert'));
  });

  it.each([
    ['sgd', ['--lr', '0.05', '--momentum', '0.9', '--schedule', 'cosine']],
    ['sam', ['--inner', 'sgd', '--sam-rho', '0.05']],
  ])('trains with %s', async (opt, extra) => {
    const r = await pacgen(
      [
        'train',
        ...SMALL,
        '--epochs',
        '1',
        '--optimizer',
        opt,
        ...extra,
        '--out',
        `o-${opt}`,
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).settings.optimizer).toBe(opt);
  });

  it('trains the toy problem', async () => {
    const r = await pacgen(
      [
        'train',
        '--data',
        'toy',
        '--model',
        'toy',
        '--optimizer',
        'sgd',
        '--lr',
        '1',
        '--epochs',
        '3',
        '--batch-size',
        '100',
        '--out',
        'toy',
        '--json',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).model.numParams).toBe(2);
  });

  it.each([
    [['--epochs', '-1'], /--epochs must be an integer ≥ 0/],
    [['--epochs', '1.5'], /--epochs must be an integer/],
    [['--batch-size', '0'], /--batch-size must be an integer ≥ 1/],
    [['--lr', '-0.1'], /--lr must be > 0/],
    [
      ['--optimizer', 'rmsprop'],
      /--optimizer: 'rmsprop' is not one of adam, sgd, adamw, sam, asam, perturbed/,
    ],
    [['--optimizer', 'perturbed', '--noise-scale', 'big'], /--noise-scale must be/],
    [['--model', 'mlp:0'], /hidden widths must be positive/],
    [['--data', 'nope'], /unknown data set 'nope'/],
  ])('refuses %j with exit 2 and leaves no output', async (bad, message) => {
    const r = await pacgen(['train', ...override(SMALL, bad), '--out', 'bad-run'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
    expect(existsSync(join(dir, 'bad-run'))).toBe(false);
    expect(existsSync(join(dir, 'bad-run.partial'))).toBe(false);
  });

  it('fails with exit 1 on missing data files and on a malformed model', async () => {
    const missing = await pacgen(['train', '--data', 'cifar10:no-such-dir', '--out', 'x'], dir);
    expect(missing.code).toBe(1);
    expect(expectOneLineError(missing)).toContain('no-such-dir');
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'model.json'), '{"format": "layers-model", ');
    const broken = await pacgen(
      ['train', ...SMALL.slice(0, 6), '--model', 'broken', '--out', 'x'],
      dir,
    );
    expect(broken.code).toBe(1);
    expect(expectOneLineError(broken)).toMatch(/malformed JSON/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('fails on divergence with exit 1, writing no model and no checkpoint', async () => {
    const r = await pacgen(
      [
        'train',
        ...override(SMALL, ['--optimizer', 'sgd', '--lr', '1e30']),
        '--epochs',
        '2',
        '--out',
        'div',
      ],
      dir,
    );
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/training diverged in epoch \d/);
    expect(existsSync(join(dir, 'div'))).toBe(false);
    expect(existsSync(join(dir, 'div.partial'))).toBe(false);
  });

  it('keeps the checkpoint on Ctrl-C, removes the unfinished output, and resumes', async () => {
    const args = ['train', ...override(SMALL, ['--train-size', '1000']), '--batch-size', '4'];
    const child = spawn(process.execPath, [BIN, ...args, '--epochs', '40', '--out', 'int'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const checkpoint = join(dir, 'int.partial', 'checkpoint.json');
    while (!existsSync(checkpoint)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(stderr).toMatch(/rerun with --resume/);
    expect(entries(dir).filter((e) => e.startsWith('int'))).toEqual(['int.partial']);
    expect(entries(dir).filter((e) => e.startsWith('.'))).toEqual([]);
    // Resume to 1 epoch, and compare with a run that was never interrupted.
    const resumed = await pacgen(
      [...args, '--epochs', '1', '--out', 'int', '--resume', '--json'],
      dir,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const straight = await pacgen(
      [...args, '--epochs', '1', '--out', 'int-straight', '--json'],
      dir,
    );
    expect(JSON.parse(resumed.stdout).final).toEqual(JSON.parse(straight.stdout).final);
    expect(existsSync(join(dir, 'int.partial'))).toBe(false);
  });

  it('refuses to replace an existing output folder without --force', async () => {
    const before = entries(join(dir, 'run'));
    const r = await pacgen(['train', ...SMALL, '--epochs', '1', '--out', 'run'], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/exists and is not empty/);
    expect(entries(join(dir, 'run'))).toEqual(before);
  });
});
