/**
 * A labelled data set held in typed arrays end to end (NHWC images, flattened per sample).
 * For classification `y` holds class labels; for regression or BCE targets it holds
 * `targetSize` reals per sample.
 */
export interface Dataset {
  name: string;
  /** n × prod(inputShape) inputs, sample-major. */
  x: Float32Array;
  /** n labels (Int32Array) or n × targetSize targets (Float32Array). */
  y: Int32Array | Float32Array;
  n: number;
  /** Per-sample input shape: [features] or [height, width, channels]. */
  inputShape: number[];
  /** Number of classes (labels are in [0, numClasses)), or 0 for real-valued targets. */
  numClasses: number;
}

/** A train/test pair. */
export interface DataSplit {
  train: Dataset;
  test: Dataset;
}
