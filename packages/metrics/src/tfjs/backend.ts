// TensorFlow.js backends, initialised on demand: cpu (plain JavaScript), wasm (XNNPACK),
// webgpu (a browser's navigator.gpu, or Dawn in Node through the npm package `webgpu`) and webgl
// (browsers only). Each is imported the first time it is asked for, and a backend that cannot
// start fails with a TfjsBackendError naming what is missing.

// The umbrella package, for its side effects too: its Node bundle registers the gradient
// functions of every op (the Node build of tfjs-core alone registers none) and the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { PacgenError } from '@pacgen/core-wasm';

/** The backends `useBackend` knows. */
export const TFJS_BACKENDS = ['cpu', 'wasm', 'webgpu', 'webgl'] as const;
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];

/** What runs the computation, for reports. */
export interface TfjsBackendInfo {
  backend: TfjsBackendName;
  /**
   * The WebGPU adapter: device and description as the driver reports them, and the feature
   * level ('core', or 'compatibility' for an OpenGL ES adapter); null for the other backends.
   */
  adapter: string | null;
  /**
   * Whether the WebGPU adapter is a software renderer (Mesa llvmpipe/lavapipe, SwiftShader, or
   * a fallback adapter): correct, but slower than wasm. False for the other backends.
   */
  software: boolean;
  /**
   * Most loop iterations one shader invocation may run, where the adapter has such a limit:
   * Mesa's llvmpipe stops every invocation after 65,535 iterations of all its loops together
   * (LP_MAX_TGSI_LOOP_ITERATIONS), silently. Null elsewhere.
   */
  loopLimit: number | null;
  /** Threads the backend computes with (wasm's pool; 1 for the others). */
  threads: number;
  /** One line for logs: backend, adapter and threads. */
  summary: string;
}

export interface UseBackendOptions {
  /**
   * Node only: toggles for Dawn's `create()` (e.g. `['backend=vulkan']`, `['adapter=NAME']`),
   * default from the environment variable PACGEN_WEBGPU_FLAGS (separated by ';'), else none.
   */
  webgpuFlags?: string[];
}

/** A tfjs backend that cannot run here; the message names what is missing. */
export class TfjsBackendError extends PacgenError {
  constructor(message: string) {
    super(message);
    this.name = 'TfjsBackendError';
  }
}

/** Names of software renderers among GPU adapters. */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software/i;

const isNode = typeof process !== 'undefined' && Boolean(process.versions?.node);
const ready = new Map<TfjsBackendName, TfjsBackendInfo>();

/** The tfjs module every part of @pacgen/metrics/tfjs uses (one engine per process). */
export { tf };

/**
 * Makes `name` the active tfjs backend, importing and initialising it the first time (later
 * calls only switch). Returns what runs the computation. Throws TfjsBackendError when the
 * backend cannot start here, naming what is missing (a package, a GPU adapter, a browser).
 * Cost: the first call per backend loads it (wasm: ~50 ms; webgpu: the Dawn instance, adapter
 * and device, ~0.1–1 s); a switch is free, but tensors made on another backend are moved on
 * first use.
 */
export async function useBackend(
  name: TfjsBackendName,
  options: UseBackendOptions = {},
): Promise<TfjsBackendInfo> {
  if (!(TFJS_BACKENDS as readonly string[]).includes(name)) {
    throw new TfjsBackendError(
      `unknown tfjs backend '${String(name)}' (known: ${TFJS_BACKENDS.join(', ')})`,
    );
  }
  const known = ready.get(name);
  if (known) {
    if (tf.getBackend() !== name) await tf.setBackend(name);
    return known;
  }
  let adapter: string | null = null;
  let fallback = false;
  switch (name) {
    case 'cpu':
      break; // registered by the umbrella package
    case 'wasm':
      await importBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
      break;
    case 'webgl':
      if (isNode) {
        throw new TfjsBackendError(
          "tfjs backend 'webgl' is unavailable in Node: it needs a browser's WebGL context (tfjs registers it only in a browser); use webgpu, wasm or cpu",
        );
      }
      break; // registered by the umbrella package in a browser
    case 'webgpu':
      ({ adapter, fallback } = await prepareWebgpu(options));
      break;
  }
  await activate(name);
  if (name === 'wasm') patchWasmKernels();
  if (name === 'webgpu' && adapter === null) adapter = browserAdapterName();
  const threads = name === 'wasm' ? wasmThreads() : 1;
  const info: TfjsBackendInfo = {
    backend: name,
    adapter,
    software: adapter !== null && (fallback || SOFTWARE.test(adapter)),
    loopLimit: adapter !== null && /llvmpipe/i.test(adapter) ? 65535 : null,
    threads,
    summary: `tfjs ${name}${adapter ? ` on ${adapter}` : ''}${name === 'wasm' ? `, ${threads} thread(s)` : ''}`,
  };
  ready.set(name, info);
  return info;
}

