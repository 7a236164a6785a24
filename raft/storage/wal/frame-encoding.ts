// Turning records into the bytes of one frame, and knowing where each record lands: shared by the live log's
// writes and the creation of a new WAL.

import { assert } from '../../../lib/assert.js';
import { entryRecordIndex } from '../entry-codec.js';
import { frameHeaderBytes, frameSizeBytes, sealFrame } from './frame.js';
import { type ReadRecord, recordSizeBytes, type WalRecord, writeRecord } from './records.js';

/** Bytes of a segment's header frame: a segment holding only that takes any batch, however large. */
export const headerFrameBytes = frameSizeBytes(
  recordSizeBytes({ kind: 'segment-header', seq: 0, firstIndex: 0, lastIndex: 0 }),
);

/** Bytes of a frame body holding `records`. */
export function bodySizeBytes(records: readonly WalRecord[]): number {
  let bodyBytes = 0;
  for (const record of records) bodyBytes += recordSizeBytes(record);
  return bodyBytes;
}

/** One frame holding `records`, to be written at `position`, and where each record's payload lands. */
export function encodeFrame(records: readonly WalRecord[], position: number): { bytes: Buffer; payloadAts: number[] } {
  const bodyBytes = bodySizeBytes(records);
  assert(bodyBytes < 0x1_0000_0000, `a WAL batch of ${bodyBytes} bytes is over 4 GiB`);
  const bytes = Buffer.alloc(frameSizeBytes(bodyBytes));
  const payloadAts: number[] = [];
  let at = frameHeaderBytes;
  for (const record of records) {
    payloadAts.push(position + writeRecord(bytes, at, record));
    at += recordSizeBytes(record);
  }
  sealFrame(bytes, 0, bodyBytes, position);
  return { bytes, payloadAts };
}

/** The record as replay will read it back, for the index. */
export function asRead(record: WalRecord, payloadAt: number): ReadRecord {
  if (record.kind !== 'entry') return record;
  const index = entryRecordIndex(record.payload);
  assert(index !== null, 'an entry record that does not decode');
  return { kind: 'entry', index, payloadAt, payloadBytes: record.payload.byteLength };
}
