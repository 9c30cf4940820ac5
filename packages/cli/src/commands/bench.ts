// `pacgen bench`: runs the benchmarks of tools/bench (built separately) with the given arguments.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
import type { GlobalArgs } from '../context.js';
import { examples } from '../examples.js';

/** tools/bench/dist/main.js of the workspace this CLI belongs to (or of the current folder). */
function benchEntry(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve(here, '../../../../tools/bench/dist/main.js'),
    join(process.cwd(), 'tools/bench/dist/main.js'),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

interface BenchArgs extends GlobalArgs {
  args?: (string | number)[];
}

/** Shown by --help: the command line, then what it does. */
const EXAMPLES = [
  '$0 bench  # every benchmark with its defaults',
  "$0 bench -- --help  # the benchmark's own options",
];

const command: CommandModule<GlobalArgs, BenchArgs> = {
  command: 'bench [args..]',
  describe: 'run the engine benchmarks of tools/bench (arguments after -- pass through)',
  builder: (y) =>
    y
      .positional('args', { type: 'string', array: true, describe: 'arguments for the benchmark' })
      .parserConfiguration({ 'unknown-options-as-args': true })
      .strict(false)
      .example(examples(EXAMPLES)),
  handler: async (argv) => {
    const entry = benchEntry();
    if (!entry) {
      throw new CliError('the benchmarks are not built (tools/bench/dist/main.js is missing)', {
        hint: 'run `npm run build` in the repository root first',
      });
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
};

export default command;
