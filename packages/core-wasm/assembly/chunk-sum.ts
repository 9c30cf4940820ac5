// The ordered sum of a ParallelNetwork pass's chunk results (src/parallel/chunks.ts), by vectors:
// acc += n_k · r_k in f64, chunk after chunk, then acc / n rounded to the result's type. The
// operations are IEEE multiplies, adds and divides without fusion, so the bits are those of the
// same loop in JavaScript; the source and result types are explicit (a chunk's diagonal is f64
// in either build).

/** acc[i] += f64(src[i]) · weight for i < n, src holding f32 values. */
export function foldChunkF32(acc: usize, src: usize, weight: f64, n: i32): void {
  const w = f64x2.splat(weight);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const s = v128.load(src + (<usize>i << 2));
    const a = acc + (<usize>i << 3);
    const lo = f64x2.promote_low_f32x4(s);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<u8>(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    v128.store(a, f64x2.add(v128.load(a), f64x2.mul(lo, w)));
    v128.store(a, f64x2.add(v128.load(a, 16), f64x2.mul(hi, w)), 16);
  }
  for (; i < n; i++) {
    const a = acc + (<usize>i << 3);
    store<f64>(a, load<f64>(a) + <f64>load<f32>(src + (<usize>i << 2)) * weight);
  }
}

/** acc[i] += src[i] · weight for i < n, src holding f64 values. */
export function foldChunkF64(acc: usize, src: usize, weight: f64, n: i32): void {
  const w = f64x2.splat(weight);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const a = acc + (<usize>i << 3);
    v128.store(a, f64x2.add(v128.load(a), f64x2.mul(v128.load(src + (<usize>i << 3)), w)));
  }
  for (; i < n; i++) {
    const a = acc + (<usize>i << 3);
    store<f64>(a, load<f64>(a) + load<f64>(src + (<usize>i << 3)) * weight);
  }
}

/** dst[i] = f32(acc[i] / total) (rounded to nearest) for i < n. */
export function foldResultF32(acc: usize, dst: usize, total: f64, n: i32): void {
  const t = f64x2.splat(total);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const q = f32x4.demote_f64x2_zero(f64x2.div(v128.load(acc + (<usize>i << 3)), t));
    v128.store64_lane(dst + (<usize>i << 2), q, 0);
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>(load<f64>(acc + (<usize>i << 3)) / total));
}

/** dst[i] = acc[i] / total for i < n (dst may be acc). */
export function foldResultF64(acc: usize, dst: usize, total: f64, n: i32): void {
  const t = f64x2.splat(total);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    v128.store(dst + (<usize>i << 3), f64x2.div(v128.load(acc + (<usize>i << 3)), t));
  }
  for (; i < n; i++) store<f64>(dst + (<usize>i << 3), load<f64>(acc + (<usize>i << 3)) / total);
}
