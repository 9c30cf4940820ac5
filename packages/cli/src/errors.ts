// Errors the CLI reports to its user: one line on stderr, a hint, and an exit code. Exit 2 is a
// usage problem (a flag or a value the user can fix on the command line), exit 1 a failure
// (a missing or malformed file, a run that could not finish).

import { PacgenError } from '@pacgen/core-wasm';
import { ioReason } from '@pacgen/metrics/node';

/** Exit codes of the `pacgen` binary. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** An error with the exit code and a hint of what to do. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(
    message: string,
    options: { exitCode?: number; hint?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.hint = options.hint;
  }
}

/** A usage problem: an unknown flag, a missing argument, an impossible value (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, hint = 'run with --help to see the options') {
    super(message, { exitCode: EXIT.usage, hint });
    this.name = 'UsageError';
  }
}

/**
 * Runs `fn`, turning a PacgenError it throws into a UsageError: for library calls whose input
 * is a command-line value (a preset name, an estimator setting), where the fix is on the
 * command line.
 */
export async function asUsage<T>(fn: () => T | Promise<T>, hint?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PacgenError) throw new UsageError(e.message, hint);
    throw e;
  }
}

/** The one-line message, hint and exit code for any error reaching the top level. */
export function describeError(e: unknown): { message: string; hint: string; exitCode: number } {
  if (e instanceof CliError) {
    return {
      message: e.message,
      hint: e.hint ?? 'run with --verbose for details',
      exitCode: e.exitCode,
    };
  }
  if (e instanceof PacgenError) {
    // The library names the file or value at fault; the user fixes that input.
    return {
      message: e.message,
      hint: ioHint(e.code) ?? 'fix the file or value named above (run with --help for the options)',
      exitCode: EXIT.failure,
    };
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && err.path) {
    return {
      message: `${err.path}: ${ioReason(err)}`,
      hint: ioHint(err.code) ?? 'check the path and its permissions',
      exitCode: EXIT.failure,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    message: `unexpected error: ${firstLine(message)}`,
    hint: 'run with --verbose for the stack trace',
    exitCode: EXIT.failure,
  };
}

/**
 * Prints `pacgen: <message>` and a hint on stderr (the stack too with `verbose`), returns the
 * exit code.
 */
export function reportError(e: unknown, verbose: boolean): number {
  const { message, hint, exitCode } = describeError(e);
  process.stderr.write(`pacgen: ${firstLine(message)}\n`);
  process.stderr.write(`  hint: ${hint}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return exitCode;
}

/** What to do about a file-system failure with this error code, or undefined when unknown. */
export function ioHint(code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free some space, or choose an output path on another disk';
    case 'EROFS':
      return 'the file system is read-only: choose an output path on another one';
    case 'EACCES':
    case 'EPERM':
      return 'choose a path you may write, or fix its permissions';
    default:
      return undefined;
  }
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0];
  return line.length > 0 ? line : s;
}
