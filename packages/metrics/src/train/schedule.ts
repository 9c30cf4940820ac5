// When a training run evaluates and scores: the evaluation and Ψ schedules, and the training-set
// indices Ψ's curvature is estimated on, each checked with a one-line PacgenError.

import { PacgenError } from '@pacgen/core-wasm';

/** When a training run reports Ψ: every k epochs (0: never, besides the end), or at 0, 1, 2, 4, 8, …. */
export type PsiSchedule = number | 'log';

/** `s` when it is a valid Ψ schedule (an integer ≥ 0 or 'log'); a PacgenError otherwise. */
export function checkPsiSchedule(s: PsiSchedule): PsiSchedule {
  return s === 'log' ? s : checkEvery('psiEvery', s);
}

/** Whether `epoch` (not the last) is on the Ψ schedule `s` (≠ 0). */
export function onPsiSchedule(s: PsiSchedule, epoch: number): boolean {
  if (s === 'log') return epoch === 0 || (epoch & (epoch - 1)) === 0;
  return epoch % s === 0;
}

export function checkEvery(name: string, k: number): number {
  if (!Number.isInteger(k) || k < 0)
    throw new PacgenError(`${name} must be an integer ≥ 0, got ${k}`);
  return k;
}

/** A copy of training-set indices, each an integer in [0, n). */
export function checkIndices(idx: ArrayLike<number>, n: number): Int32Array {
  if (idx.length < 1) throw new PacgenError('psiSamples is empty');
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new PacgenError(`psiSamples[${i}] = ${v} is not a training-sample index in [0, ${n})`);
    }
  }
  return Int32Array.from(idx);
}
