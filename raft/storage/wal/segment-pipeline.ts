// Prepares the next segment in the background, as etcd's filePipeline: a spare file of real zero blocks, synced,
// and opened for appending, so cutting a segment costs a rename and a directory sync instead of writing 64 MiB in
// the path of an append. Spares end in .tmp: one left by a crash is deleted on open, never read.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appendFlags, closeFile, openFile, writeZeros } from './file-io.js';
import { spareSuffix } from './segment-files.js';

export interface SpareSegment {
  readonly path: string;
  /** Open with appendFlags; the taker owns it. */
  readonly fd: number;
}

/** Creates a file of `sizeBytes` zeros at `path`, synced, and opens it for appending. */
export async function preallocateSegment(path: string, sizeBytes: number): Promise<SpareSegment> {
  const fillFd = await openFile(path, 'w');
  try {
    await writeZeros(fillFd, 0, sizeBytes);
  } finally {
    await closeFile(fillFd);
  }
  return { path, fd: await openFile(path, appendFlags) };
}

export class SegmentPipeline {
  private spare: Promise<SpareSegment> | null = null;
  private count = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentSizeBytes: number,
  ) {}

  /** Starts preparing a spare if none is ready or on its way. */
  prepare(): void {
    if (this.spare !== null) return;
    const path = join(this.dir, `spare-${this.count++}${spareSuffix}`);
    this.spare = preallocateSegment(path, this.segmentSizeBytes);
    // A failure is reported to whoever takes the spare; until then it must not count as unhandled.
    this.spare.catch(() => undefined);
  }

  /** The prepared spare (waiting for it if needed); the next one starts preparing at once. */
  async take(): Promise<SpareSegment> {
    this.prepare();
    const spare = this.spare as Promise<SpareSegment>;
    this.spare = null;
    const taken = await spare;
    this.prepare();
    return taken;
  }

  /** Waits for a spare on its way, then closes and deletes it. */
  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = null;
    const ready = await spare?.catch(() => null);
    if (!ready) return;
    await closeFile(ready.fd);
    await rm(ready.path, { force: true });
  }
}
