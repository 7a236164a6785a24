// The SnapshotStore interface: durable FSM snapshots with their Raft metadata. A snapshot is written through a
// sink and becomes visible only when the sink closes; reading streams chunks and verifies the checksum at the end.

import type { SnapshotMeta } from '../core/types.js';

export interface StoredSnapshot {
  /** Opaque, unique; ordering uses `meta.index` and `meta.term`, not the id. */
  readonly id: string;
  readonly meta: SnapshotMeta;
  readonly sizeBytes: number;
  /** CRC-32 of the data. */
  readonly checksum: number;
}

export interface SnapshotSink {
  readonly id: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the snapshot durable and visible, then reaps old ones beyond the retain count. */
  close(): Promise<StoredSnapshot>;
  /** Discards what was written; safe after a failure and safe to call twice. */
  cancel(): Promise<void>;
}

export interface OpenSnapshot {
  readonly snapshot: StoredSnapshot;
  /** The data; the iteration throws CorruptSnapshotError at the end when size or checksum do not match. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface SnapshotStore {
  create(meta: SnapshotMeta): Promise<SnapshotSink>;
  /** Valid snapshots, newest (highest index, then term) first; invalid ones are skipped with a warning. */
  list(): Promise<StoredSnapshot[]>;
  /** Rejects with SnapshotNotFoundError or CorruptSnapshotError. */
  open(id: string): Promise<OpenSnapshot>;
}

/** Default number of snapshots kept, as hashicorp/raft's retain count in Consul. */
export const snapshotRetainCountDefault = 2;

/** Newest first: by index, then term, then id (creation order). */
export function compareNewestFirst(a: StoredSnapshot, b: StoredSnapshot): number {
  return b.meta.index - a.meta.index || b.meta.term - a.meta.term || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Reads a whole snapshot into memory (for small FSMs and tests). */
export async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let sizeBytes = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    sizeBytes += chunk.byteLength;
  }
  const data = new Uint8Array(sizeBytes);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.byteLength;
  }
  return data;
}
