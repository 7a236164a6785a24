// The LogStore interface: a durable, contiguous run of Raft entries [firstIndex, lastIndex], plus the one rule
// every implementation shares for where an append may land.

import { assert } from '../../lib/assert.js';
import type { Entry } from '../core/types.js';

export interface LogStore {
  /** The first index still kept (1 + the compacted-through index); lastIndex() + 1 when the log is empty. */
  firstIndex(): number;
  /** The last index accepted by storeEntries (0 for a fresh log). */
  lastIndex(): number;
  /** Entries with lo <= index < hi, in order. lo below firstIndex rejects with LogCompactedError. */
  getEntries(lo: number, hi: number): Promise<Entry[]>;
  /**
   * Durably appends contiguous entries. The first must continue the log (lastIndex + 1) or overwrite a suffix
   * (any index from firstIndex to lastIndex); an overwrite drops every entry after the new ones. Resolves once
   * the entries are on disk.
   */
  storeEntries(entries: readonly Entry[]): Promise<void>;
  /** Drops every entry at or after `fromIndex` (conflict resolution). */
  truncateSuffix(fromIndex: number): Promise<void>;
  /**
   * Drops every entry at or before `throughIndex` (it is in a snapshot). Past lastIndex, the log becomes empty and
   * restarts at throughIndex + 1 (a snapshot was installed).
   */
  compact(throughIndex: number): Promise<void>;
  close(): Promise<void>;
}

/** Asserts that `entries` are contiguous and may be stored on a log spanning [first, last]. */
export function checkAppend(entries: readonly Entry[], first: number, last: number): void {
  const head = entries[0];
  if (head === undefined) return;
  assert(head.index >= first, `append at ${head.index} overwrites compacted entries (first index ${first})`);
  assert(head.index <= last + 1, `append at ${head.index} leaves a gap after last index ${last}`);
  for (let position = 1; position < entries.length; position++) {
    const entry = entries[position] as Entry;
    assert(entry.index === head.index + position, `entries are not contiguous at index ${entry.index}`);
  }
}
