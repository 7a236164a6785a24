// Proves MemoryLogStorage behaves as a LogStorage must: append replaces a suffix, entries respect the size
// bound but return at least one, compaction keeps the compaction point's term, snapshots replace the log.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entrySizeBytes, MemoryLogStorage } from './log-storage.js';
import type { Entry, SnapshotMeta } from './types.js';

const entry = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  type: 'normal',
  data: new Uint8Array(size),
});
const meta = (index: number, term: number): SnapshotMeta => ({
  index,
  term,
  conf: { voters: ['a'], learners: [] },
  addresses: { a: 'a:1' },
});

describe('MemoryLogStorage', () => {
  it('appends and replaces a conflicting suffix', () => {
    const storage = new MemoryLogStorage();
    storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    storage.append([entry(2, 2)]);
    assert.equal(storage.lastIndex(), 2);
    assert.equal(storage.term(2), 2);
    assert.equal(storage.term(0), 0);
    assert.equal(storage.term(3), null);
    assert.throws(() => storage.append([entry(5, 2)]), /gap/);
  });

  it('bounds entries by size but returns at least one', () => {
    const storage = new MemoryLogStorage();
    storage.append([entry(1, 1, 100), entry(2, 1, 100), entry(3, 1, 100)]);
    assert.equal(storage.entries(1, 4, 1).length, 1);
    assert.equal(storage.entries(1, 4, 2 * entrySizeBytes(entry(1, 1, 100))).length, 2);
    assert.equal(storage.entries(1, 4, Number.MAX_SAFE_INTEGER).length, 3);
  });

  it('compacts up to the snapshot and keeps the term at the compaction point', () => {
    const storage = new MemoryLogStorage();
    storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
    assert.throws(() => storage.compact(2), /beyond the snapshot/);
    storage.setSnapshot(meta(3, 2));
    storage.compact(2);
    assert.equal(storage.firstIndex(), 3);
    assert.equal(storage.term(2), 1);
    assert.equal(storage.term(1), null);
    assert.throws(() => storage.entries(2, 3, 100), /below firstIndex/);
    // Appending entries the compaction already covers keeps only the new part.
    storage.append([entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 3)]);
    assert.equal(storage.lastIndex(), 5);
  });

  it('replaces the log with an installed snapshot', () => {
    const storage = new MemoryLogStorage();
    storage.append([entry(1, 1), entry(2, 1)]);
    storage.applySnapshot(meta(10, 4));
    assert.equal(storage.firstIndex(), 11);
    assert.equal(storage.lastIndex(), 10);
    assert.equal(storage.term(10), 4);
    assert.equal(storage.snapshotMeta()?.index, 10);
  });
});
