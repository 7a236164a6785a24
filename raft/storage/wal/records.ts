// The records inside a WAL frame: kind u8 | payload length u32 | payload. The log is only ever appended to, so
// every change to it is a record replayed in order on open:
//   entry           an entry-codec record (its own CRC, checked again whenever getEntries reads it); an index at or
//                   below the last one overwrites that suffix, as in etcd's WAL
//   segment-header  first record of every segment: its sequence number and the log's bounds when it was started,
//                   so replay can begin at any segment once older ones are deleted
//   compact         entries at or before an index are dropped (a snapshot holds them)
//   truncate        entries at or after an index are dropped

import { CorruptLogError } from '../../errors.js';
import { entryRecordIndex, readUint64, writeUint64 } from '../entry-codec.js';

export type WalRecord =
  | { readonly kind: 'entry'; readonly payload: Uint8Array }
  | { readonly kind: 'segment-header'; readonly seq: number; readonly firstIndex: number; readonly lastIndex: number }
  | { readonly kind: 'compact'; readonly throughIndex: number }
  | { readonly kind: 'truncate'; readonly fromIndex: number };

const kindCodes = { entry: 1, 'segment-header': 2, compact: 3, truncate: 4 } as const;
const recordHeaderBytes = 5;
/** Format of a segment: a segment header with another version is refused rather than misread. */
const segmentFormatVersion = 1;
const segmentHeaderBytes = 4 + 8 * 3;

function payloadBytes(record: WalRecord): number {
  switch (record.kind) {
    case 'entry':
      return record.payload.byteLength;
    case 'segment-header':
      return segmentHeaderBytes;
    case 'compact':
    case 'truncate':
      return 8;
  }
}

export function recordSizeBytes(record: WalRecord): number {
  return recordHeaderBytes + payloadBytes(record);
}

/** Writes `record` at `at` in `target`; returns where its payload starts (an entry's location in the segment). */
export function writeRecord(target: Uint8Array, at: number, record: WalRecord): number {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const payloadAt = at + recordHeaderBytes;
  view.setUint8(at, kindCodes[record.kind]);
  view.setUint32(at + 1, payloadBytes(record));
  switch (record.kind) {
    case 'entry':
      target.set(record.payload, payloadAt);
      break;
    case 'segment-header':
      view.setUint32(payloadAt, segmentFormatVersion);
      writeUint64(view, payloadAt + 4, record.seq);
      writeUint64(view, payloadAt + 12, record.firstIndex);
      writeUint64(view, payloadAt + 20, record.lastIndex);
      break;
    case 'compact':
      writeUint64(view, payloadAt, record.throughIndex);
      break;
    case 'truncate':
      writeUint64(view, payloadAt, record.fromIndex);
      break;
  }
  return payloadAt;
}

/** A record read back: entries carry their index and where their payload is, not a copy of their data. */
export type ReadRecord =
  | { readonly kind: 'entry'; readonly index: number; readonly payloadAt: number; readonly payloadBytes: number }
  | Exclude<WalRecord, { kind: 'entry' }>;

/**
 * Parses a checksummed frame body starting at file position `bodyStart`. The frame's CRC held, so a malformed
 * record was written that way: CorruptLogError, with `where` naming the segment and position.
 */
export function readRecords(body: Uint8Array, bodyStart: number, where: string): ReadRecord[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const records: ReadRecord[] = [];
  for (let at = 0; at < body.byteLength; ) {
    const fail = (why: string) => new CorruptLogError(`${where}: record at ${bodyStart + at} ${why}`);
    if (at + recordHeaderBytes > body.byteLength) throw fail('is cut off');
    const code = view.getUint8(at);
    const length = view.getUint32(at + 1);
    const payloadAt = at + recordHeaderBytes;
    if (payloadAt + length > body.byteLength) throw fail('runs past its frame');
    if (code === kindCodes.entry) {
      const index = entryRecordIndex(body.subarray(payloadAt, payloadAt + length));
      if (index === null) throw fail('is not an entry record');
      records.push({ kind: 'entry', index, payloadAt: bodyStart + payloadAt, payloadBytes: length });
    } else if (code === kindCodes['segment-header'] && length === segmentHeaderBytes) {
      const version = view.getUint32(payloadAt);
      if (version !== segmentFormatVersion) throw fail(`has unknown segment format ${version}`);
      records.push({
        kind: 'segment-header',
        seq: readUint64(view, payloadAt + 4),
        firstIndex: readUint64(view, payloadAt + 12),
        lastIndex: readUint64(view, payloadAt + 20),
      });
    } else if (code === kindCodes.compact && length === 8) {
      records.push({ kind: 'compact', throughIndex: readUint64(view, payloadAt) });
    } else if (code === kindCodes.truncate && length === 8) {
      records.push({ kind: 'truncate', fromIndex: readUint64(view, payloadAt) });
    } else {
      throw fail(`has unknown kind ${code} or length ${length}`);
    }
    at = payloadAt + length;
  }
  return records;
}
