// Opening a WAL: replay every segment in order into a WalIndex, and decide what unreadable data means.
// - Only the last batch written can be torn: every append is synced before the next frame is written, and a new
//   segment is written only after the one before it is complete. So damage that a valid frame follows, damage in
//   any segment but the last, or damage that is not torn (no unwritten zero sector: some byte changed) is
//   corruption: CorruptLogError, and nothing is handed to Raft or repaired.
// - A torn last frame was never acknowledged (its append had not returned): it is cut off, as etcd's repair does,
//   by zeroing the rest of the segment and syncing. A last segment with no header (the crash came between cutting
//   it and its first write landing) is deleted.
// Segments are read whole, one at a time: open is the only time the log is read in bulk.

import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorruptLogError } from '../../errors.js';
import { appendFlags, closeFile, isAllZero, openFile, syncDirectory, writeZeros } from './file-io.js';
import { findValidFrame, readFrame } from './frame.js';
import { readRecords } from './records.js';
import { listSegmentFiles, type SegmentFile } from './segment-files.js';
import { WalIndex } from './wal-index.js';

export interface RecoveredWal {
  readonly index: WalIndex;
  /** In seq order; the last is the one to append to. */
  readonly segments: SegmentFile[];
  /** Where the next frame goes in the last segment. */
  readonly appendPosition: number;
  /** What was repaired, for the log: torn tails cut off, headerless segments and partial spares deleted. */
  readonly repairs: string[];
  /** Whole spares left by the last run, for the pipeline to use. */
  readonly readySpares: string[];
}

interface ScannedSegment {
  /** Where the valid frames end. */
  readonly end: number;
  readonly frameCount: number;
  /** Why reading stopped at `end` when it was not a clean end (all zeros to the end of the file). */
  readonly damage: { readonly reason: string; readonly torn: boolean } | null;
}

/** Replays the frames of one segment into `index`; the first segment's header starts the replay. */
function scanSegment(bytes: Uint8Array, segment: SegmentFile, index: WalIndex, isFirst: boolean): ScannedSegment {
  const where = `WAL segment ${segment.path}`;
  let at = 0;
  let frameCount = 0;
  for (;;) {
    const read = readFrame(bytes, at);
    if (read.kind !== 'frame') {
      const validAt = findValidFrame(bytes, at + 1);
      const reason = read.kind === 'bad' ? read.reason : 'zero frame header';
      if (validAt !== null) {
        throw new CorruptLogError(`${where}: unreadable data at ${at} (${reason}) before a valid batch at ${validAt}`);
      }
      if (read.kind === 'end' && isAllZero(bytes, at, bytes.byteLength)) return { end: at, frameCount, damage: null };
      // An unwritten header sector with written sectors after it is a torn write too.
      return { end: at, frameCount, damage: { reason, torn: read.kind === 'end' || read.torn } };
    }
    const records = readRecords(read.body, read.bodyStart, where);
    records.forEach((record, position) => {
      const opensSegment = frameCount === 0 && position === 0;
      if ((record.kind === 'segment-header') !== opensSegment) {
        throw new CorruptLogError(`${where}: a segment header must be its first record and only there (at ${at})`);
      }
      if (record.kind === 'segment-header' && isFirst) index.startAt(record.firstIndex, record.lastIndex);
      index.apply(record, segment.seq, `${where} at ${at}`);
    });
    frameCount++;
    at = read.end;
  }
}

/** Cuts a torn tail off the last segment: zeros from `from` to the end, synced. */
async function zeroTail(path: string, from: number, sizeBytes: number): Promise<void> {
  const fd = await openFile(path, appendFlags);
  try {
    await writeZeros(fd, from, sizeBytes);
  } finally {
    await closeFile(fd);
  }
}

export async function recoverWal(dir: string): Promise<RecoveredWal> {
  const { segments, partialSpares, readySpares } = await listSegmentFiles(dir);
  const repairs: string[] = [];
  for (const spare of partialSpares) {
    await rm(spare, { force: true });
    repairs.push(`deleted a partly filled spare ${spare}`);
  }
  if (segments.length === 0) throw new CorruptLogError(`WAL ${dir} has no segment`);
  const index = new WalIndex();
  let appendPosition = 0;
  for (const [position, segment] of segments.entries()) {
    const bytes = await readFile(segment.path);
    const isLast = position === segments.length - 1;
    const scanned = scanSegment(bytes, segment, index, position === 0);
    const { damage } = scanned;
    if (scanned.frameCount === 0 && isLast && position > 0 && (damage === null || damage.torn)) {
      // Cut but never written: the crash came before its first frame (header and first batch) landed.
      await rm(segment.path);
      await syncDirectory(dirname(segment.path));
      segments.pop();
      repairs.push(`deleted segment ${segment.path}, which has no complete header (a torn cut)`);
      break;
    }
    if (scanned.frameCount === 0) throw new CorruptLogError(`WAL segment ${segment.path} has no valid header`);
    if (damage !== null) {
      if (!isLast || !damage.torn) {
        const kind = damage.torn ? 'in a segment that later ones follow' : 'not a torn write';
        throw new CorruptLogError(`WAL segment ${segment.path}: ${damage.reason} at ${scanned.end} (${kind})`);
      }
      await zeroTail(segment.path, scanned.end, bytes.byteLength);
      repairs.push(`cut a torn batch off ${segment.path} at ${scanned.end} (${damage.reason})`);
    }
    appendPosition = scanned.end;
  }
  index.assertComplete();
  return { index, segments, appendPosition, repairs, readySpares };
}
