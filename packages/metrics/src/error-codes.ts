// Codes of the library's own PacgenErrors that callers branch on, in `PacgenError.code` (where a
// failed file-system call puts its system code, ENOSPC, EROFS…): a caller tests the code, not
// the message, so the wording of a message can change without changing what a caller does.

/**
 * A number that must be finite is not (a training loss, a Hessian diagonal, a parameter vector,
 * a point rounded to f32): for a trained model, a sign that it diverged or does not fit the data.
 */
export const NON_FINITE = 'PACGEN_NON_FINITE';

/** A normalization (per-channel mean and std) that is unknown, malformed or of another channel count. */
export const BAD_NORMALIZATION = 'PACGEN_BAD_NORMALIZATION';

/** A folder holds a sweep, or a run, made with other settings than the ones asked for. */
export const OTHER_SETTINGS = 'PACGEN_OTHER_SETTINGS';
