// The on-disk form of one log entry: a CRC-32 of the rest, then index, term, type and data. The checksum is
// written before the record leaves memory and verified after every read (TIGER_STYLE paired assertions), so a
// torn or flipped record becomes a CorruptLogError and is never handed to Raft.

import type { Entry, EntryType } from '../core/types.js';
import { CorruptLogError } from '../errors.js';
import { crc32 } from './checksum.js';

const headerSizeBytes = 4 + 1 + 8 + 8 + 1;
const formatVersion = 1;
const entryTypeCodes: readonly EntryType[] = ['normal', 'conf-change'];

/** Big-endian uint64 of a safe integer (all indexes and terms are below 2^53). */
export function writeUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

export function readUint64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

/** A plain Uint8Array copy of `record` from `offset` (level hands out Buffers, which compare unequal). */
function copyOut(record: Uint8Array, offset: number): Uint8Array {
  return new Uint8Array(record.buffer, record.byteOffset + offset, record.byteLength - offset).slice();
}

/** Big-endian 8-byte key for an index, with a one-byte prefix so byte order is numeric order. */
export function indexKey(prefix: number, index: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = prefix;
  writeUint64(new DataView(key.buffer), 1, index);
  return key;
}

export function indexFromKey(key: Uint8Array): number {
  return readUint64(new DataView(key.buffer, key.byteOffset, key.byteLength), 1);
}

export function encodeEntryRecord(entry: Entry): Uint8Array {
  const record = new Uint8Array(headerSizeBytes + entry.data.byteLength);
  const view = new DataView(record.buffer);
  view.setUint8(4, formatVersion);
  writeUint64(view, 5, entry.index);
  writeUint64(view, 13, entry.term);
  view.setUint8(21, entryTypeCodes.indexOf(entry.type));
  record.set(entry.data, headerSizeBytes);
  view.setUint32(0, crc32(record.subarray(4)));
  return record;
}

/** Decodes and verifies a record read under the key for `expectedIndex`. */
export function decodeEntryRecord(record: Uint8Array, expectedIndex: number): Entry {
  if (record.byteLength < headerSizeBytes) {
    throw new CorruptLogError(`log record ${expectedIndex} is torn (${record.byteLength} bytes)`);
  }
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (view.getUint32(0) !== crc32(record.subarray(4))) {
    throw new CorruptLogError(`log record ${expectedIndex} fails its checksum`);
  }
  if (view.getUint8(4) !== formatVersion) {
    throw new CorruptLogError(`log record ${expectedIndex} has unknown format ${view.getUint8(4)}`);
  }
  const index = readUint64(view, 5);
  if (index !== expectedIndex) throw new CorruptLogError(`log record under key ${expectedIndex} holds index ${index}`);
  const type = entryTypeCodes[view.getUint8(21)];
  if (type === undefined) throw new CorruptLogError(`log record ${expectedIndex} has unknown type`);
  return { index, term: readUint64(view, 13), type, data: copyOut(record, headerSizeBytes) };
}

/**
 * The index a record names, without copying its data or checking its CRC: WAL recovery indexes records whose
 * batch checksum it has just verified, and getEntries checks each record's own CRC when it reads it.
 */
export function entryRecordIndex(record: Uint8Array): number | null {
  if (record.byteLength < headerSizeBytes) return null;
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (view.getUint8(4) !== formatVersion) return null;
  return readUint64(view, 5);
}

/** A small value with a CRC-32 in front, for stable-store values and metadata keys. */
export function encodeChecked(value: Uint8Array): Uint8Array {
  const record = new Uint8Array(4 + value.byteLength);
  record.set(value, 4);
  new DataView(record.buffer).setUint32(0, crc32(value));
  return record;
}

/** Verifies and strips the CRC-32 written by encodeChecked; null when it does not match. */
export function decodeChecked(record: Uint8Array): Uint8Array | null {
  if (record.byteLength < 4) return null;
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const value = copyOut(record, 4);
  return view.getUint32(0) === crc32(value) ? value : null;
}
