// Defines a `pacgen` command from what is particular to it: its name and positionals, its
// flags (from the shared vocabulary, vocabulary.ts), its --help examples and its handler, which
// receives the run's context. The yargs plumbing every command shares lives here once.

import type { Argv, CommandModule, Options, PositionalOptions } from 'yargs';
import { createContext, type Context, type GlobalArgs } from './context.js';
import { examples } from './examples.js';
import { oneOf } from './flag.js';

/** What a command is made of. */
export interface CommandSpec<A> {
  /** yargs' command string, e.g. 'score <model>'. */
  command: string;
  describe: string;
  positional?: Record<string, PositionalOptions>;
  options?: Record<string, Options>;
  /** --help examples, 'CMD  # WHAT' (examples.ts). */
  examples?: readonly string[];
  /** A check of the parsed flags together; throws a UsageError. */
  check?: (argv: A) => void;
  /** Anything else the builder needs (bench passes its arguments through). */
  build?: (y: Argv<GlobalArgs>) => Argv<GlobalArgs>;
  /** false: no heartbeat lines (a command whose output is its own, or one that waits for ever). */
  heartbeat?: boolean;
  /** Runs the command; `ctx` is where it writes. */
  handler: (argv: A, ctx: Context) => Promise<void>;
}

/**
 * A yargs command module that keeps its spec (for the command-line checks of argv.ts); its
 * flags' types stay inside (the handler's argv).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PacgenCommand = CommandModule<GlobalArgs, any> & { spec: CommandSpec<any> };

/** The command the spec describes. */
export function defineCommand<A extends GlobalArgs>(spec: CommandSpec<A>): PacgenCommand {
  return {
    spec,
    command: spec.command,
    describe: spec.describe,
    builder: (y) => {
      let b = y;
      for (const [name, p] of Object.entries(spec.positional ?? {})) b = b.positional(name, p);
      b = b.options(checkedChoices(spec.options ?? {}));
      if (spec.check) {
        const check = spec.check;
        b = b.check((a) => {
          check(a as unknown as A);
          return true;
        });
      }
      if (spec.build) b = spec.build(b);
      return b.example(examples(spec.examples ?? []));
    },
    handler: (parsed) => {
      const argv = parsed as unknown as A;
      const name = spec.heartbeat === false ? undefined : commandName(spec);
      return spec.handler(argv, createContext(argv, name));
    },
  };
}

/** The name a command is typed as: the first word of its command string. */
export function commandName(spec: { command: string }): string {
  return spec.command.split(' ')[0];
}

/**
 * The options with a full message for a value outside `choices` (flag, value, the allowed
 * values, the closest one) where the option has no check of its own: yargs says only "Invalid
 * values:".
 */
export function checkedChoices(options: Record<string, Options>): Record<string, Options> {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) =>
      o.choices && !o.coerce
        ? [name, { ...o, coerce: oneOf(name, o.choices as readonly (string | number)[]) }]
        : [name, o],
    ),
  );
}
