// Backends that cannot start fail with a TfjsBackendError that names what is missing. (A file
// of its own: it needs a process where webgpu has not started yet.)

import { describe, expect, it } from 'vitest';
import { TfjsBackendError, useBackend, type TfjsBackendName } from '../src/tfjs/index.js';

describe('unavailable tfjs backends', () => {
  it('webgl in Node: needs a browser', async () => {
    await expect(useBackend('webgl')).rejects.toThrow(TfjsBackendError);
    await expect(useBackend('webgl')).rejects.toThrow(
      /'webgl' is unavailable in Node: it needs a browser's WebGL context/,
    );
  });

  it('an unknown name lists the known ones', async () => {
    await expect(useBackend('tpu' as TfjsBackendName)).rejects.toThrow(
      /unknown tfjs backend 'tpu' \(known: cpu, wasm, webgpu, webgl\)/,
    );
  });

  it('webgpu without an adapter says which adapters Dawn tried and what they need', async () => {
    const e = await useBackend('webgpu', { webgpuFlags: ['backend=none-such'] }).catch((x) => x);
    expect(e).toBeInstanceOf(TfjsBackendError);
    // Without the npm package the message names it instead (an optional dependency).
    expect(e.message).toMatch(
      /Dawn found no WebGPU adapter \(core adapter with backend=none-such: .*libvulkan|npm package 'webgpu'/,
    );
  });

  it('cpu and wasm start here and say what they are', async () => {
    expect((await useBackend('cpu')).summary).toBe('tfjs cpu');
    expect((await useBackend('wasm')).summary).toMatch(/^tfjs wasm, \d+ thread\(s\)$/);
  });
});
