// The command line as pacgen reads it, before yargs parses it: an old flag name becomes the
// current one (with a one-line note on stderr), a repeated flag keeps its last value (yargs-
// parser turns `--epochs 3 --epochs 1` into 4: a later 1 counts as an increment), and an
// unknown flag is a usage error that names the closest known one.

import type { Options } from 'yargs';
import { UsageError } from './errors.js';
import { didYouMean } from './flag.js';

/** What the checks need to know of a command. */
export interface CommandFlags {
  options: Record<string, Options>;
  /** Old name → current name. */
  renamed: Record<string, string>;
}

/** Flags every command takes besides its own. */
const BUILT_IN = ['help', 'version'];

/** `trainSize` → `train-size` (yargs accepts both spellings). */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** One flag on the command line: where it stands, how many tokens it takes, its name. */
interface Occurrence {
  start: number;
  length: number;
  key: string;
}

/**
 * `args` (the tokens after the command name, up to `--`) with old names replaced, unknown
 * names refused and every repeated flag but its last occurrence removed. `note` receives the
 * deprecation lines.
 */
export function normalizeFlags(
  args: readonly string[],
  command: string,
  flags: CommandFlags,
  globals: Record<string, Options>,
  note: (line: string) => void,
): string[] {
  const all: Record<string, Options> = { ...globals, ...flags.options };
  const known = [...Object.keys(all), ...BUILT_IN];
  const tokens = [...args];
  const seen: Occurrence[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!t.startsWith('--') || t === '--') continue;
    const eq = t.indexOf('=');
    let name = kebab(eq < 0 ? t.slice(2) : t.slice(2, eq));
    const negated = name.startsWith('no-') && !(name in all) && all[name.slice(3)] !== undefined;
    if (negated) name = name.slice(3);
    const renamed = flags.renamed[name];
    if (renamed !== undefined && !(name in flags.options)) {
      note(`pacgen: --${name} is deprecated; use --${renamed}`);
      tokens[i] = `--${negated ? 'no-' : ''}${renamed}${eq < 0 ? '' : t.slice(eq)}`;
      name = renamed;
    }
    const option = all[name];
    if (option === undefined && !BUILT_IN.includes(name)) {
      throw new UsageError(
        `unknown option --${name} for pacgen ${command}${didYouMean(name, known, '--')}`,
        `pacgen ${command} --help lists its options`,
      );
    }
    if (option?.type === 'array') continue;
    const takesValue = eq < 0 && !negated && option !== undefined && option.type !== 'boolean';
    const length = takesValue && i + 1 < tokens.length && tokens[i + 1] !== '--' ? 2 : 1;
    seen.push({ start: i, length, key: name });
    i += length - 1;
  }
  // Keep the last occurrence of each flag.
  const last = new Map(seen.map((o) => [o.key, o.start]));
  const drop = new Set<number>();
  for (const o of seen) {
    if (last.get(o.key) !== o.start) for (let k = 0; k < o.length; k++) drop.add(o.start + k);
  }
  return tokens.filter((_, i) => !drop.has(i));
}

/**
 * The whole command line normalised (normalizeFlags on the command's flags); unchanged when it
 * names no command of `commands`, asks for shell completions, or the command passes its
 * arguments on (`passThrough`).
 */
export function normalizeArgv(
  argv: readonly string[],
  commands: ReadonlyMap<string, CommandFlags & { passThrough?: boolean }>,
  globals: Record<string, Options>,
  note: (line: string) => void,
): string[] {
  if (argv.includes('--get-yargs-completions')) return [...argv];
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const flags = at < 0 ? undefined : commands.get(argv[at]);
  if (!flags || flags.passThrough) return [...argv];
  const end = argv.indexOf('--', at);
  const stop = end < 0 ? argv.length : end;
  return [
    ...argv.slice(0, at + 1),
    ...normalizeFlags(argv.slice(at + 1, stop), argv[at], flags, globals, note),
    ...argv.slice(stop),
  ];
}
