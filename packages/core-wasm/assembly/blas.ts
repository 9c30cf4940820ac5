// Dense linear algebra kernels over row-major Real arrays; the matrix multiply is in gemm.ts.

import { LANES, at, get, set, vadd, vmul, vsplat } from './vector';

export { gemm } from './gemm';

/** dst (cols×rows) = transpose of src (rows×cols), both row-major. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) set(dst, j * rows + i, get(src, i * cols + j));
  }
}

/** out[i] = a*x[i] + b*y[i] for i < n (out may alias x or y). */
export function lincomb(out: usize, a: Real, x: usize, b: Real, y: usize, n: i32): void {
  const va = vsplat(a), vb = vsplat(b);
  let i = 0;
  for (; i + LANES <= n; i += LANES) {
    v128.store(at(out, i), vadd(vmul(va, v128.load(at(x, i))), vmul(vb, v128.load(at(y, i)))));
  }
  for (; i < n; i++) set(out, i, a * get(x, i) + b * get(y, i));
}

/** Fill n scalars with a value. */
export function fill(out: usize, value: Real, n: i32): void {
  for (let i = 0; i < n; i++) set(out, i, value);
}

/** Adds a bias row vector (length cols) to each of `rows` rows. */
export function addBias(out: usize, bias: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = at(out, r * cols);
    let j = 0;
    for (; j + LANES <= cols; j += LANES) {
      v128.store(at(row, j), vadd(v128.load(at(row, j)), v128.load(at(bias, j))));
    }
    for (; j < cols; j++) set(row, j, get(row, j) + get(bias, j));
  }
}

/** biasGrad[j] += Σ_r d[r, j]. */
export function sumRows(d: usize, rows: i32, cols: i32, biasGrad: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = at(d, r * cols);
    let j = 0;
    for (; j + LANES <= cols; j += LANES) {
      v128.store(at(biasGrad, j), vadd(v128.load(at(biasGrad, j)), v128.load(at(row, j))));
    }
    for (; j < cols; j++) set(biasGrad, j, get(biasGrad, j) + get(row, j));
  }
}
