// What an input did to a parser: accepted it, refused it with a clear error, or failed some
// other way. A clear error is pacgen's own (PacgenError, or the CLI's CliError / UsageError)
// with a message on one line of reasonable length; anything else (a TypeError, a RangeError,
// "Maximum call stack size exceeded", an engine trap, a multi-line message) is a finding.

/** Names of the errors that are pacgen's clear refusals. */
const CLEAN_ERRORS = new Set(['PacgenError', 'CliError', 'UsageError']);

/** The longest message still counted as clear. */
export const MAX_MESSAGE_CHARS = 500;

export type Outcome = { kind: 'accepted' } | { kind: 'clean' } | { kind: 'other'; error: string };

/** Classifies what a parser threw (or `undefined` for nothing thrown). */
export function classify(thrown: unknown, threw: boolean): Outcome {
  if (!threw) return { kind: 'accepted' };
  if (
    thrown instanceof Error &&
    CLEAN_ERRORS.has(thrown.name) &&
    thrown.message.length > 0 &&
    thrown.message.length <= MAX_MESSAGE_CHARS &&
    !/[\r\n]/.test(thrown.message)
  ) {
    return { kind: 'clean' };
  }
  const e = thrown as { name?: unknown; message?: unknown; stack?: unknown };
  const where =
    typeof e?.stack === 'string' ? e.stack.split('\n').slice(1, 3).join(' ').trim() : '';
  const message = typeof e?.message === 'string' ? e.message : String(thrown);
  const name = typeof e?.name === 'string' ? e.name : typeof thrown;
  return { kind: 'other', error: `${name}: ${message.slice(0, 300)} ${where}`.trim() };
}
