// Shared by the file-format tests: one assertion for "fails with one clear PacgenError", and a
// temporary directory per test file.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { PacgenError } from '@pacgen/core-wasm';

/** Asserts one PacgenError whose message matches every pattern. */
export async function fails(p: Promise<unknown> | (() => unknown), ...patterns: RegExp[]) {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PacgenError);
  for (const re of patterns) expect((err as Error).message).toMatch(re);
}

/** A fresh temporary directory for the calling test file, removed after its tests. */
export function useTempDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
