// The compiled network: a list of fixed-size layer records written by the TypeScript side
// (src/compile/: layers.ts fills the fields per layer kind), which checks shapes and plans
// every buffer. Keep the two in step.

export const REC_BYTES: usize = 128;

// Integer fields (i32 index into a record).
export const F_OP = 0;
export const F_IN = 1; // input size per sample
export const F_OUT = 2; // output size per sample
export const F_W = 3; // weight offset (scalars) into the expanded weight vector, -1 if none
export const F_B = 4; // bias offset, -1 if none
export const F_ACT = 5; // byte pointer of this layer's output buffer (maxBatch × out)
export const F_AUX = 6; // byte pointer of a scratch buffer (im2col, argmax, dropout mask)
export const F_KINKS = 7; // byte pointer of the kink-state buffer (assembly/kinks.ts), 0 if smooth
// Op-specific integer fields start here.
export const F_P0 = 8;
// One f64 hyper-parameter (leaky-relu slope, dropout rate) at this byte offset.
export const HYPER_BYTE: usize = 96;

export const OP_DENSE = 1;
export const OP_CONV2D = 2;
export const OP_MAXPOOL = 3;
export const OP_AVGPOOL = 4;
export const OP_FLATTEN = 5;
export const OP_DROPOUT = 6;
export const OP_ACTIVATION = 7;

export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY_RELU = 2;
export const ACT_SIGMOID = 3;
export const ACT_TANH = 4;
export const ACT_SOFTPLUS = 5;
export const ACT_GELU = 6;

export const LOSS_SOFTMAX_CE = 1;
export const LOSS_SIGMOID_BCE = 2;
export const LOSS_MSE = 3;

@inline export function field(rec: usize, f: i32): i32 {
  return load<i32>(rec + (<usize>f << 2));
}

@inline export function hyper(rec: usize): f64 {
  return load<f64>(rec + HYPER_BYTE);
}
