// Proves the edge validation of decoded Raft messages: a well-formed message round-trips through msgpack, and
// each kind of garbage (wrong types, unknown message or entry type, oversize fields, entries that do not
// continue the message's index or run ahead of its term) is rejected rather than handed to the core.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { emptyMessage, type RaftMessage } from '../core/types.js';
import { makeRun } from '../testing/entries.js';
import { contextSizeBytesMax } from './defaults.js';
import { decodeFrame, encodeFrame, toRaftMessage } from './message-codec.js';

const good: RaftMessage = {
  ...emptyMessage,
  type: 'append',
  from: 'n1',
  to: 'n2',
  term: 3,
  index: 4,
  logTerm: 2,
  entries: makeRun(5, 3, 3),
  commit: 4,
};

it('round-trips a well-formed message', () => {
  const decoded = toRaftMessage(decodeFrame(encodeFrame(good)));
  assert.ok(decoded !== null);
  assert.equal(decoded.entries.length, 3);
  assert.deepEqual(new Uint8Array(decoded.entries[2]?.data ?? []), good.entries[2]?.data);
  assert.deepEqual({ ...decoded, entries: [] }, { ...good, entries: [] });
});

const garbage: [string, unknown][] = [
  ['not an object', 42],
  ['unknown type', { ...good, type: 'install' }],
  ['negative term', { ...good, term: -1 }],
  ['fractional index', { ...good, index: 1.5 }],
  ['string commit', { ...good, commit: '4' }],
  ['empty sender', { ...good, from: '' }],
  ['entries not an array', { ...good, entries: {} }],
  ['entry with unknown type', { ...good, entries: [{ ...good.entries[0], type: 'weird' }] }],
  ['entry data not bytes', { ...good, entries: [{ ...good.entries[0], data: 'text' }] }],
  ['entries with a gap', { ...good, entries: [good.entries[0], good.entries[2]] }],
  ['entries not after index', { ...good, index: 2 }],
  ['entry term past the message term', { ...good, entries: makeRun(5, 1, 4) }],
  ['entries on a vote', { ...good, type: 'vote' }],
  ['snapshot message without metadata', { ...good, type: 'snapshot', entries: [] }],
  ['oversize context', { ...good, context: new Uint8Array(contextSizeBytesMax + 1) }],
  ['malformed snapshot metadata', { ...good, entries: [], snapshot: { index: 1, term: 1, conf: { voters: 'n1' } } }],
];

for (const [what, value] of garbage) {
  it(`rejects ${what}`, () => {
    assert.equal(toRaftMessage(decodeFrame(encodeFrame(value))), null);
  });
}
