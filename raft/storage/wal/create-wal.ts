// Creating a new, empty WAL directory: crash-safe, so an existing directory is always a whole WAL.

import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { closeFile, syncDirectory, writeAt } from './file-io.js';
import { encodeFrame } from './frame-encoding.js';
import type { WalRecord } from './records.js';
import { segmentFileName } from './segment-files.js';
import { preallocateSegment } from './segment-pipeline.js';

/**
 * Creates an empty WAL at `dir` the way etcd does: built under a temporary name, its first segment synced, then
 * renamed into place, so a crash leaves either no WAL or a whole one.
 */
export async function createWal(dir: string, segmentSizeBytes: number): Promise<void> {
  const building = `${dir}.creating`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  const segment = await preallocateSegment(join(building, segmentFileName(0, 1)), segmentSizeBytes);
  try {
    const header: WalRecord = { kind: 'segment-header', seq: 0, firstIndex: 1, lastIndex: 0 };
    await writeAt(segment.fd, encodeFrame([header], 0).bytes, 0);
  } finally {
    await closeFile(segment.fd);
  }
  await syncDirectory(building);
  await rename(building, dir);
  await syncDirectory(dirname(dir));
}
