// Prepares the next segment in the background, as etcd's filePipeline: a spare file of real zero blocks, synced,
// and opened for appending, so cutting a segment costs a rename and a directory sync instead of writing 64 MiB in
// the path of an append. A spare is filled under a .tmp name and renamed to .ready once whole and synced, so a
// .ready spare found on open is whole (its zeros were durable before the rename) and is used rather than rebuilt.

import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { appendFlags, closeFile, openFile, writeZeros } from './file-io.js';
import { partialSpareSuffix, readySpareSuffix } from './segment-files.js';

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
  private spare: Promise<SpareSegment | null> | null = null;
  private count = 0;
  private closing = false;

  constructor(
    private readonly dir: string,
    private readonly segmentSizeBytes: number,
  ) {}

  /** Uses the first of `readySpares` (found on open) of the right size; deletes the others. */
  async adopt(readySpares: readonly string[]): Promise<void> {
    for (const path of readySpares) {
      // New spares are numbered after any found, so a name never comes back while the log runs.
      const number = Number(/spare-(\d+)/.exec(path)?.[1] ?? -1);
      this.count = Math.max(this.count, number + 1);
      const fits = this.spare === null && (await stat(path)).size === this.segmentSizeBytes;
      if (fits) this.spare = openFile(path, appendFlags).then((fd) => ({ path, fd }));
      else await rm(path, { force: true });
    }
  }

  /** Starts preparing a spare if none is ready or on its way. */
  prepare(): void {
    if (this.spare !== null || this.closing) return;
    this.spare = this.fill();
    // A failure is reported to whoever takes the spare; until then it must not count as unhandled.
    this.spare.catch(() => undefined);
  }

  /** The prepared spare (waiting for it if needed); the next one starts preparing at once. */
  async take(): Promise<SpareSegment> {
    this.prepare();
    const spare = this.spare as Promise<SpareSegment | null>;
    this.spare = null;
    const taken = await spare;
    if (taken === null) throw new Error('the WAL is closing');
    this.prepare();
    return taken;
  }

  /** Stops a spare being filled (deleting it) and closes a ready one, which stays for the next open. */
  async close(): Promise<void> {
    this.closing = true;
    const ready = await this.spare?.catch(() => null);
    this.spare = null;
    if (ready) await closeFile(ready.fd);
  }

  private async fill(): Promise<SpareSegment | null> {
    const name = `spare-${this.count++}`;
    const partial = join(this.dir, `${name}${partialSpareSuffix}`);
    const fd = await openFile(partial, 'w');
    let whole: boolean;
    try {
      whole = await writeZeros(fd, 0, this.segmentSizeBytes, () => this.closing);
    } finally {
      await closeFile(fd);
    }
    if (!whole) {
      await rm(partial, { force: true });
      return null;
    }
    // No directory sync: a rename lost to a crash leaves a .tmp, which the next open deletes.
    const ready = join(this.dir, `${name}${readySpareSuffix}`);
    await rename(partial, ready);
    return { path: ready, fd: await openFile(ready, appendFlags) };
  }
}
