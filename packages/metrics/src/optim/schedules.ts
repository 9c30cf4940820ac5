// Learning-rate schedules: functions of the step count (0 for the first update), composable
// with `joinSchedules` and `withWarmup`. Values are in the units of what they schedule.

import { PacgenError } from '@pacgen/core-wasm';
import { checkInteger, checkRange } from '../checks.js';
import type { ScalarOrSchedule, Schedule } from './types.js';

/** A number becomes a constant schedule (checked to be ≥ 0); a function is used as given. */
export function toSchedule(name: string, value: ScalarOrSchedule): Schedule {
  if (typeof value === 'function') return value;
  checkRange(name, value, 0);
  return () => value;
}

/** The value of a schedule at a step, checked to be finite. */
export function scheduleValue(name: string, schedule: Schedule, count: number): number {
  const v = schedule(count);
  if (!Number.isFinite(v)) {
    throw new PacgenError(`${name} schedule returned ${v} at step ${count}`);
  }
  return v;
}

/** The same value at every step. */
export function constantSchedule(value: number): Schedule {
  checkRange('value', value, -Infinity);
  return () => value;
}

/** Step decay: value·factor^⌊count/every⌋ (e.g. ×0.1 every 30 epochs' worth of steps). */
export function stepSchedule(options: { value: number; factor: number; every: number }): Schedule {
  const { value, factor } = options;
  checkRange('value', value, -Infinity);
  checkRange('factor', factor, 0);
  const every = checkInteger('every', options.every, 1);
  return (count) => value * factor ** Math.floor(Math.max(0, count) / every);
}

/**
 * Piecewise constant: `value` until the first boundary, then multiplied by each boundary's
 * scale once the count reaches it (optax's `piecewise_constant_schedule`).
 */
export function piecewiseConstantSchedule(
  value: number,
  boundariesAndScales: Record<number, number>,
): Schedule {
  checkRange('value', value, -Infinity);
  const marks = Object.entries(boundariesAndScales)
    .map(([b, s]) => [Number(b), s] as const)
    .sort((x, y) => x[0] - y[0]);
  for (const [b, s] of marks) {
    checkInteger('boundary', b, 0);
    checkRange('scale', s, -Infinity);
  }
  return (count) => {
    let v = value;
    for (const [b, s] of marks) if (count >= b) v *= s;
    return v;
  };
}

/** Exponential decay: value·rate^(count/every), continuously. */
export function exponentialDecaySchedule(options: {
  value: number;
  rate: number;
  every: number;
}): Schedule {
  const { value, rate } = options;
  checkRange('value', value, -Infinity);
  checkRange('rate', rate, 0, Infinity, { min: true });
  const every = checkRange('every', options.every, 0, Infinity, { min: true });
  return (count) => value * rate ** (Math.max(0, count) / every);
}

/** Linear from `start` to `end` over `steps` steps, then `end`. */
export function linearSchedule(options: { start: number; end: number; steps: number }): Schedule {
  const { start, end } = options;
  checkRange('start', start, -Infinity);
  checkRange('end', end, -Infinity);
  const steps = checkInteger('steps', options.steps, 1);
  return (count) => start + (end - start) * Math.min(1, Math.max(0, count) / steps);
}

/**
 * Cosine decay (Loshchilov & Hutter, no restarts): value·((1−α)·½(1 + cos(π·min(c, D)/D)) + α),
 * reaching α·value at D = `steps` and staying there.
 */
export function cosineDecaySchedule(options: {
  value: number;
  steps: number;
  alpha?: number;
}): Schedule {
  const { value } = options;
  checkRange('value', value, -Infinity);
  const steps = checkInteger('steps', options.steps, 1);
  const alpha = checkRange('alpha', options.alpha ?? 0, 0, 1);
  return (count) => {
    const c = Math.min(Math.max(0, count), steps);
    return value * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * c) / steps)) + alpha);
  };
}

/**
 * Runs `schedules[k]` from `boundaries[k−1]` on, with its count restarted at that boundary
 * (optax's `join_schedules`). Needs one boundary fewer than schedules, strictly increasing.
 */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length === 0 || boundaries.length !== schedules.length - 1) {
    throw new PacgenError(
      `joinSchedules needs k ≥ 1 schedules and k − 1 boundaries, got ${schedules.length} and ${boundaries.length}`,
    );
  }
  boundaries.forEach((b, k) => {
    checkInteger('boundary', b, 0);
    if (k > 0 && b <= boundaries[k - 1]) {
      throw new PacgenError(`boundaries must increase strictly, got ${boundaries.join(', ')}`);
    }
  });
  return (count) => {
    let k = 0;
    while (k < boundaries.length && count >= boundaries[k]) k++;
    return schedules[k](k === 0 ? count : count - boundaries[k - 1]);
  };
}

/**
 * Linear warm-up from `start` (default 0) to the schedule's first value over `steps` steps,
 * then the schedule with its count restarted.
 */
export function withWarmup(schedule: Schedule, steps: number, start = 0): Schedule {
  checkInteger('warm-up steps', steps, 0);
  if (steps === 0) return schedule;
  return joinSchedules([linearSchedule({ start, end: schedule(0), steps }), schedule], [steps]);
}

/**
 * Linear warm-up from `start` to `peak` over `warmupSteps`, then cosine decay to `end` at
 * `totalSteps` (optax's `warmup_cosine_decay_schedule`).
 */
export function warmupCosineSchedule(options: {
  start?: number;
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  end?: number;
}): Schedule {
  const { peak, warmupSteps, totalSteps } = options;
  const end = options.end ?? 0;
  checkInteger('warmupSteps', warmupSteps, 0);
  checkInteger('totalSteps', totalSteps, warmupSteps + 1);
  checkRange('peak', peak, 0, Infinity, { min: true });
  checkRange('end', end, 0, peak);
  const cosine = cosineDecaySchedule({
    value: peak,
    steps: totalSteps - warmupSteps,
    alpha: end / peak,
  });
  return withWarmup(cosine, warmupSteps, options.start ?? 0);
}
