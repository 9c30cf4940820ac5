// Compilers of the graph's junctions (add, concat), normalizations (batchnorm, layernorm),
// global average pooling and the shape-only layers (identity, reshape). See layers.ts for the
// table they belong to.

import { describeValue } from '../describe.js';
import { PacgenError } from '../errors.js';
import type {
  AddSpec,
  BatchNormSpec,
  ConcatSpec,
  GlobalAvgPoolSpec,
  IdentitySpec,
  LayerNormSpec,
  ReshapeSpec,
} from '../spec.js';
import { OP, type CompiledLayer } from './compiled.js';
import type { LayerContext } from './layers.js';
import { prod } from './values.js';

const shapeText = (s: number[]) => `[${s.join(', ')}]`;

export function add(_l: AddSpec, { where, inShape, inShapes, base }: LayerContext): CompiledLayer {
  inShapes.forEach((s, k) => {
    if (s.join() !== inShape.join()) {
      throw new PacgenError(
        `${where}: input ${k} has shape ${shapeText(s)} but input 0 has ${shapeText(inShape)} (add needs equal shapes)`,
      );
    }
  });
  return { ...base, op: OP.add, outShape: inShape, outSize: prod(inShape), ints: [] };
}

export function concat(
  _l: ConcatSpec,
  { where, inShape, inShapes, base }: LayerContext,
): CompiledLayer {
  const lead = inShape.slice(0, -1);
  let total = 0;
  inShapes.forEach((s, k) => {
    if (s.length !== inShape.length || s.slice(0, -1).join() !== lead.join()) {
      throw new PacgenError(
        `${where}: input ${k} has shape ${shapeText(s)} but input 0 has ${shapeText(inShape)} (concat joins the last axis; the others must agree)`,
      );
    }
    total += s[s.length - 1];
  });
  const outShape = [...lead, total];
  return { ...base, op: OP.concat, outShape, outSize: prod(outShape), ints: [prod(lead), total] };
}

/** A positive finite number option, or its default. */
function positive(v: unknown, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new PacgenError(`${what} must be a positive number, got ${describeValue(v)}`);
  }
  return v;
}

export function batchnorm(
  l: BatchNormSpec,
  { where, inShape, base, layout }: LayerContext,
): CompiledLayer {
  const C = inShape[inShape.length - 1];
  const epsilon = positive(l.epsilon, 1e-5, `${where}: epsilon`);
  const momentum = l.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new PacgenError(`${where}: momentum must be in [0, 1], got ${describeValue(momentum)}`);
  }
  const gamma = l.scale === false ? -1 : layout.placeVector(`${base.name}/gamma`, C);
  const beta = l.center === false ? -1 : layout.placeVector(`${base.name}/beta`, C);
  // Mean then variance, adjacent: the engine reads the variance C values after the mean.
  const state = layout.placeBuffer(`${base.name}/moving_mean`, C);
  layout.placeBuffer(`${base.name}/moving_variance`, C);
  return {
    ...base,
    op: OP.batchnorm,
    outShape: inShape,
    outSize: prod(inShape),
    weightOffset: gamma,
    biasOffset: beta,
    ints: [prod(inShape) / C, C],
    hyper: epsilon,
    hyper2: momentum,
    // Per channel: the mean and 1/σ in use, three coefficients, two partial sums and two f64
    // sums (11 reals hold them in either build; see assembly/norm.ts).
    aux: { kind: 'real', perSample: 0, fixed: 11 * C },
    backwardReads: { input: true, output: false },
    stateOffset: state,
  };
}

export function layernorm(
  l: LayerNormSpec,
  { where, inShape, base, layout }: LayerContext,
): CompiledLayer {
  const C = inShape[inShape.length - 1];
  const epsilon = positive(l.epsilon, 1e-5, `${where}: epsilon`);
  const rows = prod(inShape) / C;
  return {
    ...base,
    op: OP.layernorm,
    outShape: inShape,
    outSize: prod(inShape),
    weightOffset: layout.placeVector(`${base.name}/gamma`, C),
    biasOffset: layout.placeVector(`${base.name}/beta`, C),
    ints: [rows, C],
    hyper: epsilon,
    // Each row's mean and 1/σ.
    aux: { kind: 'real', perSample: 2 * rows },
    backwardReads: { input: true, output: false },
  };
}

export function globalAvgPool(
  _l: GlobalAvgPoolSpec,
  { where, inShape, base }: LayerContext,
): CompiledLayer {
  if (inShape.length !== 3) {
    throw new PacgenError(
      `${where} needs an image input [height, width, channels] but gets ${describeValue(inShape)}`,
    );
  }
  const [H, W, C] = inShape;
  return { ...base, op: OP['global-avgpool'], outShape: [C], outSize: C, ints: [H * W, C] };
}

/** Identity and reshape copy their input (the flatten kernel). */
export function identity(_l: IdentitySpec, { inShape, base }: LayerContext): CompiledLayer {
  return { ...base, op: OP.flatten, outShape: inShape, outSize: prod(inShape), ints: [] };
}

export function reshape(l: ReshapeSpec, { where, inShape, base }: LayerContext): CompiledLayer {
  const t = l.targetShape;
  if (!Array.isArray(t) || t.length === 0) {
    throw new PacgenError(`${where}: targetShape must be a non-empty list of sizes`);
  }
  const n = prod(inShape);
  const known = t.filter((d) => d !== -1);
  if (
    t.length - known.length > 1 ||
    known.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)
  ) {
    throw new PacgenError(
      `${where}: targetShape ${describeValue(t)} needs positive integers (and at most one −1)`,
    );
  }
  const rest = n / prod(known);
  const outShape = t.map((d) => (d === -1 ? rest : d));
  if (!Number.isInteger(rest) || prod(outShape) !== n) {
    throw new PacgenError(
      `${where}: cannot reshape ${shapeText(inShape)} (${n} values) to ${describeValue(t)}`,
    );
  }
  return { ...base, op: OP.flatten, outShape, outSize: n, ints: [] };
}
