// Proves RaftLog's rules: follower appends truncate only conflicting suffixes, never committed entries; a
// leader commits only entries of its own term by counting (Raft §5.4.2, Figure 8); unstable entries leave the
// tail only when the same (index, term) was made durable; a restored snapshot replaces the log.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLogStorage } from './log-storage.js';
import { RaftLog } from './raft-log.js';
import type { Entry } from './types.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array(0) });

function logWith(terms: number[]): RaftLog {
  const storage = new MemoryLogStorage();
  storage.append(terms.map((term, position) => entry(position + 1, term)));
  return new RaftLog(storage, 0, 0);
}

describe('RaftLog', () => {
  it('appends after a matching (index, term) and truncates a conflicting suffix', () => {
    const log = logWith([1, 1, 2, 2]);
    assert.equal(log.maybeAppend(2, 2, 0, [entry(3, 3)]), null, 'prev term mismatch');
    const result = log.maybeAppend(2, 1, 0, [entry(3, 3), entry(4, 3)]);
    assert.equal(result?.lastNewIndex, 4);
    assert.equal(result?.appended.length, 2);
    assert.equal(log.term(3), 3);
    assert.equal(log.lastIndex(), 4);
  });

  it('keeps its longer log when the append matches a prefix (a reordered old append)', () => {
    const log = logWith([1, 1, 2, 2]);
    const result = log.maybeAppend(1, 1, 0, [entry(2, 1)]);
    assert.equal(result?.lastNewIndex, 2);
    assert.equal(result?.appended.length, 0);
    assert.equal(log.lastIndex(), 4);
  });

  it('commits by counting only entries of the current term', () => {
    const log = logWith([1, 2, 2]);
    assert.equal(log.maybeCommit(3, 3), false, 'an entry of term 2 does not commit in term 3');
    assert.equal(log.committed, 0);
    log.append([entry(4, 3)]);
    assert.equal(log.maybeCommit(4, 3), true);
    assert.equal(log.committed, 4);
  });

  it('asserts before overwriting a committed entry', () => {
    const log = logWith([1, 1, 1]);
    log.commitTo(3);
    assert.throws(() => log.append([entry(2, 2)]), /overwriting committed/);
  });

  it('moves entries out of the unstable tail only for the durable (index, term)', () => {
    const log = logWith([1]);
    log.append([entry(2, 2), entry(3, 2)]);
    assert.equal(log.unstableEntries().length, 2);
    log.append([entry(3, 3)]); // replaced while the driver was persisting the old 3
    log.stableTo(3, 2);
    assert.equal(log.unstableEntries().length, 2, 'the old (3, 2) is not the one in the log');
    log.stableTo(3, 3);
    assert.equal(log.unstableEntries().length, 0);
  });

  it('reads across storage and unstable entries, and reports compaction', () => {
    const storage = new MemoryLogStorage({ index: 2, term: 1, conf: { voters: ['a'], learners: [] }, addresses: {} });
    storage.append([entry(3, 1), entry(4, 1)]);
    const log = new RaftLog(storage, 2, 2);
    log.append([entry(5, 2)]);
    assert.deepEqual(
      log.entries(3, 6, Number.MAX_SAFE_INTEGER)?.map((item) => item.index),
      [3, 4, 5],
    );
    assert.equal(log.entries(2, 6, 100), null);
    assert.equal(log.term(2), 1);
    assert.equal(log.term(1), null);
  });

  it('restores from a snapshot', () => {
    const log = logWith([1, 1]);
    log.restore({ index: 10, term: 3, conf: { voters: ['a'], learners: [] }, addresses: {} });
    assert.equal(log.firstIndex(), 11);
    assert.equal(log.lastIndex(), 10);
    assert.equal(log.committed, 10);
    assert.equal(log.lastTerm(), 3);
    assert.equal(log.unstableSnapshot()?.index, 10);
  });

  it('compares logs by last term, then length', () => {
    const log = logWith([1, 2, 2]);
    assert.equal(log.isUpToDate(3, 2), true);
    assert.equal(log.isUpToDate(2, 2), false);
    assert.equal(log.isUpToDate(1, 3), true);
    assert.equal(log.isUpToDate(9, 1), false);
  });
});
