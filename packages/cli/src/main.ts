#!/usr/bin/env node
// The `pacgen` binary: global flags, the command list, and the one place errors become a line on
// stderr and an exit code (0 ok, 1 failure, 2 usage).

import { createRequire } from 'node:module';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { Options } from 'yargs';
import { normalizeArgv, type CommandFlags } from './argv.js';
import { commandName } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, UsageError, reportError } from './errors.js';
import { RENAMED } from './vocabulary.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The flags every command takes. */
const GLOBAL_FLAGS: Record<string, Options> = {
  json: {
    type: 'boolean',
    default: false,
    describe: 'print exactly one JSON document on stdout (logs stay on stderr)',
    global: true,
  },
  verbose: {
    alias: 'v',
    type: 'boolean',
    default: false,
    describe: 'more detail on stderr, and stack traces of errors',
    global: true,
  },
  quiet: {
    alias: 'q',
    type: 'boolean',
    default: false,
    describe: 'no status lines or progress bars on stderr',
    global: true,
  },
};

/** Each command's flags, for the checks before parsing (argv.ts). */
const COMMAND_FLAGS = new Map<string, CommandFlags & { passThrough?: boolean }>(
  COMMANDS.map((c) => {
    const name = commandName(c.spec);
    const flags = { options: c.spec.options ?? {}, renamed: RENAMED[name] ?? {} };
    return [name, { ...flags, passThrough: c.spec.build !== undefined }];
  }),
);

/** `pacgen completion zsh` (or bash): the shell yargs writes the script for, from $SHELL. */
function completionShell(argv: string[]): void {
  if (argv[0] !== 'completion' || argv.length > 2) return;
  if (argv[1] === undefined) return;
  if (argv[1] !== 'bash' && argv[1] !== 'zsh') {
    throw new UsageError(`completion: '${argv[1]}' is not one of bash, zsh`);
  }
  process.env.SHELL = `/bin/${argv[1]}`;
  argv.pop();
}

/** Parses `argv` (without node and the script) and runs the command; resolves to the exit code. */
export async function main(rawArgv: string[]): Promise<number> {
  // Known before parsing, so a parse error can still show its stack.
  const verbose = rawArgv.includes('--verbose') || rawArgv.includes('-v');
  try {
    const argv = normalizeArgv(rawArgv, COMMAND_FLAGS, GLOBAL_FLAGS, (line) =>
      process.stderr.write(`${line}\n`),
    );
    completionShell(argv);
    const cli = yargs(argv)
      .scriptName('pacgen')
      .usage(
        '$0 <command> [options]\n\nPACGen: generalization from the local shape of the loss surface (Wang et al. 2018).',
      )
      .options(GLOBAL_FLAGS)
      // A repeated flag takes its last value, as in most CLIs (argv.ts also drops the earlier
      // ones: yargs-parser adds a repeated value of 1 to the previous one).
      .parserConfiguration({ 'duplicate-arguments-array': false })
      .completion(
        'completion',
        'print the shell completion script (bash or zsh): pacgen completion zsh >> ~/.zshrc',
      )
      .strict()
      .demandCommand(1, 'name a command (pacgen --help lists them)')
      .recommendCommands()
      .fail((msg, err) => {
        // Validation messages come without an error; a coerce error arrives re-wrapped as a
        // YError (our validators' messages), a command's own error as itself.
        if (err?.name === 'YError') throw new UsageError(err.message);
        if (err) throw err;
        if (msg?.startsWith('Did you mean')) {
          throw new UsageError(`unknown command '${argv[0]}'. ${msg}`);
        }
        throw new UsageError(msg ?? 'invalid command line');
      })
      .help()
      .alias('h', 'help')
      .version(version)
      .wrap(Math.min(110, process.stdout.columns || 100))
      .epilogue(
        'Exit codes: 0 success, 1 failure (missing or malformed file, failed run), 2 usage error.\nDocs: docs/cli.md',
      );
    for (const c of COMMANDS) cli.command(c);
    await cli.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    return reportError(e, verbose);
  }
}

process.exitCode = await main(hideBin(process.argv));
