// What every bench module shares: the progress log and the relative error of a result against
// its reference.

/** Where progress lines go (stderr by default). */
export type Log = (message: string) => void;

/** ‖a − b‖₂ / ‖b‖₂, accumulated in f64. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}
