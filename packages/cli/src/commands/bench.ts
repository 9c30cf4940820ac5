// `pacgen bench`: runs the engine benchmarks of @pacgen/bench (tools/bench) with the given
// arguments, wherever that package resolves from this CLI: the repository's workspace, or a
// project that installed it beside @pacgen/cli.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { CliError } from '../errors.js';

/** The benchmark package's entry point as resolved from `from` (a file URL), or null. */
export function benchEntry(from: string = import.meta.url): string | null {
  try {
    return createRequire(from).resolve('@pacgen/bench');
  } catch {
    return null;
  }
}

interface BenchArgs extends GlobalArgs {
  _: (string | number)[];
  args?: (string | number)[];
}

export default defineCommand<BenchArgs>({
  command: 'bench [args..]',
  describe: 'run the engine benchmarks of @pacgen/bench (arguments after -- pass through)',
  positional: {
    args: { type: 'string', array: true, describe: 'arguments for the benchmark' },
  },
  // The benchmarks print their own progress.
  heartbeat: false,
  build: (y) => y.parserConfiguration({ 'unknown-options-as-args': true }).strict(false),
  examples: [
    '$0 bench  # every benchmark with its defaults',
    "$0 bench -- --help  # the benchmark's own options",
  ],
  handler: async (argv) => {
    const entry = benchEntry();
    if (!entry) {
      throw new CliError(
        'pacgen bench needs the benchmark package @pacgen/bench, which is not installed (or not built) beside this pacgen',
        {
          hint: 'it lives in the pacgen repository (tools/bench): git clone https://github.com/pacgen/pacgen && cd pacgen && npm ci && npm run build && npx pacgen bench',
        },
      );
    }
    // Unknown options arrive in `args`; everything after `--` in `_` (after the command name);
    // --json is a global flag of pacgen, so it is handed on explicitly.
    const args = [
      ...(argv.json ? ['--json'] : []),
      ...(argv.args ?? []).map(String),
      ...argv._.slice(1).map(String),
    ];
    const code = await new Promise<number>((res, rej) => {
      const child = spawn(process.execPath, [entry, ...args], { stdio: 'inherit' });
      child.on('error', rej);
      child.on('exit', (c, sig) => res(c ?? (sig ? 128 : 1)));
    });
    if (code !== 0) process.exitCode = code;
  },
});
