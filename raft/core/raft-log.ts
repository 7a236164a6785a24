// The core's view of the log (etcd log.go + log_unstable.go): the durable part read through LogStorage, plus
// the unstable tail (and possibly a snapshot) not yet handed to the driver for persisting, plus the commit,
// applying (handed to the driver to apply) and applied indexes.

import { assert } from '../../lib/assert.js';
import { entrySizeBytes, type LogStorage, limitSize } from './log-storage.js';
import type { Entry, SnapshotMeta } from './types.js';

/** Entries and a snapshot the driver has not yet made durable. */
class Unstable {
  snapshot: SnapshotMeta | null = null;
  entries: Entry[] = [];
  /** The index of entries[0]. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  firstIndex(): number | null {
    return this.snapshot ? this.snapshot.index + 1 : null;
  }

  lastIndex(): number | null {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.index : null;
  }

  term(index: number): number | null {
    if (index < this.offset) return this.snapshot && this.snapshot.index === index ? this.snapshot.term : null;
    const last = this.lastIndex();
    if (last === null || index > last) return null;
    return this.entries[index - this.offset]!.term;
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first === this.offset + this.entries.length) {
      for (const entry of entries) this.entries.push(entry); // no spread: batches may be large
    } else if (first <= this.offset) {
      // Replacing everything unstable (and, in storage, everything from `first` on: the driver's append does it).
      this.offset = first;
      this.entries = [...entries];
    } else {
      this.entries = this.entries.slice(0, first - this.offset).concat(entries);
    }
  }
}

export class RaftLog {
  private readonly unstable: Unstable;
  committed: number;
  applied: number;
  /**
   * The last entry handed to the driver to apply (etcd's `applying`), in a Ready or while one is out
   * (RawNode.takeCommittedEntries); `applied` catches up at advance. Never below `applied`.
   */
  applying: number;

  constructor(
    readonly storage: LogStorage,
    committed: number,
    applied: number,
  ) {
    const snapshotIndex = storage.firstIndex() - 1;
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = Math.max(committed, snapshotIndex);
    this.applied = Math.max(applied, snapshotIndex);
    this.applying = this.applied;
    assert(this.committed <= this.lastIndex(), `commit ${this.committed} beyond last index ${this.lastIndex()}`);
    assert(this.applied <= this.committed, `applied ${this.applied} beyond commit ${this.committed}`);
  }

  firstIndex(): number {
    return this.unstable.firstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /** The term at `index`, or null when compacted away or past the end. */
  term(index: number): number | null {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return null;
    return this.unstable.term(index) ?? this.storage.term(index);
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== null, 'the last entry always has a term');
    return term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [low, min(high, last+1)) within sizeBytesMax (at least one), or null if `low` is compacted. */
  entries(low: number, high: number, sizeBytesMax: number): readonly Entry[] | null {
    if (low < this.firstIndex()) return null;
    const end = Math.min(high, this.lastIndex() + 1);
    if (low >= end) return [];
    const split = this.unstable.offset;
    let result: readonly Entry[] = [];
    if (low < split) {
      result = this.storage.entries(low, Math.min(end, split), sizeBytesMax);
      // Storage stopped early for size: do not glue unstable entries after a gap.
      if (result.length < Math.min(end, split) - low) return result;
    }
    if (end > split) {
      const from = Math.max(low, split);
      const tail = this.unstable.entries.slice(from - split, end - split);
      result = result.length === 0 ? tail : result.concat(tail);
    }
    return limitSize(result, sizeBytesMax);
  }

  /** Appends entries that continue or overwrite the log; returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const first = entries[0]!.index;
    assert(first - 1 >= this.committed, `overwriting committed entry ${first} (commit ${this.committed})`);
    assert(first <= this.lastIndex() + 1, `append at ${first} leaves a gap after ${this.lastIndex()}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** The first entry in `entries` whose term disagrees with ours, or of which we have none; 0 if all agree. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * A follower's AppendEntries: if our log has (index, logTerm), append the new part of `entries` and move the
   * commit. Returns the last index the leader's message proves we match, and the entries actually appended.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    commit: number,
    entries: readonly Entry[],
  ): { lastNewIndex: number; appended: readonly Entry[] } | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNewIndex = index + entries.length;
    const conflict = this.findConflict(entries);
    let appended: readonly Entry[] = [];
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with committed ${this.committed}`);
      appended = entries.slice(conflict - (index + 1));
      this.append(appended);
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return { lastNewIndex, appended };
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** A leader commits by counting only entries of its own term (Raft §5.4.2). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed, `applied ${index} beyond commit ${this.committed}`);
    assert(index >= this.applied, `applied goes backwards from ${this.applied} to ${index}`);
    this.applied = index;
    if (index > this.applying) this.applying = index;
  }

  /** Entries through `index` were handed to the driver to apply. */
  applyingTo(index: number): void {
    assert(index <= this.committed, `applying ${index} beyond commit ${this.committed}`);
    assert(index >= this.applying, `applying goes backwards from ${this.applying} to ${index}`);
    this.applying = index;
  }

  hasNextCommitted(): boolean {
    return this.committed > Math.max(this.applying, this.firstIndex() - 1);
  }

  /** Committed entries not yet handed out for applying, within sizeBytesMax. */
  nextCommitted(sizeBytesMax: number): readonly Entry[] {
    const low = Math.max(this.applying + 1, this.firstIndex());
    if (this.committed < low) return [];
    return this.entries(low, this.committed + 1, sizeBytesMax) ?? [];
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  unstableSnapshot(): SnapshotMeta | null {
    return this.unstable.snapshot;
  }

  /** The entries up to (index, term) are durable: drop them from the unstable tail. */
  stableTo(index: number, term: number): void {
    const unstableTerm = this.unstable.term(index);
    // A newer append may have replaced those entries meanwhile; then they are not the ones made durable.
    if (unstableTerm !== term || index < this.unstable.offset) return;
    this.unstable.entries = this.unstable.entries.slice(index + 1 - this.unstable.offset);
    this.unstable.offset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.unstable.snapshot && this.unstable.snapshot.index === index) this.unstable.snapshot = null;
  }

  /** The snapshot to offer a follower: the unstable one being installed, else the driver's latest. */
  snapshotMeta(): SnapshotMeta | null {
    return this.unstable.snapshot ?? this.storage.snapshotMeta();
  }

  /** Replaces the log with a snapshot from the leader (the driver installs it from the next Ready). */
  restore(snapshot: SnapshotMeta): void {
    this.committed = snapshot.index;
    this.unstable.offset = snapshot.index + 1;
    this.unstable.entries = [];
    this.unstable.snapshot = snapshot;
  }

  describe(): string {
    return `first=${this.firstIndex()} last=${this.lastIndex()} commit=${this.committed} applying=${this.applying} applied=${this.applied} unstable=${this.unstable.entries.length}`;
  }

  /** Bytes of the given entries, by the same measure as the batching limits. */
  static sizeBytes(entries: readonly Entry[]): number {
    let total = 0;
    for (const entry of entries) total += entrySizeBytes(entry);
    return total;
  }
}