/** The info of the active backend if `useBackend` started it, else null. */
export function activeBackend(): TfjsBackendInfo | null {
  return ready.get(tf.getBackend() as TfjsBackendName) ?? null;
}

async function importBackend(name: string, load: () => Promise<unknown>): Promise<void> {
  try {
    await load();
  } catch (e) {
    throw new TfjsBackendError(
      `tfjs backend '${name}' is unavailable: the package @tensorflow/tfjs-backend-${name} did not load (${(e as Error).message}); install @tensorflow/tfjs-backend-${name}@4.22.0`,
    );
  }
}

/** tf.setBackend, with tfjs's warnings about a failed initialisation turned into the error. */
async function activate(name: TfjsBackendName): Promise<void> {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    warned.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
  };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    warned.push((e as Error).message);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const why = warned
      .map((w) => w.split('\n')[0])
      .filter((w) => !/^Initialization of backend/.test(w))
      .join('; ');
    throw new TfjsBackendError(
      `tfjs backend '${name}' failed to initialise${why ? `: ${why}` : ''}`,
    );
  }
  await tf.ready();
  // tfjs-cpu prints a banner recommending @tensorflow/tfjs-node on its first write in Node; that
  // package is not an option here (native build), and the banner would land in CLI output.
  const cpu = tf.backend() as unknown as { firstUse?: boolean };
  if (name === 'cpu' && cpu.firstUse) cpu.firstUse = false;
}

function wasmThreads(): number {
  const backend = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?(): number } } };
  return backend.wasm?.tfjs?.getThreadsCount?.() ?? 1;
}

type Gpu = {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
};
type GpuAdapter = {
  info: Record<string, unknown>;
  limits: Record<string, number>;
  features: Set<string>;
  requestDevice(descriptor?: Record<string, unknown>): Promise<unknown>;
};

