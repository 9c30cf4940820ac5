// Seeded standard normal noise in bulk, for the weight draws w + σ⊙ε of the stochastic network.
// [choice] Its own generator rather than core-wasm's Random.normal: a draw needs m normals
// (477,010 for the 784-600-10 MLP), as many per draw as the draw's forward pass has
// multiply-adds per sample, and Random.normal, which goes through pure-rand's distribution
// objects, takes about three times as long as this one (xoshiro128** and Marsaglia's polar
// method in local integer state; measured side by side on 471,010 normals).

import { mixSeed } from '../optim/seeds.js';

const TWO_POW_M32 = 1 / 4294967296;

/** A stream of standard normals; the same seed always gives the same numbers. */
export class NormalStream {
  private readonly state = new Int32Array(4);

  /** Seeds the stream from integers (mixed, so nearby seeds give unrelated streams). */
  constructor(...seed: number[]) {
    const s = this.state;
    for (let k = 0; k < 4; k++) s[k] = mixSeed(...seed, k);
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // xoshiro's one forbidden state
  }

  /** Fills `out` with independent N(0, 1) numbers. Cost: O(length), no gradient evaluations. */
  fill(out: Float64Array): Float64Array {
    const st = this.state;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    const n = out.length;
    let i = 0;
    while (i < n) {
      // xoshiro128**, twice: two uniforms u, v in (−1, 1).
      let u = 0;
      let v = 0;
      for (let k = 0; k < 2; k++) {
        const r = Math.imul(b, 5);
        const out32 = Math.imul((r << 7) | (r >>> 25), 9);
        const t = b << 9;
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= t;
        d = (d << 11) | (d >>> 21);
        u = v;
        v = ((out32 >>> 0) + 0.5) * TWO_POW_M32 * 2 - 1;
      }
      // Polar method: a point inside the unit disc gives two independent normals.
      const s = u * u + v * v;
      if (s >= 1) continue;
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      out[i++] = u * f;
      if (i < n) out[i++] = v * f;
    }
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
    return out;
  }
}

/**
 * One weight draw w̃ = w + σ⊙ε of Q = N(w, diag σ²), into `out`, with ε from `stream` (also
 * written to `noise` when given, for the reparametrised gradient). Cost: O(m).
 */
export function drawWeights(
  out: Float64Array,
  w: ArrayLike<number>,
  sigma: ArrayLike<number>,
  stream: NormalStream,
  noise: Float64Array = new Float64Array(out.length),
): Float64Array {
  stream.fill(noise);
  for (let i = 0; i < out.length; i++) out[i] = w[i] + sigma[i] * noise[i];
  return out;
}
