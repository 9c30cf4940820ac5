// The command list, in the order `pacgen --help` shows it.

import type { PacgenCommand } from '../command.js';
import bench from './bench.js';
import certify from './certify.js';
import compare from './compare.js';
import demo from './demo.js';
import exportModel from './export.js';
import landscape from './landscape.js';
import score from './score.js';
import spectrum from './spectrum.js';
import sweep from './sweep.js';
import toy from './toy.js';
import train from './train.js';
import worker from './worker.js';
import queueCommand from './queue.js';

/** Every command of the binary. */
export const COMMANDS: PacgenCommand[] = [
  demo,
  train,
  score,
  certify,
  spectrum,
  landscape,
  exportModel,
  toy,
  sweep,
  compare,
  worker,
  queueCommand,
  bench,
];
