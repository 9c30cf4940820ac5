// The compiled network: a list of fixed-size node records in topological order, written by the
// TypeScript side (src/compile/: layers.ts fills the fields per layer kind, liveness.ts plans
// the activation and gradient buffers), which checks shapes and plans every buffer. Each node
// reads its inputs through edges (a pointer to 4 i32 per input). Keep the two in step.

export const REC_BYTES: usize = 128;

// Integer fields (i32 index into a record).
export const F_OP = 0;
export const F_IN = 1; // input size per sample (of the first input)
export const F_OUT = 2; // output size per sample
export const F_W = 3; // weight offset (scalars) into the expanded weight vector, -1 if none
export const F_B = 4; // bias offset, -1 if none
export const F_ACT = 5; // byte pointer of this node's output buffer (maxBatch × out)
export const F_AUX = 6; // byte pointer of a scratch buffer (argmax, dropout mask, norm statistics)
export const F_KINKS = 7; // byte pointer of the kink-state buffer (assembly/kinks.ts), 0 if smooth
// Op-specific integer fields start here.
export const F_P0 = 8;
// One f64 hyper-parameter (leaky-relu slope, dropout rate, norm epsilon) at this byte offset,
// and a second one (batch-norm momentum) after it.
export const HYPER_BYTE: usize = 96;
export const HYPER2_BYTE: usize = 104;
export const F_NIN = 28; // number of inputs
export const F_EDGES = 29; // byte pointer of the edges: E_STRIDE i32 per input
export const F_DELTA = 30; // byte pointer of dLoss/dOutput (maxBatch × out), 0 when not needed
export const F_STATE = 31; // offset (reals) of the node's buffers in the state vector, −1 if none

// Edge fields.
export const E_STRIDE = 4;
export const E_ACT = 0; // byte pointer of the input's values, 0 for the network's input
export const E_DELTA = 1; // byte pointer of the input's gradient, 0 when none is needed
export const E_ACC = 2; // 1: add into E_DELTA (an earlier-processed consumer wrote it); 0: overwrite
export const E_CH = 3; // channels of this input (concat)

export const OP_DENSE = 1;
export const OP_CONV2D = 2;
export const OP_MAXPOOL = 3;
export const OP_AVGPOOL = 4;
export const OP_FLATTEN = 5;
export const OP_DROPOUT = 6;
export const OP_ACTIVATION = 7;
export const OP_ADD = 8;
export const OP_CONCAT = 9;
export const OP_BATCHNORM = 10;
export const OP_LAYERNORM = 11;
export const OP_GLOBAL_AVGPOOL = 12;

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

@inline export function hyper2(rec: usize): f64 {
  return load<f64>(rec + HYPER2_BYTE);
}

/** Field f of input k's edge. */
@inline export function edge(rec: usize, k: i32, f: i32): i32 {
  return load<i32>(<usize>field(rec, F_EDGES) + (<usize>(k * E_STRIDE + f) << 2));
}

/** The values of input k: its producer's buffer, or the chunk's inputs x. */
@inline export function inputOf(rec: usize, k: i32, x: usize): usize {
  const p = edge(rec, k, E_ACT);
  return p ? <usize>p : x;
}
