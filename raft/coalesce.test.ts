// Proves the coalescing table: contiguous appends to one peer merge (entries concatenated, highest commit), acks
// merge to the highest index, and anything that would change meaning (a gap, another term, a rejection, a
// context, another message type in between) stays separate, with per-peer order kept.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { coalesceMessages } from './coalesce.js';
import { emptyMessage, type RaftMessage } from './core/types.js';
import { makeRun } from './testing/entries.js';

const append = (to: string, index: number, count: number, commit = 0, term = 2): RaftMessage => ({
  ...emptyMessage,
  type: 'append',
  from: 'n1',
  to,
  term,
  index,
  logTerm: term,
  entries: makeRun(index + 1, count, term),
  commit,
});
const ack = (index: number, reject = false): RaftMessage => ({
  ...emptyMessage,
  type: 'append-response',
  from: 'n2',
  to: 'n1',
  term: 2,
  index,
  reject,
});

it('merges contiguous appends per peer and keeps the highest commit', () => {
  const out = coalesceMessages([
    append('n2', 10, 1, 5),
    append('n3', 10, 1, 5),
    append('n2', 11, 2, 7),
    append('n3', 11, 1, 6),
  ]);
  assert.equal(out.length, 2);
  assert.deepEqual(
    out.map((message) => [message.to, message.index, message.entries.map((entry) => entry.index), message.commit]),
    [
      ['n2', 10, [11, 12, 13], 7],
      ['n3', 10, [11, 12], 6],
    ],
  );
});

it('folds an empty commit-only append into the append before it', () => {
  const out = coalesceMessages([append('n2', 10, 2, 5), append('n2', 12, 0, 12)]);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.commit, 12);
  assert.equal(out[0]?.entries.length, 2);
});

it('keeps appends apart across a gap, a term change or another message in between', () => {
  assert.equal(coalesceMessages([append('n2', 10, 1), append('n2', 12, 1)]).length, 2);
  assert.equal(coalesceMessages([append('n2', 10, 1, 0, 2), append('n2', 11, 1, 0, 3)]).length, 2);
  const heartbeat: RaftMessage = { ...emptyMessage, type: 'heartbeat', from: 'n1', to: 'n2', term: 2 };
  const out = coalesceMessages([append('n2', 10, 1), heartbeat, append('n2', 11, 1)]);
  assert.deepEqual(
    out.map((message) => message.type),
    ['append', 'heartbeat', 'append'],
  );
});

it('merges acks to the highest index but never a rejection', () => {
  assert.deepEqual(
    coalesceMessages([ack(11), ack(13), ack(12)]).map((message) => message.index),
    [13],
  );
  assert.deepEqual(
    coalesceMessages([ack(11), ack(9, true), ack(12)]).map((message) => [message.index, message.reject]),
    [
      [11, false],
      [9, true],
      [12, false],
    ],
  );
});
