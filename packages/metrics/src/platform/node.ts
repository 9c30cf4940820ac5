// The file-system stores that convenience options (`checkpointDir`, a sweep's `outDir`) open,
// in Node. The package's "imports" map sends `#stores` here under the `node` condition and to
// browser.ts elsewhere, so a browser bundle of the library never contains a `node:` import.

export { fileCheckpointStore } from '../train/checkpoint-fs.js';
export { fileSweepStore } from '../experiments/sweep-store-fs.js';
