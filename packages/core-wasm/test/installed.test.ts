// The package as a user gets it: packed (npm pack, so only the `files` ship), installed into a
// fresh project outside the repository, imported from its dist by plain `node`, with no flag
// on the command line. It must pick the fma build by itself (the Node platform module turns on
// V8's relaxed SIMD) and fall back to plain when PACGEN_KERNELS says so. Needs `npm run build`.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pacgen-core-wasm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SCRIPT = `
import { Network, engineKernels } from '@pacgen/core-wasm';
const spec = { inputShape: [6, 6, 1], layers: [{ type: 'conv2d', filters: 4, kernelSize: 3 },
  { type: 'flatten' }, { type: 'dense', units: 3 }], loss: 'softmax-cross-entropy' };
const net = await Network.create(spec);
net.initParams(1);
net.setData(Array.from({ length: 72 }, (_, i) => Math.sin(i)), [0, 2]);
const { loss } = net.gradient();
console.log(JSON.stringify({ default: engineKernels(), network: net.kernels, loss }));
`;

function run(env: NodeJS.ProcessEnv): { default: string; network: string; loss: number } {
  const out = execFileSync(process.execPath, ['main.mjs'], { cwd: root, encoding: 'utf8', env });
  return JSON.parse(out) as { default: string; network: string; loss: number };
}

beforeAll(() => {
  for (const f of ['dist/index.js', 'build/engine-f32-fma.wasm']) {
    if (!existsSync(join(PACKAGE, f))) throw new Error(`${f} missing: run 'npm run build' first`);
  }
  const npm = (args: string[]) =>
    execFileSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = npm(['pack', PACKAGE, '--silent']).trim().split('\n').pop() as string;
  writeFileSync(join(root, 'package.json'), '{"name":"user","private":true,"type":"module"}');
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`]);
  writeFileSync(join(root, 'main.mjs'), SCRIPT);
}, 120_000);

it('an installed package loads the fma build in plain node, or plain under PACGEN_KERNELS=plain', () => {
  const env = { ...process.env };
  delete env.PACGEN_KERNELS;
  delete env.NODE_OPTIONS;
  const fma = run(env);
  expect(fma).toMatchObject({ default: 'fma', network: 'fma' });
  const plain = run({ ...env, PACGEN_KERNELS: 'plain' });
  expect(plain).toMatchObject({ default: 'plain', network: 'plain' });
  // Same network, same data: the builds differ only by rounding (f32).
  expect(Math.abs(fma.loss - plain.loss)).toBeLessThan(1e-6 * plain.loss);
  expect(fma.loss).toBeGreaterThan(0);
});
