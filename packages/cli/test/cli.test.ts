import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { entries, expectOneLineError, pacgen, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const BENCH = fileURLToPath(new URL('../../../tools/bench/dist/main.js', import.meta.url));
const COMMANDS = ['demo', 'train', 'score', 'spectrum', 'landscape', 'toy', 'sweep', 'bench'];

describe('pacgen (global behaviour)', () => {
  it('lists every command in --help and exits 0', async () => {
    const r = await pacgen(['--help'], dir);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`pacgen ${c}`);
    expect(r.stdout).toContain('--json');
  });

  it.each(COMMANDS)('%s --help shows examples', async (c) => {
    const r = await pacgen([c, '--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });

  it('prints its version', async () => {
    const r = await pacgen(['--version'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown flag with exit 2 and one line', async () => {
    const r = await pacgen(['score', 'mlp', '--no-such-flag'], dir);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/unknown option --no-such-flag/);
  });

  it('rejects an unknown command and a missing command with exit 2', async () => {
    const unknown = await pacgen(['scor'], dir);
    expect(unknown.code).toBe(2);
    expect(expectOneLineError(unknown)).toMatch(/unknown command.*score/i);
    const none = await pacgen([], dir);
    expect(none.code).toBe(2);
    expectOneLineError(none);
  });

  it('shows the stack trace only with --verbose', async () => {
    const quiet = await pacgen(['score', 'missing/model.json'], dir);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const verbose = await pacgen(['score', 'missing/model.json', '--verbose'], dir);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect(entries(dir)).toEqual([]);
  });

  // tools/bench is built by its own project; without it the command says how to build it.
  it.runIf(existsSync(BENCH))('passes arguments through to the benchmarks', async () => {
    const help = await pacgen(['bench', '--', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: node tools/bench/dist/main.js');
    const bad = await pacgen(['bench', '--no-such-bench-flag'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--no-such-bench-flag'");
  });

  it.runIf(!existsSync(BENCH))('says to build the benchmarks when they are missing', async () => {
    const r = await pacgen(['bench'], dir);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toContain('needs the benchmark package @pacgen/bench');
  });
});
