// `pacgen sweep --queue`: the sweep's runs as queue jobs of kind 'sweep-run' (grid-runner.ts).
// Each result comes back as the text a results folder holds and is read by the same parser, so
// it is checked against the settings of the job's one-point sweep as a stored run is.

import {
  parseSweepRunFile,
  runName,
  type SweepPoint,
  type SweepRunResult,
  type SweepSettings,
} from '@pacgen/metrics/experiments';
import { SWEEP_JOB_KEYS, type SweepJobArgs } from '../sweep-setup.js';
import type { QueueJobKind } from './grid-runner.js';
import { SWEEP_JOB_KIND } from './sweep-job.js';

/** The jobs of `pacgen sweep --queue` (give it to queueGridRunner with the sweep's flags). */
export const SWEEP_QUEUE_JOBS: QueueJobKind<SweepPoint, SweepRunResult, SweepJobArgs> = {
  kind: SWEEP_JOB_KIND,
  keys: SWEEP_JOB_KEYS,
  epochs: (args) => args['max-epochs'],
  point: (job) => job.point,
  parse(text, job) {
    const settings = JSON.parse(text).settings as SweepSettings;
    return parseSweepRunFile(new TextEncoder().encode(text), `job ${job.name}`, {
      name: runName(job.point),
      point: job.point,
      settings,
    });
  },
};
