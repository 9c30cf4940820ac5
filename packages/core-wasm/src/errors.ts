/** An error in what the caller asked for (a spec, a shape, a value), with a one-line message. */
export class PacgenError extends Error {
  /**
   * What went wrong, for callers that branch on it: the system error code (`ENOSPC`, `EROFS`,
   * `ENOENT`…) when a file-system call failed, one of @pacgen/metrics' named codes
   * (`NON_FINITE`, `BAD_NORMALIZATION`, `OTHER_SETTINGS`) for the errors callers act on;
   * undefined otherwise.
   */
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PacgenError';
    this.code = options.code;
  }
}
