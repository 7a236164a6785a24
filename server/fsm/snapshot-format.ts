// The state-store snapshot file: an 8-byte magic ("LTCSNAP" + format version), then frames of
// [u32 length][u32 CRC-32][MessagePack record]. Records: a header (format version, Raft index and term, table
// names), rows of one table in batches, the index table, and an end record with per-table counts, so a truncated
// or corrupted file is detected and `lattice snapshot inspect` can report without loading the store.

import { Packr } from 'msgpackr';
import { LatticeError } from '../../lib/errors.js';
import { unpackKeepingKeys } from '../../lib/msgpack-keys.js';
import { crc32 } from '../../raft/storage/checksum.js';
import type { StoreCapture, StoreContents } from '../state/store.js';

/**
 * 2: adds the kvs, tombstones and sessions tables. 3: adds config-entries, connect-ca-config and connect-ca-roots.
 * 4: adds prepared-queries. 5: adds autopilot-config. 6: may hold a staged-restore record (the parts of a restore
 * upload committed so far, server/fsm/user-restore.ts), so a replica restored from it can finish that restore.
 * Older files still load: the tables a file lacks restore empty. An older reader refuses a newer file by its
 * magic instead of half-loading it.
 */
export const snapshotFormatVersion = 6;
const readableFormatVersions: readonly number[] = [1, 2, 3, 4, 5, 6];
const magic = new Uint8Array([0x4c, 0x54, 0x43, 0x53, 0x4e, 0x41, 0x50, snapshotFormatVersion]); // "LTCSNAP" + version
const frameHeaderBytes = 8;
/** A frame longer than this means a corrupt length field, not a real record. */
export const frameSizeBytesMax = 64 * 1024 * 1024;
const rowsPerFrame = 1024;
/** Frames are gathered into chunks of about this size for the sink. */
const chunkSizeBytesTarget = 256 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export class SnapshotFormatError extends LatticeError {
  override readonly name: string = 'SnapshotFormatError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_SNAPSHOT_FORMAT', message, options);
  }
}

export interface SnapshotHeader {
  readonly formatVersion: number;
  /** The last Raft index applied to the captured store. */
  readonly index: number;
  readonly term: number;
  /**
   * Format 6, when not 0: what the FSM adds to a Raft index to get the store index an entry writes at, after a
   * user restore brought in indexes above the Raft log's (server/fsm/fsm.ts).
   */
  readonly indexOffset?: number;
}

type SnapshotRecord =
  | {
      readonly k: 'header';
      readonly formatVersion: number;
      readonly index: number;
      readonly term: number;
      readonly indexOffset?: number;
    }
  | { readonly k: 'rows'; readonly table: string; readonly rows: readonly unknown[] }
  | { readonly k: 'indexes'; readonly entries: readonly (readonly [string, number])[] }
  | {
      readonly k: 'staged-restore';
      readonly id: string;
      readonly digest: string;
      readonly term: number;
      readonly partCount: number;
      readonly parts: readonly Uint8Array[];
    }
  | { readonly k: 'end'; readonly counts: Readonly<Record<string, number>>; readonly indexCount: number };

function frame(record: SnapshotRecord): Uint8Array {
  const payload = packr.pack(record);
  const bytes = new Uint8Array(frameHeaderBytes + payload.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.byteLength);
  view.setUint32(4, crc32(payload));
  bytes.set(payload, frameHeaderBytes);
  return bytes;
}

