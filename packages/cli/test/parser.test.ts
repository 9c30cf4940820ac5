// The command line as pacgen reads it (issue #19): one vocabulary with the old names as
// deprecated aliases, full messages for invalid choices and unknown flags, a repeated flag's
// last value, caps on sizes, shell completion, `bench` outside the repository, and heartbeat
// lines on a stderr that is not a terminal.

import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** A quick toy experiment (a 3×3 grid, one descent start). */
const TOY = ['toy', '--grid', '3', '--starts', '1', '--lattice', '2'];

describe('pacgen command line', () => {
  it('suggests the closest flag for an unknown one', async () => {
    const r = await pacgen(['train', '--epoch', '3'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      "pacgen: unknown option --epoch for pacgen train (did you mean '--epochs'?)",
    );
    const far = await pacgen(['score', 'mlp', '--no-such-flag'], dir);
    expect(far.code).toBe(2);
    expect(expectOneLineError(far)).toBe('pacgen: unknown option --no-such-flag for pacgen score');
  });

  it('names the flag, the value and the allowed values of an invalid choice', async () => {
    const r = await pacgen(['train', '--optimizer', 'adamm'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      "pacgen: --optimizer: 'adamm' is not one of adam, sgd, adamw, sam, asam, perturbed (did you mean 'adam'?)",
    );
    const far = await pacgen(['score', 'mlp', '--precision', 'double'], dir);
    expect(expectOneLineError(far)).toBe("pacgen: --precision: 'double' is not one of f32, f64");
  });

  it('takes the last value of a repeated flag', async () => {
    const args = ['train', '--data', 'toy', '--model', 'toy', '--optimizer', 'sgd', '--lr', '1'];
    const r = await pacgen(
      [...args, '--epochs', '3', '--epochs', '1', '--out', 'rep', '--json'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const log = JSON.parse(readFileSync(join(dir, 'rep', 'run.json'), 'utf8'));
    expect(log.settings.epochs).toBe(1);
    expect(log.epochs).toBe(1);
    // The earlier value would have been refused: it is dropped before any check.
    const bad = await pacgen(['train', '--epochs', '-5', '--epochs', '1e12'], dir);
    expect(expectOneLineError(bad)).toMatch(/^pacgen: --epochs must be at most 1,000,000/);
  });

  it('runs an old flag name as the new one, with a one-line deprecation note', async () => {
    const r = await pacgen([...TOY, '--samples', '12', '--out', 'toy-old', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('pacgen: --samples is deprecated; use --reconstruction-samples\n');
    const renamed = await pacgen(['compare', '--train-subset', '1', '--out', 'never'], dir);
    expect(renamed.code).toBe(2);
    const lines = renamed.stderr.split('\n');
    expect(lines[0]).toBe('pacgen: --train-subset is deprecated; use --train-size');
    expect(lines[1]).toBe('pacgen: --train-size must be an integer in [2, 100000000], got 1');
    expect(readdirSync(dir)).not.toContain('never');
  });

  it.each([
    [['train', '--epochs', '1e12'], '--epochs must be at most 1,000,000'],
    [['score', 'mlp', '--probes', '1e12'], '--probes must be at most 1,000,000'],
    [['score', 'mlp', '--samples', '1e9'], '--samples must be at most 100,000,000'],
    [['train', '--batch-size', '1e7'], '--batch-size must be at most 1,000,000'],
    [['spectrum', 'mlp', '--grid', '1e6'], '--grid must be at most 100,000'],
    [['sweep', '--seeds', Array.from({ length: 1001 }, (_, i) => i).join(',')], 'the cap is 1000'],
  ])('caps sizes and counts: %j', async (args, message) => {
    const r = await pacgen(args, dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toContain(message);
  });

  it('prints bash and zsh completion scripts that complete commands', async () => {
    const bash = await pacgen(['completion'], dir);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('###-begin-pacgen-completions-###');
    expect(bash.stdout).toContain(
      'complete -o bashdefault -o default -F _pacgen_yargs_completions pacgen',
    );
    const zsh = await pacgen(['completion', 'zsh'], dir);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toContain('#compdef pacgen');
    // What the bash script runs for `pacgen sc<TAB>`; bash keeps the words that start so.
    const words = await pacgen(['--get-yargs-completions', 'pacgen', 'sc'], dir);
    const offered = words.stdout.split('\n').filter((w) => w.startsWith('sc'));
    expect(offered).toEqual(['score']);
    const flags = await pacgen(['--get-yargs-completions', 'pacgen', 'train', '--ep'], dir);
    expect(flags.stdout.split('\n')).toContain('--epochs');
    const shell = await pacgen(['completion', 'fish'], dir);
    expect(expectOneLineError(shell)).toBe("pacgen: completion: 'fish' is not one of bash, zsh");
  });

  it('prints heartbeat lines on a stderr that is not a terminal', async () => {
    const env = { PACGEN_HEARTBEAT_MS: '50' };
    const r = await pacgen([...TOY, '--out', 'toy-beat'], dir, 110_000, { env });
    expect(r.code, r.stderr).toBe(0);
    const beats = r.stderr.split('\n').filter((l) => l.startsWith('pacgen: still working'));
    expect(beats.length).toBeGreaterThan(0);
    for (const b of beats) expect(b).toMatch(/^pacgen: still working — toy, \d+(m\d\ds|s)(, .+)?$/);
    expect(beats.some((b) => / \d+\/\d+ (points|starts)$/.test(b))).toBe(true);
    const quiet = await pacgen([...TOY, '--out', 'toy-quiet', '--quiet'], dir, 110_000, { env });
    expect(quiet.stderr).not.toContain('still working');
  });

  it('says how to get the benchmarks where @pacgen/bench is not installed', async () => {
    // The built CLI in a project of its own: its dependencies, but not @pacgen/bench.
    const project = join(dir, 'project');
    const cli = join(project, 'node_modules', '@pacgen', 'cli');
    mkdirSync(join(cli, 'node_modules'), { recursive: true });
    const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
    cpSync(here('../dist'), join(cli, 'dist'), { recursive: true });
    cpSync(here('../package.json'), join(cli, 'package.json'));
    const link = (from: string, to: string, skip: string[] = []) => {
      for (const name of readdirSync(from)) {
        if (!skip.includes(name) && !name.startsWith('.'))
          symlinkSync(join(from, name), join(to, name));
      }
    };
    // The workspace's modules, and the CLI's own (newer yargs).
    link(here('../../../node_modules'), join(project, 'node_modules'), ['@pacgen']);
    link(here('../node_modules'), join(cli, 'node_modules'));
    for (const name of ['core-wasm', 'metrics']) {
      symlinkSync(here(`../../${name}`), join(project, 'node_modules', '@pacgen', name));
    }
    const r = await pacgen(['bench'], project, 110_000, { bin: join(cli, 'dist', 'main.js') });
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toBe(
      'pacgen: pacgen bench needs the benchmark package @pacgen/bench, which is not installed (or not built) beside this pacgen',
    );
    expect(r.stderr).toContain('tools/bench');
  });
});
