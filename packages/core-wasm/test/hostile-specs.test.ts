// Specs built from hostile files: names that are Object.prototype keys, values nested far too
// deep to print, and sizes far beyond the engine's memory. Each must be one clear PacgenError.

import { describe, expect, it } from 'vitest';
import {
  ENGINE_BLOCK_LIMIT,
  ENGINE_MEMORY_LIMIT,
  Network,
  PacgenError,
  compileNetwork,
  describeValue,
  engineMemoryBytes,
  fittingMaxBatch,
  largestBlockBytes,
  formatBytes,
  type NetworkSpec,
} from '../src/index.js';

/** The PacgenError message `fn` throws (fails the test on anything else). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PacgenError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected a PacgenError');
}

const dense = (extra: object = {}) =>
  ({
    inputShape: [3],
    layers: [{ type: 'dense', units: 2 }],
    loss: 'mse',
    ...extra,
  }) as NetworkSpec;

/** An array nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const PROTO_KEYS = ['toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty'];

describe('Object.prototype keys as names', () => {
  it('as a loss or an activation: refused by name, never reaching the engine', async () => {
    for (const k of PROTO_KEYS) {
      expect(messageOf(() => compileNetwork(dense({ loss: k })))).toBe(
        `unknown loss '${k}' (use softmax-cross-entropy, sigmoid-bce, mse)`,
      );
      const act = dense({ layers: [{ type: 'dense', units: 2, activation: k }] });
      expect(messageOf(() => compileNetwork(act))).toMatch(
        new RegExp(`layer 'dense_0_act' \\(activation\\): unknown activation '${k}'`),
      );
      await expect(Network.create(dense({ loss: k }))).rejects.toBeInstanceOf(PacgenError);
    }
  });

  it('as layer names and tie targets: ordinary names (a tie to one is looked up as its own)', () => {
    const layers = PROTO_KEYS.map((name) => ({ type: 'dense' as const, units: 3, name }));
    const c = compileNetwork({ inputShape: [3], layers, loss: 'mse' });
    expect(c.tensors.map((t) => t.name).slice(0, 4)).toEqual([
      'toString/kernel',
      'toString/bias',
      '__proto__/kernel',
      '__proto__/bias',
    ]);
    const tied = compileNetwork({
      inputShape: [3],
      layers: [...layers, { type: 'dense', units: 3, tie: 'constructor' }],
      loss: 'mse',
    });
    expect(tied.numParams).toBe(c.numParams);
    const bad = { inputShape: [3], layers: [{ type: 'dense', units: 3, tie: 'valueOf' }] };
    expect(messageOf(() => compileNetwork({ ...bad, loss: 'mse' } as NetworkSpec))).toBe(
      "layer 'dense_0' (dense): tie target 'valueOf' is not an earlier layer",
    );
  });
});

describe('values nested too deep to print', () => {
  it('a 100,000-deep array as a size, a name or a type is described in a few characters', () => {
    const deep = nested(100_000);
    const units = dense({ layers: [{ type: 'dense', units: deep }] });
    expect(messageOf(() => compileNetwork(units))).toBe(
      `layer 'dense_0' (dense): units must be a positive integer, got ${describeValue(deep)}`,
    );
    expect(describeValue(deep)).toHaveLength(60);
    expect(messageOf(() => compileNetwork(dense({ inputShape: [deep] })))).toMatch(
      /^inputShape\[0\] must be a positive integer, got \[\[\[\[/,
    );
    expect(messageOf(() => compileNetwork(dense({ loss: deep })))).toMatch(/^unknown loss \[\[/);
    const named = dense({ layers: [{ type: 'dense', units: 2, name: deep }] });
    expect(messageOf(() => compileNetwork(named))).toMatch(/^layer 0: name must be a string/);
    expect(messageOf(() => compileNetwork(dense({ layers: [{ type: deep }] })))).toMatch(
      /^unsupported layer type \[\[/,
    );
  });

  it('describeValue: short, one line, exact for small values', () => {
    expect(describeValue('relu')).toBe("'relu'");
    expect(describeValue('a\nb')).toBe("'a\\nb'");
    expect(describeValue([1, [2, 3]])).toBe('[1, [2, 3]]');
    expect(describeValue({ units: 3, name: 'x' })).toBe("{units: 3, name: 'x'}");
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(new Float32Array(4))).toBe('Float32Array(16 bytes)');
    const long = describeValue('x'.repeat(1_000_000));
    expect(long).toHaveLength(60);
    expect(long.endsWith('…')).toBe(true);
    const wide = describeValue(Array.from({ length: 1_000_000 }, (_, i) => i));
    expect(wide).toMatch(/^\[0, 1, 2, .*…$/);
    expect(wide).toHaveLength(60);
    const keys = describeValue(
      Object.fromEntries(Array.from({ length: 1e5 }, (_, i) => [`k${i}`, i])),
    );
    expect(keys).toMatch(/^\{k0: 0, k1: 1, .*…$/);
  });
});

describe('sizes beyond the engine', () => {
  it('units 10¹⁵: refused at compile time with the figure and the limit', () => {
    const m = messageOf(() => compileNetwork(dense({ layers: [{ type: 'dense', units: 1e15 }] })));
    expect(m).toMatch(
      // 4e15 parameters × 8 vectors × 4 bytes, plus the dense layer's output and its gradient.
      /^network needs 135\.0 PiB of engine memory even at f32 and one sample a chunk \(4\.0e15 parameters, input 3 values, widest layer 'dense_0' 1\.0e15 values\); the limit is 4\.0 GiB$/,
    );
  });

  it('an input dimension of 2³¹ or 1e308, and a kernel that overflows to Infinity', () => {
    expect(messageOf(() => compileNetwork(dense({ inputShape: [2 ** 31] })))).toMatch(
      /^network needs 152\.0 GiB of engine memory .*\(4,294,967,298 parameters, input 2,147,483,648 values.*the limit is 4\.0 GiB$/,
    );
    expect(
      messageOf(() =>
        compileNetwork(
          dense({
            inputShape: [1e308, 1e308, 1],
            layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }],
          }),
        ),
      ),
    ).toMatch(/needs more than 1e308 B of engine memory/);
  });

  it('the exact figure: what Network allocates fits the estimate, f64 and big chunks cost more', async () => {
    const spec = dense({ layers: [{ type: 'dense', units: 1000 }] });
    const c = compileNetwork(spec);
    const net = await Network.create(spec, { precision: 'f64', maxBatch: 64 });
    const estimate = engineMemoryBytes(c, 'f64', 64);
    expect(net.engine.memory.buffer.byteLength).toBeGreaterThanOrEqual(estimate - 2 ** 20);
    expect(net.engine.memory.buffer.byteLength).toBeLessThanOrEqual(2 * estimate);
    expect(engineMemoryBytes(c, 'f64', 64)).toBeGreaterThan(engineMemoryBytes(c, 'f32', 64));
    // 8M parameters fit at f32 and one sample a chunk, not at f64 with chunks of 4096 samples
    // of a 200,000-wide input (the chunk's inputs alone take 6.1 GiB).
    const wide = dense({ inputShape: [200_000], layers: [{ type: 'dense', units: 40 }] });
    expect(() => compileNetwork(wide)).not.toThrow();
    await expect(Network.create(wide, { precision: 'f64', maxBatch: 4096 })).rejects.toThrow(
      /^network needs \d+\.\d GiB of engine memory at f64 with chunks of 4096 samples/,
    );
    expect(formatBytes(ENGINE_MEMORY_LIMIT)).toBe('4.0 GiB');
  });

  it('one block over 1 GiB: a smaller default chunk, or a clear error when maxBatch is given', async () => {
    // 600,000 outputs and their gradients: 4.8 MB a sample at f32, so 256 samples would need
    // one activation block of 1.1 GiB, over what the engine's allocator gives one block.
    const spec = dense({ inputShape: [1], layers: [{ type: 'dense', units: 600_000 }] });
    const c = compileNetwork(spec);
    expect(engineMemoryBytes(c, 'f32', 256)).toBeLessThan(ENGINE_MEMORY_LIMIT);
    expect(largestBlockBytes(c, 'f32', 256)).toBeGreaterThan(ENGINE_BLOCK_LIMIT);
    const fit = fittingMaxBatch(c, 'f32');
    expect(fit).toBe(128);
    expect(largestBlockBytes(c, 'f32', fit)).toBeLessThanOrEqual(ENGINE_BLOCK_LIMIT);
    await expect(Network.create(spec, { precision: 'f32', maxBatch: 256 })).rejects.toThrow(
      /^network needs a block of 1\.\d GiB .* one block may hold at most 1 GiB: use a smaller maxBatch$/,
    );
  });

  it('a data set beyond the engine: refused before anything is copied', async () => {
    const spec = dense({ inputShape: [1000], layers: [{ type: 'dense', units: 2 }] });
    const net = await Network.create(spec, { precision: 'f64' });
    const n = 2 ** 22;
    // The inputs are never read: the size alone decides.
    const x = { length: 1000 * n } as ArrayLike<number>;
    expect(() => net.setData(x, new Float64Array(2 * n))).toThrow(
      /^4,194,304 samples need 31\.3 GiB of engine memory at f64 besides the network's \d+\.\d MiB; the limit is 4\.0 GiB: use fewer samples$/,
    );
  });
});