/** The adapter's name from its GPUAdapterInfo: device, and the driver's description. */
function adapterName(info: Record<string, unknown>, level: string): string {
  const s = (k: string) => (typeof info[k] === 'string' ? (info[k] as string).trim() : '');
  const vendor = [s('vendor'), s('architecture')].filter(Boolean).join(' ');
  const device = s('device') || vendor || 'unknown device';
  const description = s('description');
  const parts = [description && description !== device ? description : '', level].filter(Boolean);
  return `${device}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function browserAdapterName(): string | null {
  const b = tf.backend() as unknown as { adapterInfo?: Record<string, unknown> };
  return b.adapterInfo ? adapterName(b.adapterInfo, '') : 'browser WebGPU adapter';
}

/**
 * WebGPU: in a browser, the package registers itself on navigator.gpu. In Node, Dawn (the npm
 * package `webgpu`) provides the GPU: a core adapter (Vulkan, Metal or D3D12: the GPU, or a
 * software Vulkan driver) is tried first, then a compatibility-mode adapter over OpenGL ES
 * through EGL (Mesa's llvmpipe on a machine without a GPU). The backend is registered with the
 * device made here, asking for every limit the adapter has (tfjs's kernels use workgroups of
 * 256 invocations, above the WebGPU defaults of compatibility mode). Returns the adapter name
 * and whether it is a fallback (software) adapter; null in a browser, where tfjs picks it.
 */
async function prepareWebgpu(
  options: UseBackendOptions,
): Promise<{ adapter: string | null; fallback: boolean }> {
  if (!isNode) {
    await importBackend('webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));
    if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      throw new TfjsBackendError(
        "tfjs backend 'webgpu' is unavailable: this browser has no navigator.gpu (WebGPU disabled or unsupported)",
      );
    }
    return { adapter: null, fallback: false };
  }
  // Imported before navigator.gpu exists, the package does not register its own factory.
  let WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend;
  try {
    ({ WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
      WebGPUBackend: typeof WebGPUBackend;
    });
  } catch (e) {
    throw new TfjsBackendError(
      `tfjs backend 'webgpu' is unavailable: @tensorflow/tfjs-backend-webgpu did not load (${(e as Error).message})`,
    );
  }
  let dawn: { create(flags: string[]): Gpu; globals: Record<string, unknown> };
  try {
    // A variable specifier: bundlers for the browser must not try to include the native addon.
    const pkg = 'webgpu';
    dawn = (await import(/* @vite-ignore */ pkg)) as typeof dawn;
  } catch (e) {
    throw new TfjsBackendError(
      `tfjs backend 'webgpu' is unavailable in Node: the npm package 'webgpu' (Dawn's Node bindings, an optional dependency of @pacgen/metrics) did not load (${(e as Error).message.split('\n')[0]}); install it with npm install webgpu@0.6.2`,
    );
  }
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, … as globals.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const env = process.env.PACGEN_WEBGPU_FLAGS;
  const flags = options.webgpuFlags ?? (env ? env.split(';').filter(Boolean) : []);
  // Mesa's EGL needs no display for compute work when told so.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  // Candidates in order: a core adapter (Vulkan, Metal or D3D12), then a compatibility-mode one
  // (Dawn offers OpenGL ES adapters only in compatibility mode).
  const candidates: [string[], string][] = flags.length
    ? [
        [flags, 'core'],
        [flags, 'compatibility'],
      ]
    : [
        [[], 'core'],
        [['backend=opengles'], 'compatibility'],
      ];
  const tried: string[] = [];
  let adapter: GpuAdapter | null = null;
  let gpu: Gpu | null = null;
  let level = 'core';
  for (const [f, featureLevel] of candidates) {
    const what = `${featureLevel} adapter${f.length ? ` with ${f.join(' ')}` : ' (Vulkan/Metal/D3D12)'}`;
    try {
      gpu = dawn.create(f);
      adapter = await gpu.requestAdapter(
        featureLevel === 'core'
          ? { powerPreference: 'high-performance' }
          : { featureLevel: 'compatibility' },
      );
    } catch (e) {
      tried.push(`${what}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (adapter) {
      level = featureLevel;
      break;
    }
    tried.push(`${what}: none`);
  }
  if (!adapter) {
    throw new TfjsBackendError(
      `tfjs backend 'webgpu' is unavailable: Dawn found no WebGPU adapter (${tried.join('; ')}). ` +
        "It needs a GPU with a Vulkan driver (Linux: libvulkan.so.1, e.g. Debian libvulkan1, and the GPU vendor's driver), " +
        'or for the software fallback EGL and Mesa (Debian libegl1, libegl-mesa0, libgl1-mesa-dri); ' +
        "Dawn's warnings on stderr say which step failed",
    );
  }
  // WebGPUBackend checks navigator.gpu when constructed.
  const g = globalThis as unknown as { navigator?: Record<string, unknown> };
  g.navigator ??= {};
  if (!g.navigator.gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  const limits: Record<string, number> = {};
  for (const k in adapter.limits) limits[k] = adapter.limits[k];
  const required = ['timestamp-query'].filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({
    requiredLimits: limits,
    requiredFeatures: required,
  });
  const info: Record<string, unknown> = {};
  for (const k in adapter.info) info[k] = adapter.info[k];
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    () => {
      try {
        return new WebGPUBackend(device, info);
      } catch (e) {
        (device as { destroy?(): void }).destroy?.();
        throw e;
      }
    },
    3,
  );
  return {
    adapter: adapterName(info, level === 'core' ? '' : 'compatibility mode'),
    fallback: info.isFallbackAdapter === true,
  };
}

type KernelInputs = { x: tf.TensorInfo; dy: tf.TensorInfo };
type Conv2DBackpropFilterAttrs = {
  strides: number | [number, number];
  pad: unknown;
  dataFormat: string;
  filterShape: [number, number, number, number];
};

/**
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so no conv2d gradient. It does have
 * Conv3DBackpropFilterV2: a 2-D convolution is a 3-D one of depth 1 (input [B, 1, H, W, C],
 * filter [1, KH, KW, C, CO]; 'same' padding adds nothing along a depth of 1), and the shapes
 * differ only by that unit axis, so the kernel runs on the same buffers with the shapes
 * relabelled. 'valid' and 'same' padding, NHWC (what Conv2D layers use); strided convolutions
 * larger than 1×1 are refused (their filter gradients come out wrong).
 */
function patchWasmKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (!conv3d) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as KernelInputs;
      const { strides, pad, dataFormat, filterShape } =
        attrs as unknown as Conv2DBackpropFilterAttrs;
      if (dataFormat !== 'NHWC' || (pad !== 'valid' && pad !== 'same')) {
        throw new Error(
          `wasm Conv2DBackpropFilter (pacgen): only NHWC with 'valid' or 'same' padding, got ${dataFormat}, ${JSON.stringify(pad)}`,
        );
      }
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      // Measured against core-wasm and tfjs-cpu (a ResNet's 3×3 stride-2 convs): 0.5 relative
      // error in the filter gradient, with 'same' or explicit padding; 1×1 strided and
      // stride-1 convolutions agree to 1e-7. Refused rather than wrong.
      if ((sh > 1 || sw > 1) && filterShape[0] * filterShape[1] > 1) {
        throw new Error(
          `wasm Conv2DBackpropFilter (pacgen): a strided ${filterShape[0]}×${filterShape[1]} convolution's filter gradient is wrong on tfjs-backend-wasm (its Conv3DBackpropFilterV2); use the cpu backend or core-wasm`,
        );
      }
      const unit = (t: tf.TensorInfo): tf.TensorInfo => ({
        ...t,
        shape: [t.shape[0], 1, ...t.shape.slice(1)],
      });
      const out = conv3d.kernelFunc({
        inputs: { x: unit(x), dy: unit(dy) },
        backend,
        attrs: { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] },
      }) as tf.TensorInfo;
      return { ...out, shape: [...filterShape] };
    },
  });
}
