// Graph presets: residual networks with batch normalization (ResNet-20 for CIFAR, a small
// ResNet for MNIST, a Wide-ResNet) and a VGG-style stack with batch norm, as NetworkSpecs whose
// layers name their inputs. Registered by name in presets.ts.

import { PacgenError, type LayerSpec, type NetworkSpec } from '@pacgen/core-wasm';

export interface ResNetOptions {
  /** Per-sample input shape (default [32, 32, 3]). */
  inputShape?: number[];
  /** Basic blocks per stage (default 3: ResNet-20 = 6·3 + 2 layers). */
  blocks?: number;
  /** Channels of the three stages (default [16, 32, 64]). */
  widths?: [number, number, number];
  numClasses?: number;
}

/** A positive integer option, or a PacgenError naming it. */
function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new PacgenError(`${what} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** conv (no bias: batch norm follows) → batch norm [→ relu]; returns the output's name. */
function convBn(
  layers: LayerSpec[],
  name: string,
  input: string,
  filters: number,
  kernelSize: number,
  strides: number,
  relu: boolean,
): string {
  const padding = kernelSize === 1 ? 'valid' : 'same';
  layers.push({
    type: 'conv2d',
    name: `${name}_conv`,
    inputs: [input],
    filters,
    kernelSize,
    strides,
    padding,
    useBias: false,
  });
  layers.push({ type: 'batchnorm', name: `${name}_bn` });
  if (!relu) return `${name}_bn`;
  layers.push({ type: 'activation', activation: 'relu', name: `${name}_relu` });
  return `${name}_relu`;
}

/**
 * The CIFAR ResNet of He et al. (2016, §4.2): conv 3×3 (16) → BN → ReLU, three stages of
 * `blocks` basic blocks (conv-BN-ReLU-conv-BN, plus the shortcut, then ReLU) with 16/32/64
 * channels, the first block of stages 2 and 3 striding by 2, then global average pooling and a
 * dense classifier. Where the shape changes the shortcut is a 1×1 strided convolution with
 * batch norm (option B; option A's zero-padded identity has no parameters but needs a padding
 * op). With the defaults (ResNet-20, 10 classes): 272,474 parameters, 2,752 of them in the
 * two projections (option A would have 269,722), and 1,568 buffer values.
 */
export function resnet(opts: ResNetOptions = {}): NetworkSpec {
  const blocks = count(opts.blocks ?? 3, 'resnet blocks');
  const widths = opts.widths ?? [16, 32, 64];
  const layers: LayerSpec[] = [];
  let x = convBn(layers, 'stem', 'input', count(widths[0], 'resnet width'), 3, 1, true);
  let channels = widths[0];
  widths.forEach((w, s) => {
    count(w, 'resnet width');
    for (let b = 0; b < blocks; b++) {
      const name = `s${s + 1}b${b + 1}`;
      const strides = s > 0 && b === 0 ? 2 : 1;
      const h = convBn(layers, `${name}_1`, x, w, 3, strides, true);
      const y = convBn(layers, `${name}_2`, h, w, 3, 1, false);
      const shortcut =
        strides !== 1 || channels !== w
          ? convBn(layers, `${name}_proj`, x, w, 1, strides, false)
          : x;
      layers.push({ type: 'add', name: `${name}_add`, inputs: [y, shortcut] });
      layers.push({ type: 'activation', activation: 'relu', name: `${name}_out` });
      x = `${name}_out`;
      channels = w;
    }
  });
  layers.push({ type: 'global-avgpool', name: 'pool', inputs: [x] });
  layers.push({ type: 'dense', units: count(opts.numClasses ?? 10, 'numClasses'), name: 'fc' });
  return { inputShape: opts.inputShape ?? [32, 32, 3], layers, loss: 'softmax-cross-entropy' };
}

/** ResNet-20 for 32×32×3 images (see {@link resnet}). */
export const resnet20 = (opts: Omit<ResNetOptions, 'blocks' | 'inputShape'> = {}) =>
  resnet({ ...opts, blocks: 3 });

/**
 * A small ResNet for MNIST's 28×28×1 images: one basic block per stage (16/32/64 channels,
 * 28 → 14 → 7 pixels), 77,754 parameters and 672 buffer values with 10 classes.
 */
export const resnetMnist = (opts: Omit<ResNetOptions, 'inputShape'> = {}) =>
  resnet({ blocks: 1, ...opts, inputShape: [28, 28, 1] });

export interface WideResNetOptions {
  /** Total depth, 6·n + 4 (default 16: n = 2 blocks per stage). */
  depth?: number;
  /** Width multiplier k (default 4): stages of 16k, 32k, 64k channels. */
  width?: number;
  numClasses?: number;
}

/** BN → ReLU, the pre-activation of a wide block; returns the output's name. */
function bnRelu(layers: LayerSpec[], name: string, input: string): string {
  layers.push({ type: 'batchnorm', name: `${name}_bn`, inputs: [input] });
  layers.push({ type: 'activation', activation: 'relu', name: `${name}_relu` });
  return `${name}_relu`;
}

/**
 * Wide-ResNet-d-k of Zagoruyko & Komodakis (2016) for 32×32×3: conv 3×3 (16), three stages of
 * n = (d − 4)/6 pre-activation blocks (BN-ReLU-conv 3×3-BN-ReLU-conv 3×3, plus the shortcut: a
 * 1×1 convolution of the pre-activated input where the shape changes, else the identity),
 * then BN → ReLU → global average pooling → dense; no dropout. WRN-16-4: 2,748,890 parameters.
 */
export function wideResnet(opts: WideResNetOptions = {}): NetworkSpec {
  const depth = count(opts.depth ?? 16, 'wide-resnet depth');
  const k = count(opts.width ?? 4, 'wide-resnet width');
  if ((depth - 4) % 6 !== 0) {
    throw new PacgenError(`wide-resnet depth must be 6·n + 4 (10, 16, 22, 28, …), got ${depth}`);
  }
  const n = (depth - 4) / 6;
  const layers: LayerSpec[] = [
    { type: 'conv2d', name: 'stem', filters: 16, kernelSize: 3, padding: 'same', useBias: false },
  ];
  let x = 'stem';
  let channels = 16;
  [16 * k, 32 * k, 64 * k].forEach((w, s) => {
    for (let b = 0; b < n; b++) {
      const name = `s${s + 1}b${b + 1}`;
      const strides = s > 0 && b === 0 ? 2 : 1;
      const pre = bnRelu(layers, `${name}_pre`, x);
      const conv = (id: string, input: string, filters: number, size: number, st: number) =>
        layers.push({
          type: 'conv2d',
          name: id,
          inputs: [input],
          filters,
          kernelSize: size,
          strides: st,
          padding: size === 1 ? 'valid' : 'same',
          useBias: false,
        });
      conv(`${name}_conv1`, pre, w, 3, strides);
      const mid = bnRelu(layers, `${name}_mid`, `${name}_conv1`);
      conv(`${name}_conv2`, mid, w, 3, 1);
      let shortcut = x;
      if (strides !== 1 || channels !== w) {
        conv(`${name}_proj`, pre, w, 1, strides);
        shortcut = `${name}_proj`;
      }
      layers.push({ type: 'add', name: `${name}_add`, inputs: [`${name}_conv2`, shortcut] });
      x = `${name}_add`;
      channels = w;
    }
  });
  const top = bnRelu(layers, 'final', x);
  layers.push({ type: 'global-avgpool', name: 'pool', inputs: [top] });
  layers.push({ type: 'dense', units: count(opts.numClasses ?? 10, 'numClasses'), name: 'fc' });
  return { inputShape: [32, 32, 3], layers, loss: 'softmax-cross-entropy' };
}

export interface VggBnOptions {
  /** Channels of the four stages of two 3×3 convolutions each (default [32, 64, 128, 128]). */
  widths?: [number, number, number, number];
  numClasses?: number;
}

/**
 * A small VGG with batch norm for 32×32×3: four stages of (conv 3×3 → BN → ReLU) × 2, a 2×2
 * max-pool after each of the first three (32 → 16 → 8 → 4 pixels), then global average
 * pooling and a dense classifier. 584,170 parameters with the defaults.
 */
export function vggBn(opts: VggBnOptions = {}): NetworkSpec {
  const widths = opts.widths ?? [32, 64, 128, 128];
  const layers: LayerSpec[] = [];
  let x = 'input';
  widths.forEach((w, s) => {
    count(w, 'vgg-bn width');
    x = convBn(layers, `s${s + 1}c1`, x, w, 3, 1, true);
    x = convBn(layers, `s${s + 1}c2`, x, w, 3, 1, true);
    if (s < 3) {
      layers.push({ type: 'maxpool2d', name: `s${s + 1}_pool`, inputs: [x], poolSize: 2 });
      x = `s${s + 1}_pool`;
    }
  });
  layers.push({ type: 'global-avgpool', name: 'pool', inputs: [x] });
  layers.push({ type: 'dense', units: count(opts.numClasses ?? 10, 'numClasses'), name: 'fc' });
  return { inputShape: [32, 32, 3], layers, loss: 'softmax-cross-entropy' };
}
