// SIMD helpers generic over the build's scalar type `Real` (f32 or f64, set by `--use Real=...`).
// `sizeof<Real>()` is a compile-time constant, so every branch below folds away.

/** Scalars per 128-bit vector: 4 in the f32 build, 2 in the f64 build. */
export const LANES: i32 = 16 / sizeof<Real>();
/** log2 of the scalar size in bytes, for pointer arithmetic. */
export const SHIFT: usize = sizeof<Real>() == 4 ? 2 : 3;

@inline export function vzero(): v128 {
  return i32x4.splat(0);
}

@inline export function vsplat(x: Real): v128 {
  if (sizeof<Real>() == 4) return f32x4.splat(<f32>x);
  return f64x2.splat(<f64>x);
}

@inline export function vadd(a: v128, b: v128): v128 {
  if (sizeof<Real>() == 4) return f32x4.add(a, b);
  return f64x2.add(a, b);
}

@inline export function vsub(a: v128, b: v128): v128 {
  if (sizeof<Real>() == 4) return f32x4.sub(a, b);
  return f64x2.sub(a, b);
}

@inline export function vmul(a: v128, b: v128): v128 {
  if (sizeof<Real>() == 4) return f32x4.mul(a, b);
  return f64x2.mul(a, b);
}

/**
 * acc + a*b. The relaxed-SIMD build (`--enable relaxed-simd`, the *-fma.wasm files) uses
 * relaxed_madd, one fused multiply-add where the CPU has one (one rounding, else two); the plain
 * SIMD build multiplies then adds (two roundings), the portable fallback.
 */
@inline export function vfma(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (sizeof<Real>() == 4) return f32x4.relaxed_madd(a, b, acc);
    return f64x2.relaxed_madd(a, b, acc);
  }
  return vadd(acc, vmul(a, b));
}

@inline export function vmax(a: v128, b: v128): v128 {
  if (sizeof<Real>() == 4) return f32x4.max(a, b);
  return f64x2.max(a, b);
}

/** Horizontal sum of the lanes. */
@inline export function vsum(a: v128): Real {
  if (sizeof<Real>() == 4) {
    return <Real>(
      f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)
    );
  }
  return <Real>(f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1));
}

/** Address of element `i` of a Real array at `base`. */
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << SHIFT);
}

@inline export function get(base: usize, i: i32): Real {
  return load<Real>(base + (<usize>i << SHIFT));
}

@inline export function set(base: usize, i: i32, x: Real): void {
  store<Real>(base + (<usize>i << SHIFT), x);
}

/** dst[i] += src[i] for i < n, by vectors (the arrays must not overlap unless equal). */
@inline export function addReals(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + LANES <= n; i += LANES) {
    v128.store(at(dst, i), vadd(v128.load(at(dst, i)), v128.load(at(src, i))));
  }
  for (; i < n; i++) set(dst, i, get(dst, i) + get(src, i));
}
