// A batch on disk: one synced write of the WAL is one frame: a 24-byte header, a body of records padded to 8 bytes,
// and an 8-byte trailer.
//   header   magic u32 | body length u32 | file position u64 | body CRC-32 u32 | header CRC-32 u32 (of the 20 before)
//   trailer  body CRC-32 u32 | magic u32
// Frames start on 8-byte boundaries and segments are preallocated with zeros, so the end of the data is an all-zero
// header. The position field makes a frame valid only where it was written: a frame's bytes copied elsewhere (an
// entry whose value happens to hold one) are not mistaken for a frame there.
// A frame that fails its checksums is torn (a write cut short by a crash, never acknowledged) when part of it is
// still zeros: a sector-aligned piece (etcd's isTornEntry: a disk writes whole sectors, in any order) or its
// trailer (written last in file order, so a write that stopped part-way never has one). Otherwise some byte was
// changed after the write landed: corruption.

import { crc32 } from '../checksum.js';
import { readUint64, writeUint64 } from '../entry-codec.js';
import { isAllZero } from './file-io.js';

export const frameMagic = 0x4c57414c; // "LWAL"
export const frameHeaderBytes = 24;
const frameTrailerBytes = 8;
const frameAlignBytes = 8;
/** The unit a disk writes atomically (etcd's minSectorSize): a torn write leaves whole sectors unwritten. */
const sectorBytes = 512;

export function alignFrame(sizeBytes: number): number {
  return Math.ceil(sizeBytes / frameAlignBytes) * frameAlignBytes;
}

/** Bytes a frame with a body of `bodyBytes` takes on disk, padding and trailer included. */
export function frameSizeBytes(bodyBytes: number): number {
  return frameHeaderBytes + alignFrame(bodyBytes) + frameTrailerBytes;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Fills in the header of the frame at `at` in `buffer`, whose body (`bodyBytes` long) is already in place after it,
 * for a frame that will be written at file position `position`. Padding bytes must be zero (fresh buffers are).
 */
export function sealFrame(buffer: Uint8Array, at: number, bodyBytes: number, position: number): void {
  const view = viewOf(buffer);
  const bodyStart = at + frameHeaderBytes;
  const bodyCrc = crc32(buffer.subarray(bodyStart, bodyStart + bodyBytes));
  view.setUint32(at, frameMagic);
  view.setUint32(at + 4, bodyBytes);
  writeUint64(view, at + 8, position);
  view.setUint32(at + 16, bodyCrc);
  view.setUint32(at + 20, crc32(buffer.subarray(at, at + 20)));
  const trailerAt = bodyStart + alignFrame(bodyBytes);
  view.setUint32(trailerAt, bodyCrc);
  view.setUint32(trailerAt + 4, frameMagic);
}

export type FrameRead =
  /** A whole, checksummed frame; `end` is where the next one may start. */
  | { readonly kind: 'frame'; readonly body: Uint8Array; readonly bodyStart: number; readonly end: number }
  /** An all-zero header: the end of the data (if the rest of the segment is zeros too). */
  | { readonly kind: 'end' }
  /** Not a valid frame; `torn` when the damage looks like a write cut short (a zero sector, or past the file end). */
  | { readonly kind: 'bad'; readonly reason: string; readonly torn: boolean };

/** True when [from, to) has a sector-aligned piece that is all zeros (etcd's isTornEntry). */
function hasZeroSector(bytes: Uint8Array, from: number, to: number): boolean {
  for (let start = from; start < to; ) {
    const end = Math.min(to, (Math.floor(start / sectorBytes) + 1) * sectorBytes);
    if (isAllZero(bytes, start, end)) return true;
    start = end;
  }
  return false;
}

/** Checks the header at `at`; returns the body length, or why it is not a frame header. */
function checkHeader(bytes: Uint8Array, at: number): number | string {
  const view = viewOf(bytes);
  if (view.getUint32(at) !== frameMagic) return 'no frame magic';
  if (view.getUint32(at + 20) !== crc32(bytes.subarray(at, at + 20))) return 'frame header fails its checksum';
  if (readUint64(view, at + 8) !== at) return `frame header names position ${readUint64(view, at + 8)}`;
  return view.getUint32(at + 4);
}

/** Reads the frame at `at` of a whole segment file's bytes (file positions are offsets into `bytes`). */
export function readFrame(bytes: Uint8Array, at: number): FrameRead {
  const headerEnd = at + frameHeaderBytes;
  const fileEnd = bytes.byteLength;
  if (headerEnd > fileEnd) {
    return isAllZero(bytes, at, fileEnd)
      ? { kind: 'end' }
      : { kind: 'bad', reason: 'frame header cut off by the end of the file', torn: true };
  }
  if (isAllZero(bytes, at, headerEnd)) return { kind: 'end' };
  const checked = checkHeader(bytes, at);
  if (typeof checked === 'string') {
    // A write that stopped inside the header leaves its last byte, and everything after it, zero.
    const stoppedInHeader = bytes[headerEnd - 1] === 0 && isAllZero(bytes, headerEnd, fileEnd);
    return { kind: 'bad', reason: checked, torn: stoppedInHeader || hasZeroSector(bytes, at, headerEnd) };
  }
  const trailerAt = headerEnd + alignFrame(checked);
  const end = trailerAt + frameTrailerBytes;
  if (end > fileEnd) return { kind: 'bad', reason: 'frame cut off by the end of the file', torn: true };
  const body = bytes.subarray(headerEnd, headerEnd + checked);
  if (viewOf(bytes).getUint32(at + 16) !== crc32(body)) {
    const torn = isAllZero(bytes, trailerAt, end) || hasZeroSector(bytes, at, end);
    return { kind: 'bad', reason: 'frame body fails its checksum', torn };
  }
  return { kind: 'frame', body, bodyStart: headerEnd, end };
}

/** The position of the first valid frame at or after `from`, or null: proof that damage before it is not a tail. */
export function findValidFrame(bytes: Uint8Array, from: number): number | null {
  const magic = Buffer.alloc(4);
  magic.writeUInt32BE(frameMagic);
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = haystack.indexOf(magic, from); at >= 0; at = haystack.indexOf(magic, at + 1)) {
    if (at % frameAlignBytes === 0 && readFrame(bytes, at).kind === 'frame') return at;
  }
  return null;
}