function* records(
  capture: StoreCapture,
  header: SnapshotHeader,
  staged: StagedRestore | null,
): Generator<SnapshotRecord> {
  const offset = header.indexOffset ?? 0;
  yield {
    k: 'header',
    formatVersion: snapshotFormatVersion,
    index: header.index,
    term: header.term,
    ...(offset > 0 ? { indexOffset: offset } : {}),
  };
  const counts: Record<string, number> = {};
  for (const [table, rows] of capture.tables) {
    counts[table] = rows.size;
    let batch: unknown[] = [];
    for (const row of rows.values()) {
      batch.push(row);
      if (batch.length === rowsPerFrame) {
        yield { k: 'rows', table, rows: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { k: 'rows', table, rows: batch };
  }
  yield { k: 'indexes', entries: [...capture.indexes.entries()] };
  if (staged !== null) yield { k: 'staged-restore', ...staged };
  yield { k: 'end', counts, indexCount: capture.indexes.size };
}

/** The snapshot's bytes in chunks of about 256 KiB, encoded lazily from a capture that never changes. */
export function* encodeSnapshot(
  capture: StoreCapture,
  header: SnapshotHeader,
  staged: StagedRestore | null = null,
): Generator<Uint8Array> {
  let pending: Uint8Array[] = [magic];
  let pendingBytes = magic.byteLength;
  for (const record of records(capture, header, staged)) {
    const bytes = frame(record);
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
    if (pendingBytes >= chunkSizeBytesTarget) {
      yield Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

function parseRecord(payload: Uint8Array): SnapshotRecord {
  let record: unknown;
  try {
    record = unpackKeepingKeys(packr, payload);
  } catch (error) {
    throw new SnapshotFormatError('snapshot record is not valid MessagePack', { cause: error });
  }
  if (typeof record !== 'object' || record === null) throw new SnapshotFormatError('snapshot record is not a map');
  const kind = (record as { k?: unknown }).k;
  if (kind === 'header' || kind === 'rows' || kind === 'indexes' || kind === 'staged-restore' || kind === 'end')
    return record as SnapshotRecord;
  throw new SnapshotFormatError(`unknown snapshot record ${JSON.stringify(kind)}`);
}

/**
 * Splits a snapshot's bytes into records, each checked against its CRC, whatever the chunking: fed chunk by chunk
 * (push), then told the stream ended (finish); throws SnapshotFormatError on any damage. Shared by the streaming
 * reader (installs, recovery) and the synchronous one (a restore applied inside a Raft entry).
 */
class RecordSplitter {
  // Chunks wait in `pending` until the next frame is complete, so tiny chunks cost linear time, not quadratic.
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private neededBytes = magic.byteLength;
  private sawMagic = false;
  private sawEnd = false;

  push(chunk: Uint8Array): SnapshotRecord[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes < this.neededBytes) return [];
    let buffer = Buffer.concat(this.pending, this.pendingBytes);
    if (!this.sawMagic) {
      if (!buffer.subarray(0, magic.byteLength - 1).equals(magic.subarray(0, magic.byteLength - 1))) {
        throw new SnapshotFormatError('not a Lattice state snapshot');
      }
      const version = buffer[magic.byteLength - 1];
      if (!readableFormatVersions.includes(version as number))
        throw new SnapshotFormatError(`unsupported snapshot version ${version}`);
      buffer = buffer.subarray(magic.byteLength);
      this.sawMagic = true;
    }
    this.neededBytes = frameHeaderBytes;
    const records: SnapshotRecord[] = [];
    while (buffer.byteLength >= frameHeaderBytes) {
      const length = buffer.readUInt32BE(0);
      if (length > frameSizeBytesMax) throw new SnapshotFormatError(`snapshot frame of ${length} bytes`);
      if (buffer.byteLength < frameHeaderBytes + length) {
        this.neededBytes = frameHeaderBytes + length;
        break;
      }
      const payload = buffer.subarray(frameHeaderBytes, frameHeaderBytes + length);
      if (crc32(payload) !== buffer.readUInt32BE(4)) throw new SnapshotFormatError('snapshot frame checksum mismatch');
      if (this.sawEnd) throw new SnapshotFormatError('data after the end of the snapshot');
      const record = parseRecord(payload);
      if (record.k === 'end') this.sawEnd = true;
      records.push(record);
      buffer = buffer.subarray(frameHeaderBytes + length);
    }
    this.pending = buffer.byteLength > 0 ? [buffer] : [];
    this.pendingBytes = buffer.byteLength;
    return records;
  }

  finish(): void {
    if (!this.sawMagic) throw new SnapshotFormatError('snapshot is empty or too short');
    if (this.pendingBytes > 0 || !this.sawEnd) throw new SnapshotFormatError('snapshot is truncated');
  }
}

export interface SnapshotSummary extends SnapshotHeader {
  /** Rows per table. */
  readonly tables: Readonly<Record<string, number>>;
  readonly indexCount: number;
}

/** Parts of a restore upload that were staged when the snapshot was taken (format 6; server/fsm/user-restore.ts). */
export interface StagedRestore {
  readonly id: string;
  /** SHA-256 (hex) of the whole upload. */
  readonly digest: string;
  readonly term: number;
  readonly partCount: number;
  readonly parts: readonly Uint8Array[];
}

interface Collected {
  readonly header: SnapshotHeader;
  readonly rows: Map<string, unknown[]> | null;
  readonly counts: Record<string, number>;
  readonly indexes: (readonly [string, number])[];
  readonly staged: StagedRestore | null;
}

/** Gathers a snapshot's records into its header, rows, indexes and staged restore, checking their order. */
class RecordCollector {
  private header: SnapshotHeader | null = null;
  private readonly rows: Map<string, unknown[]> | null;
  private readonly counts: Record<string, number> = {};
  private readonly indexes: (readonly [string, number])[] = [];
  private staged: StagedRestore | null = null;
  private end: Extract<SnapshotRecord, { k: 'end' }> | null = null;

  constructor(keepRows: boolean) {
    this.rows = keepRows ? new Map<string, unknown[]>() : null;
  }

  add(record: SnapshotRecord): void {
    if (this.header === null && record.k !== 'header')
      throw new SnapshotFormatError('snapshot does not start with a header');
    if (record.k === 'header') {
      if (this.header !== null) throw new SnapshotFormatError('snapshot has two headers');
      if (!Number.isSafeInteger(record.index) || !Number.isSafeInteger(record.term)) {
        throw new SnapshotFormatError('snapshot header has an invalid index or term');
      }
      const offset = record.indexOffset ?? 0;
      if (!Number.isSafeInteger(offset) || offset < 0)
        throw new SnapshotFormatError('snapshot header has an invalid index offset');
      this.header = {
        formatVersion: record.formatVersion,
        index: record.index,
        term: record.term,
        ...(offset > 0 ? { indexOffset: offset } : {}),
      };
    } else if (record.k === 'rows') {
      if (typeof record.table !== 'string' || !Array.isArray(record.rows)) {
        throw new SnapshotFormatError('snapshot rows record is malformed');
      }
      this.counts[record.table] = (this.counts[record.table] ?? 0) + record.rows.length;
      if (this.rows !== null) {
        const list = this.rows.get(record.table) ?? [];
        for (const row of record.rows) list.push(row);
        this.rows.set(record.table, list);
      }
    } else if (record.k === 'indexes') {
      if (!Array.isArray(record.entries)) throw new SnapshotFormatError('snapshot indexes record is malformed');
      for (const entry of record.entries) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
          throw new SnapshotFormatError('snapshot index entry is malformed');
        }
        this.indexes.push([entry[0], entry[1]]);
      }
    } else if (record.k === 'staged-restore') {
      if (this.staged !== null) throw new SnapshotFormatError('snapshot has two staged restores');
      const { id, digest, term, partCount, parts } = record;
      if (
        typeof id !== 'string' ||
        typeof digest !== 'string' ||
        !Number.isSafeInteger(term) ||
        !Number.isSafeInteger(partCount) ||
        !Array.isArray(parts) ||
        parts.length === 0 ||
        parts.length >= partCount ||
        !parts.every((part) => part instanceof Uint8Array)
      )
        throw new SnapshotFormatError('snapshot staged-restore record is malformed');
      this.staged = { id, digest, term, partCount, parts };
    } else {
      this.end = record;
    }
  }

  finish(): Collected {
    const { header, end, counts, indexes } = this;
    if (header === null || end === null) throw new SnapshotFormatError('snapshot is truncated');
    for (const [table, count] of Object.entries(end.counts ?? {})) {
      if ((counts[table] ?? 0) !== count) throw new SnapshotFormatError(`snapshot table ${table} is incomplete`);
      counts[table] = count;
    }
    if (indexes.length !== end.indexCount) throw new SnapshotFormatError('snapshot index table is incomplete');
    return { header, rows: this.rows, counts, indexes, staged: this.staged };
  }
}

async function collect(source: AsyncIterable<Uint8Array>, keepRows: boolean): Promise<Collected> {
  const splitter = new RecordSplitter();
  const collector = new RecordCollector(keepRows);
  for await (const chunk of source) for (const record of splitter.push(chunk)) collector.add(record);
  splitter.finish();
  return collector.finish();
}

/** A whole snapshot read back: its header, the store contents, the tables it was written with, any staged restore. */
export interface ReadSnapshot {
  readonly header: SnapshotHeader;
  readonly contents: StoreContents;
  /** Every table the writer had, rows or not (a table of a later format is absent from an older file). */
  readonly tableNames: ReadonlySet<string>;
  readonly staged: StagedRestore | null;
}

function readResult(collected: Collected): ReadSnapshot {
  const rows = collected.rows as Map<string, unknown[]>;
  return {
    header: collected.header,
    contents: { tables: rows.entries(), indexes: collected.indexes },
    tableNames: new Set(Object.keys(collected.counts)),
    staged: collected.staged,
  };
}

/** Reads and verifies a whole snapshot: its header and the store contents to restore. */
export async function readSnapshot(source: AsyncIterable<Uint8Array>): Promise<ReadSnapshot> {
  return readResult(await collect(source, true));
}

/** readSnapshot over bytes in hand, synchronously (a restore applied inside one Raft entry may not wait). */
export function readSnapshotSync(bytes: Uint8Array): ReadSnapshot {
  const splitter = new RecordSplitter();
  const collector = new RecordCollector(true);
  for (const record of splitter.push(bytes)) collector.add(record);
  splitter.finish();
  return readResult(collector.finish());
}

/** For `lattice snapshot inspect`: index, term and per-table row counts, after verifying every checksum. */
export async function inspectSnapshot(source: AsyncIterable<Uint8Array>): Promise<SnapshotSummary> {
  const collected = await collect(source, false);
  return { ...collected.header, tables: collected.counts, indexCount: collected.indexes.length };
}
