// Reading input files whole, for the parsers (Node only; node: modules are imported inside the
// function). Only regular files are read: a FIFO would block the read forever, and a device
// such as /dev/zero never ends. The file is opened without blocking and checked through the
// open handle, so it cannot be swapped for something else between the check and the read.

import { PacgenError, formatBytes } from '@pacgen/core-wasm';
import { ioReason } from './errors.js';

/** The largest file read whole: Node reads at most 2 GiB − 1 bytes in one call. */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

/** What a non-regular file is, in words ('a folder', 'a FIFO (named pipe)', …). */
export function fileKind(stats: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a whole regular file. Anything else (a folder, a FIFO, a device, a socket), a file
 * over {@link MAX_FILE_BYTES} and every I/O failure is one PacgenError naming the file and
 * `what` it should have been.
 */
export async function readFileBytes(path: string, what = 'file'): Promise<Uint8Array> {
  return (await readRegularFile(path, what, false))!;
}

/** {@link readFileBytes}, but null when the file does not exist (a checkpoint not yet written). */
export async function readFileBytesIfAny(path: string, what = 'file'): Promise<Uint8Array | null> {
  return readRegularFile(path, what, true);
}

async function readRegularFile(
  path: string,
  what: string,
  missingOk: boolean,
): Promise<Uint8Array | null> {
  const [fs, { constants }] = await Promise.all([import('node:fs/promises'), import('node:fs')]);
  let fh: Awaited<ReturnType<typeof fs.open>>;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fh = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if (missingOk && (e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PacgenError(`${path}: cannot read the ${what}: ${ioReason(e)}`);
  }
  try {
    const stats = await fh.stat();
    if (!stats.isFile()) {
      throw new PacgenError(`${path}: the ${what} is not a regular file (${fileKind(stats)})`);
    }
    if (stats.size > MAX_FILE_BYTES) {
      throw new PacgenError(
        `${path}: the ${what} is ${formatBytes(stats.size)}; the limit is ${formatBytes(MAX_FILE_BYTES)}`,
      );
    }
    const buf = await fh.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if (e instanceof PacgenError) throw e;
    throw new PacgenError(`${path}: cannot read the ${what}: ${ioReason(e)}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
