#!/usr/bin/env node
// The `pacgen` binary: global flags, the command list, and the one place errors become a line on
// stderr and an exit code (0 ok, 1 failure, 2 usage).

import { createRequire } from 'node:module';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index.js';
import { EXIT, UsageError, reportError } from './errors.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Parses `argv` (without node and the script) and runs the command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Known before parsing, so a parse error can still show its stack.
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    const cli = yargs(argv)
      .scriptName('pacgen')
      .usage(
        '$0 <command> [options]\n\nPACGen: generalization from the local shape of the loss surface (Wang et al. 2018).',
      )
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print exactly one JSON document on stdout (logs stay on stderr)',
        global: true,
      })
      .option('verbose', {
        alias: 'v',
        type: 'boolean',
        default: false,
        describe: 'more detail on stderr, and stack traces of errors',
        global: true,
      })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'no status lines or progress bars on stderr',
        global: true,
      })
      // A repeated flag takes its last value, as in most CLIs (yargs' default makes an array).
      .parserConfiguration({ 'duplicate-arguments-array': false })
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
