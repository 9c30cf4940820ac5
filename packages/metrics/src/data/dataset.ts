import type { SampleSelection } from './subset.js';
import type { ChannelStats } from './transform.js';

/**
 * A labelled data set held in typed arrays end to end (NHWC images, flattened per sample).
 * For classification `y` holds class labels; for regression or BCE targets it holds
 * `targetSize` reals per sample.
 */
export interface Dataset {
  name: string;
  /**
   * n × prod(inputShape) inputs, sample-major: Float64Array when read for an f64 engine (the
   * normalised values exact in double, docs/method.md §8), else Float32Array.
   */
  x: Float32Array | Float64Array;
  /** n labels (Int32Array) or n × targetSize targets (Float32Array). */
  y: Int32Array | Float32Array;
  n: number;
  /** Per-sample input shape: [features] or [height, width, channels]. */
  inputShape: number[];
  /** Number of classes (labels are in [0, numClasses)), or 0 for real-valued targets. */
  numClasses: number;
  /**
   * The per-channel mean/std the stored values (pixels/255) were standardised with: mean 0 and
   * std 1 for 'none'. Absent for sets not read from files (synthetic).
   */
  normalization?: ChannelStats;
  /** Which samples of the split these are (absent: all of a generated set). */
  selection?: SampleSelection;
}

/** A train/test pair. */
export interface DataSplit {
  train: Dataset;
  test: Dataset;
}
