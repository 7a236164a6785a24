// The read-only view of the durable log that the core reads through (etcd's Storage): the driver implements
// it over its LogStore, and MemoryLogStorage here serves tests and the simulator. The core never writes to
// it; the driver persists what a Ready hands out and then calls advance.

import { assert } from '../../lib/assert.js';
import type { Entry, SnapshotMeta } from './types.js';

export interface LogStorage {
  /** The first index still held (one past the compaction point); lastIndex()+1 when the log is empty. */
  firstIndex(): number;
  /** The last index held, or the compaction point when no entries remain. */
  lastIndex(): number;
  /** The term of the entry at `index`, valid for firstIndex()-1 ..= lastIndex(); null outside (compacted). */
  term(index: number): number | null;
  /** Entries [low, high), at least one when low < high, then stopping before sizeBytesMax is exceeded. */
  entries(low: number, high: number, sizeBytesMax: number): readonly Entry[];
  /** The latest snapshot the driver saved, offered to followers that need compacted entries. */
  snapshotMeta(): SnapshotMeta | null;
}

/** The bytes an entry counts for in batching and inflight limits: its data plus a fixed header estimate. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.length + 24;
}

/** Entries from the front of `entries` while their total stays within sizeBytesMax; never fewer than one. */
export function limitSize(entries: readonly Entry[], sizeBytesMax: number): readonly Entry[] {
  if (entries.length <= 1) return entries;
  let sizeBytes = entrySizeBytes(entries[0]!);
  let count = 1;
  while (count < entries.length) {
    sizeBytes += entrySizeBytes(entries[count]!);
    if (sizeBytes > sizeBytesMax) break;
    count++;
  }
  return count === entries.length ? entries : entries.slice(0, count);
}

/**
 * An in-memory log: entries after a compaction point whose index and term are kept (etcd's dummy entry), plus
 * the latest snapshot's metadata. `append` replaces any suffix from its first index, as every LogStore must.
 */
export class MemoryLogStorage implements LogStorage {
  private compactedIndex: number;
  private compactedTerm: number;
  private held: Entry[] = [];
  private snapshot: SnapshotMeta | null;

  /** A log that starts at `snapshot` (a bootstrap snapshot at index 0 holds the initial membership). */
  constructor(snapshot: SnapshotMeta | null = null) {
    this.snapshot = snapshot;
    this.compactedIndex = snapshot?.index ?? 0;
    this.compactedTerm = snapshot?.term ?? 0;
  }

  firstIndex(): number {
    return this.compactedIndex + 1;
  }

  lastIndex(): number {
    return this.compactedIndex + this.held.length;
  }

  term(index: number): number | null {
    if (index === this.compactedIndex) return this.compactedTerm;
    if (index < this.compactedIndex || index > this.lastIndex()) return null;
    return this.held[index - this.compactedIndex - 1]!.term;
  }

  entries(low: number, high: number, sizeBytesMax: number): readonly Entry[] {
    assert(low >= this.firstIndex(), `entries(${low}) below firstIndex ${this.firstIndex()}`);
    assert(high <= this.lastIndex() + 1, `entries(.., ${high}) beyond lastIndex ${this.lastIndex()}`);
    const offset = this.compactedIndex + 1;
    return limitSize(this.held.slice(low - offset, high - offset), sizeBytesMax);
  }

  snapshotMeta(): SnapshotMeta | null {
    return this.snapshot;
  }

  /** Appends `entries`, first dropping any held entries at or after entries[0].index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assert(first <= this.lastIndex() + 1, `append at ${first} leaves a gap after ${this.lastIndex()}`);
    if (first <= this.compactedIndex) {
      // Entries the snapshot already covers are committed and equal; keep only the part after it.
      const skip = this.compactedIndex + 1 - first;
      if (skip >= entries.length) return;
      this.append(entries.slice(skip));
      return;
    }
    this.held.length = first - this.compactedIndex - 1;
    for (const entry of entries) this.held.push(entry);
  }

  /** Records a snapshot saved by the driver; entries stay until `compact`. */
  setSnapshot(meta: SnapshotMeta): void {
    assert(meta.index >= (this.snapshot?.index ?? 0), 'a saved snapshot never goes backwards');
    this.snapshot = meta;
  }

  /** Drops entries up to and including `index`, keeping its term; `index` must not pass the snapshot. */
  compact(index: number): void {
    if (index <= this.compactedIndex) return;
    assert(index <= this.lastIndex(), `compact(${index}) beyond lastIndex ${this.lastIndex()}`);
    assert(index <= (this.snapshot?.index ?? 0), `compact(${index}) beyond the snapshot`);
    const term = this.term(index)!;
    this.held = this.held.slice(index - this.compactedIndex);
    this.compactedIndex = index;
    this.compactedTerm = term;
  }

  /** Replaces the whole log with an installed snapshot (a follower restoring from the leader's). */
  applySnapshot(meta: SnapshotMeta): void {
    this.snapshot = meta;
    this.held = [];
    this.compactedIndex = meta.index;
    this.compactedTerm = meta.term;
  }

  /** An independent copy (the simulator's crash model keeps a synced copy). */
  clone(): MemoryLogStorage {
    const copy = new MemoryLogStorage(this.snapshot);
    copy.compactedIndex = this.compactedIndex;
    copy.compactedTerm = this.compactedTerm;
    copy.held = [...this.held];
    return copy;
  }
}
