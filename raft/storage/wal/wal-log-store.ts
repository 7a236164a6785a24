// A LogStore on a write-ahead log of preallocated segment files, after etcd's wal package: every change (entries,
// overwrites, truncation, compaction) is a record appended to the active segment, and concurrent calls share one
// synced write (GroupCommit: one frame, one O_DSYNC pwrite). Memory holds only where each kept entry is
// (WalIndex); getEntries, used at startup, reads them back with positioned reads and checks each record's CRC.
// Durability and recovery rules are in wal-recovery.ts; the on-disk form in frame.ts and records.ts.

import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../../lib/assert.js';
import type { Entry } from '../../core/types.js';
import { CorruptLogError, LogCompactedError } from '../../errors.js';
import { decodeEntryRecord, encodeEntryRecord } from '../entry-codec.js';
import { GroupCommit } from '../group-commit.js';
import { checkAppend, type LogStore } from '../log-store.js';
import { createWal } from './create-wal.js';
import { appendFlags, closeFile, openFile, readAt, syncDirectory, writeAt } from './file-io.js';
import { frameSizeBytes } from './frame.js';
import { asRead, bodySizeBytes, encodeFrame, headerFrameBytes } from './frame-encoding.js';
import type { WalRecord } from './records.js';
import { type SegmentFile, segmentFileName } from './segment-files.js';
import { SegmentPipeline } from './segment-pipeline.js';
import type { WalIndex } from './wal-index.js';
import { recoverWal } from './wal-recovery.js';

export interface WalOptions {
  /** What a segment is preallocated to; a batch that does not fit goes to a new one (etcd's 64 MiB). */
  readonly segmentSizeBytes?: number;
}

