// Proves single-server membership: changes validate against the current configuration, take effect when
// appended, roll back when a follower's log is truncated, and round-trip through the entry codec.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyConfChange,
  confChangeProblem,
  confStateOf,
  decodeConfChange,
  encodeConfChange,
  MembershipHistory,
  membershipFromConfState,
} from './membership.js';
import type { ConfChange, Entry } from './types.js';

const base = membershipFromConfState(0, { voters: ['a', 'b'], learners: [] }, { a: 'a:1', b: 'b:1' });
const confEntry = (index: number, change: ConfChange): Entry => ({
  index,
  term: 1,
  type: 'conf-change',
  data: encodeConfChange(change),
});

describe('membership', () => {
  it('round-trips a conf change', () => {
    const change: ConfChange = { type: 'add-learner', nodeId: 'c', address: 'c:1' };
    assert.deepEqual(decodeConfChange(encodeConfChange(change)), change);
  });

  it('validates changes against the configuration', () => {
    assert.match(confChangeProblem(base, { type: 'add-voter', nodeId: 'a', address: '' }) ?? '', /already a voter/);
    assert.match(confChangeProblem(base, { type: 'remove', nodeId: 'z', address: '' }) ?? '', /not a member/);
    const single = membershipFromConfState(0, { voters: ['a'], learners: [] }, {});
    assert.match(confChangeProblem(single, { type: 'remove', nodeId: 'a', address: '' }) ?? '', /last voter/);
    assert.equal(confChangeProblem(base, { type: 'add-learner', nodeId: 'c', address: 'c:1' }), null);
  });

  it('adds a learner, promotes it and removes it', () => {
    let current = applyConfChange(base, { type: 'add-learner', nodeId: 'c', address: 'c:1' }, 1);
    assert.deepEqual(confStateOf(current), { voters: ['a', 'b'], learners: ['c'] });
    current = applyConfChange(current, { type: 'add-voter', nodeId: 'c', address: 'c:1' }, 2);
    assert.deepEqual(confStateOf(current), { voters: ['a', 'b', 'c'], learners: [] });
    current = applyConfChange(current, { type: 'remove', nodeId: 'c', address: '' }, 3);
    assert.deepEqual(confStateOf(current), { voters: ['a', 'b'], learners: [] });
    assert.equal(current.addresses['c'], undefined);
  });

  it('applies on append and rolls back on truncation', () => {
    const history = new MembershipHistory(base);
    assert.equal(history.onAppend([confEntry(5, { type: 'add-voter', nodeId: 'c', address: 'c:1' })]), true);
    assert.equal(history.current().voters.has('c'), true);
    assert.equal(history.at(4).voters.has('c'), false);
    // A new leader overwrites index 5 with a normal entry: the change is gone.
    const normal: Entry = { index: 5, term: 2, type: 'normal', data: new Uint8Array(0) };
    assert.equal(history.onAppend([normal]), true);
    assert.equal(history.current().voters.has('c'), false);
  });
});
