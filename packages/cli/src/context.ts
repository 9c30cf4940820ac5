// What every command gets from the global flags: where human text goes and whether stdout is
// reserved for one JSON document. Logs always go to stderr so `--json` output stays parseable.

import { createProgress, heartbeatInterval, type Progress } from './progress.js';

/** The global flags every command accepts. */
export interface GlobalArgs {
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** Output channels of a command run. */
export interface Context {
  /** `--json`: stdout carries exactly one JSON document, written by `result`. */
  readonly json: boolean;
  readonly verbose: boolean;
  /** Progress bars on stderr (silent unless stderr is a TTY and not `--json`/`--quiet`). */
  readonly progress: Progress;
  /** A status line on stderr (suppressed by `--quiet`). */
  log(message: string): void;
  /** A detail line on stderr, only with `--verbose`. */
  debug(message: string): void;
  /** A warning on stderr (always shown). */
  warn(message: string): void;
  /** Human-readable result text on stdout (nothing in `--json` mode). */
  print(text: string): void;
  /** The command's JSON document on stdout (only in `--json` mode; call once). */
  result(doc: unknown): void;
}

/**
 * Builds the context of one command run from its parsed global flags. With `command` (its name),
 * a long run whose stderr is not a terminal prints heartbeat lines there (progress.ts), unless
 * `--quiet`.
 */
export function createContext(args: GlobalArgs, command?: string): Context {
  const json = Boolean(args.json);
  const verbose = Boolean(args.verbose);
  const quiet = Boolean(args.quiet);
  const tty = Boolean(process.stderr.isTTY);
  let emitted = false;
  return {
    json,
    verbose,
    progress: createProgress({
      enabled: !json && !quiet && tty,
      heartbeat:
        command !== undefined && !quiet && !tty
          ? { command, intervalMs: heartbeatInterval() }
          : undefined,
    }),
    log: (m) => {
      if (!quiet) process.stderr.write(`${m}\n`);
    },
    debug: (m) => {
      if (verbose) process.stderr.write(`${m}\n`);
    },
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    print: (text) => {
      if (!json) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    result: (doc) => {
      if (!json) return;
      if (emitted) throw new Error('a command printed two JSON documents');
      emitted = true;
      process.stdout.write(`${JSON.stringify(doc, jsonReplacer, 2)}\n`);
    },
  };
}

/** JSON.stringify replacer: typed arrays as arrays, non-finite numbers as null with a marker. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? null : value > 0 ? 'Infinity' : '-Infinity';
  }
  return value;
}