export const defaultSegmentSizeBytes = 64 * 1024 * 1024;
/** getEntries reads neighbouring entries of a segment in one read up to this size. */
const readSpanBytesMax = 4 * 1024 * 1024;
export class WalLogStore implements LogStore {
  private readonly commits: GroupCommit<WalRecord>;
  private readonly pipeline: SegmentPipeline;
  private first: number;
  private last: number;
  private failure: unknown = null;
  private closed = false;
  /** Deleting compacted segments, which close() and getEntries() wait for. */
  private maintenance: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly segmentSizeBytes: number,
    /** Where each durable entry is: updated once a frame is on disk, in write order. */
    private readonly index: WalIndex,
    private readonly segments: SegmentFile[],
    private activeFd: number,
    private appendPosition: number,
    private readonly repairs: readonly string[],
  ) {
    this.first = index.firstIndex();
    this.last = index.lastIndex();
    this.commits = new GroupCommit((records) => this.writeFrame(records));
    this.pipeline = new SegmentPipeline(dir, segmentSizeBytes);
  }

  /** Opens (creating if needed) the WAL at `dir`; rejects with CorruptLogError when it cannot be trusted. */
  static async open(dir: string, options: WalOptions = {}): Promise<WalLogStore> {
    const segmentSizeBytes = options.segmentSizeBytes ?? defaultSegmentSizeBytes;
    assert(segmentSizeBytes >= 4 * headerFrameBytes, `segment size ${segmentSizeBytes} is too small`);
    if (!existsSync(dir)) await createWal(dir, segmentSizeBytes);
    const recovered = await recoverWal(dir);
    const active = recovered.segments.at(-1) as SegmentFile;
    const fd = await openFile(active.path, appendFlags);
    const store = new WalLogStore(
      dir,
      segmentSizeBytes,
      recovered.index,
      recovered.segments,
      fd,
      recovered.appendPosition,
      recovered.repairs,
    );
    try {
      await store.pipeline.adopt(recovered.readySpares);
    } catch (error) {
      await store.close();
      throw error;
    }
    store.pipeline.prepare();
    return store;
  }

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.last;
  }

  /** What opening repaired (torn tail cut off, spares deleted), for the caller to log. */
  recoveryNotes(): readonly string[] {
    return this.repairs;
  }

  /** Group-commit figures: how many appends were submitted and how many synced writes carried them. */
  commitStats(): { batchCount: number; submitCount: number } {
    return this.commits.stats();
  }

  /** How many segment files the log spans now (for tests of rotation and compaction). */
  segmentCount(): number {
    return this.segments.length;
  }

  async getEntries(lo: number, hi: number): Promise<Entry[]> {
    this.assertUsable();
    if (lo < this.first) throw new LogCompactedError(lo, this.first);
    assert(lo <= hi, `getEntries(${lo}, ${hi}): lo above hi`);
    assert(hi <= this.last + 1, `getEntries(${lo}, ${hi}) past last index ${this.last}`);
    if (lo === hi) return [];
    await this.commits.idle();
    await this.maintenance;
    const entries: Entry[] = [];
    const fds = new Map<number, number>();
    try {
      for (let index = lo; index < hi; ) {
        const span = this.spanFrom(index, hi);
        let fd = fds.get(span.seq);
        if (fd === undefined) {
          fd = await openFile(this.segmentPath(span.seq), 'r');
          fds.set(span.seq, fd);
        }
        const bytes = await readAt(fd, span.end - span.start, span.start);
        for (const [position, location] of span.locations.entries()) {
          const from = location.position - span.start;
          entries.push(decodeEntryRecord(bytes.subarray(from, from + location.lengthBytes), index + position));
        }
        index += span.locations.length;
      }
    } finally {
      for (const fd of fds.values()) await closeFile(fd);
    }
    return entries;
  }

  async storeEntries(entries: readonly Entry[]): Promise<void> {
    this.assertUsable();
    checkAppend(entries, this.first, this.last);
    const head = entries[0];
    if (head === undefined) return;
    // An entry at or below the last index overwrites from there on: replay and the index drop the old suffix.
    const records: WalRecord[] = entries.map((entry) => ({ kind: 'entry', payload: encodeEntryRecord(entry) }));
    this.last = head.index + entries.length - 1;
    await this.write(records);
  }

  async truncateSuffix(fromIndex: number): Promise<void> {
    this.assertUsable();
    assert(fromIndex >= this.first, `truncateSuffix(${fromIndex}) below first index ${this.first}`);
    if (fromIndex > this.last) return;
    this.last = fromIndex - 1;
    await this.write([{ kind: 'truncate', fromIndex }]);
  }

  async compact(throughIndex: number): Promise<void> {
    this.assertUsable();
    if (throughIndex < this.first) return;
    this.first = throughIndex + 1;
    if (this.last < throughIndex) this.last = throughIndex;
    // The new first index is durable before any segment goes: replay never needs what is deleted below.
    await this.write([{ kind: 'compact', throughIndex }]);
    const deleting = this.maintenance.then(() => this.deleteUnneededSegments());
    this.maintenance = deleting.catch(() => undefined);
    await deleting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.idle();
    await this.maintenance;
    await this.pipeline.close();
    await closeFile(this.activeFd);
  }

  /** One synced frame of every record queued meanwhile, in a new segment when it does not fit the active one. */
  private async writeFrame(records: WalRecord[]): Promise<void> {
    let lead: Buffer | null = null;
    const fits = this.appendPosition + frameSizeBytes(bodySizeBytes(records)) <= this.segmentSizeBytes;
    if (!fits && this.appendPosition > headerFrameBytes) {
      await this.cutSegment();
      const header: WalRecord = {
        kind: 'segment-header',
        seq: this.activeSeq(),
        firstIndex: this.index.firstIndex(),
        lastIndex: this.index.lastIndex(),
      };
      this.index.apply(header, header.seq, 'a new segment header');
      lead = encodeFrame([header], 0).bytes;
    }
    const position = this.appendPosition + (lead?.byteLength ?? 0);
    const frame = encodeFrame(records, position);
    // A new segment's header and first frame go out in one write; a crash cuts at most the tail of it, which
    // recovery cuts off (or deletes the segment, when even the header is incomplete).
    await writeAt(this.activeFd, lead ? Buffer.concat([lead, frame.bytes]) : frame.bytes, this.appendPosition);
    this.appendPosition = position + frame.bytes.byteLength;
    const seq = this.activeSeq();
    records.forEach((record, position) => {
      this.index.apply(asRead(record, frame.payloadAts[position] as number), seq, 'a record just written');
    });
  }

  /** Puts the prepared spare in place as the next segment: renamed, and the rename synced before any use. */
  private async cutSegment(): Promise<void> {
    const spare = await this.pipeline.take();
    const seq = this.activeSeq() + 1;
    const path = join(this.dir, segmentFileName(seq, this.index.lastIndex() + 1));
    try {
      await rename(spare.path, path);
      await syncDirectory(this.dir);
    } catch (error) {
      await closeFile(spare.fd).catch(() => undefined);
      throw error;
    }
    const previous = this.activeFd;
    this.segments.push({ seq, path });
    this.activeFd = spare.fd;
    this.appendPosition = 0;
    await closeFile(previous);
  }

  /** Deletes the segments older than the oldest one holding a kept entry (never the active one). */
  private async deleteUnneededSegments(): Promise<void> {
    const keepFrom = this.index.oldestNeededSeq(this.activeSeq());
    const unneeded = this.segments.filter((segment) => segment.seq < keepFrom);
    if (unneeded.length === 0) return;
    this.segments.splice(0, unneeded.length);
    // Oldest first, each deletion synced before the next: a crash leaves a shorter run, never one with a gap.
    for (const segment of unneeded) {
      await rm(segment.path, { force: true });
      await syncDirectory(this.dir);
    }
  }

  /** Consecutive entries from `index` (below `hi`) in one segment, close enough to read at once. */
  private spanFrom(index: number, hi: number) {
    const head = this.index.location(index);
    if (head === null) throw new CorruptLogError(`log entry ${index} is in no segment (hole)`);
    const locations = [head];
    let end = head.position + head.lengthBytes;
    for (let next = index + 1; next < hi; next++) {
      const location = this.index.location(next);
      if (location === null || location.seq !== head.seq || location.position < end) break;
      const nextEnd = location.position + location.lengthBytes;
      if (nextEnd - head.position > readSpanBytesMax) break;
      locations.push(location);
      end = nextEnd;
    }
    return { seq: head.seq, start: head.position, end, locations };
  }

  private activeSeq(): number {
    return (this.segments.at(-1) as SegmentFile).seq;
  }

  private segmentPath(seq: number): string {
    const segment = this.segments.find((candidate) => candidate.seq === seq);
    if (segment === undefined) throw new CorruptLogError(`WAL segment ${seq} is gone`);
    return segment.path;
  }

  private async write(records: WalRecord[]): Promise<void> {
    try {
      await this.commits.submit(records);
    } catch (error) {
      // The in-memory bounds already moved; nothing later can be trusted, so every further call fails.
      this.failure ??= error;
      throw error;
    }
  }

  private assertUsable(): void {
    assert(!this.closed, 'log store is closed');
    if (this.failure !== null) throw new CorruptLogError('an earlier log write failed', { cause: this.failure });
  }
}
