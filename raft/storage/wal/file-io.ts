// The few file operations the WAL needs, as promises over node:fs's callback API: the hot path (a positioned write
// on an O_DSYNC descriptor) is one threadpool hop, with none of FileHandle's extra bookkeeping per call.

import * as fs from 'node:fs';

function settle<T>(run: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
}

/**
 * Flags of a segment being appended to: each write returns once its data (and any size change) is on disk, which
 * measured faster than write + fdatasync (one threadpool hop instead of two; see bench/raft-log-append.ts).
 */
export const appendFlags = fs.constants.O_RDWR | fs.constants.O_DSYNC;

export function openFile(path: string, flags: number | string): Promise<number> {
  return settle<number>((done) => fs.open(path, flags, 0o600, done));
}

export function closeFile(fd: number): Promise<void> {
  return settle<void>((done) => fs.close(fd, done));
}

/** Writes all of `data` at `position` (a short write continues where it stopped). */
export async function writeAt(fd: number, data: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < data.byteLength) {
    const count = await settle<number>((done) =>
      fs.write(fd, data, written, data.byteLength - written, position + written, done),
    );
    written += count;
  }
}

/** Reads exactly `length` bytes at `position`; fewer bytes (the file is shorter) is an error. */
export async function readAt(fd: number, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const count = await settle<number>((done) => fs.read(fd, buffer, read, length - read, position + read, done));
    if (count === 0) throw new Error(`short read: ${read} of ${length} bytes at ${position}`);
    read += count;
  }
  return buffer;
}

export function datasync(fd: number): Promise<void> {
  return settle<void>((done) => fs.fdatasync(fd, done));
}

/** Makes a create, rename or delete in `dir` durable: the directory entry is metadata of the directory itself. */
export async function syncDirectory(dir: string): Promise<void> {
  const fd = await openFile(dir, fs.constants.O_RDONLY);
  try {
    await settle<void>((done) => fs.fsync(fd, done));
  } finally {
    await closeFile(fd);
  }
}

const zeroChunkBytes = 1024 * 1024;
/** Bytes written between syncs while zero-filling, so a 64 MiB fill never queues one huge flush before an append. */
const zeroSyncEveryBytes = 1024 * 1024;
let zeroChunk: Buffer | null = null;

/**
 * Overwrites [from, to) of `fd` with zeros (real blocks, not holes) and syncs them. `shouldStop` is asked between
 * chunks (a spare being filled when the log closes); returns false when it stopped early.
 */
export async function writeZeros(
  fd: number,
  from: number,
  to: number,
  shouldStop: () => boolean = () => false,
): Promise<boolean> {
  zeroChunk ??= Buffer.alloc(zeroChunkBytes);
  let sinceSync = 0;
  for (let position = from; position < to; ) {
    if (shouldStop()) return false;
    const length = Math.min(zeroChunkBytes, to - position);
    await writeAt(fd, zeroChunk.subarray(0, length), position);
    position += length;
    sinceSync += length;
    if (sinceSync >= zeroSyncEveryBytes) {
      await datasync(fd);
      sinceSync = 0;
    }
  }
  await datasync(fd);
  return true;
}

/** True when [from, to) of `bytes` is all zeros (compared natively, a chunk at a time). */
export function isAllZero(bytes: Uint8Array, from: number, to: number): boolean {
  zeroChunk ??= Buffer.alloc(zeroChunkBytes);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let position = from; position < to; position += zeroChunkBytes) {
    const end = Math.min(to, position + zeroChunkBytes);
    if (view.compare(zeroChunk, 0, end - position, position, end) !== 0) return false;
  }
  return true;
}
