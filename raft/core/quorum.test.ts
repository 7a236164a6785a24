// Proves the majority arithmetic with tables: committed index for odd and even voter sets, election results
// as votes arrive, and the active-quorum check.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { committedIndex, quorumActive, quorumSize, voteResult } from './quorum.js';

describe('quorum', () => {
  it('needs a strict majority', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(quorumSize), [1, 2, 2, 3, 3]);
  });

  const committedCases: [string, Record<string, number>, number][] = [
    ['one voter', { a: 7 }, 7],
    ['three voters', { a: 5, b: 3, c: 9 }, 5],
    ['four voters need three', { a: 5, b: 3, c: 9, d: 1 }, 3],
    ['five voters', { a: 1, b: 2, c: 3, d: 4, e: 5 }, 3],
  ];
  for (const [name, acked, expected] of committedCases) {
    it(`committed index: ${name}`, () => {
      const voters = new Set(Object.keys(acked));
      assert.equal(
        committedIndex(voters, (id) => acked[id] ?? 0),
        expected,
      );
    });
  }

  it('counts a voter without an ack as zero', () => {
    assert.equal(
      committedIndex(new Set(['a', 'b', 'c']), (id) => (id === 'a' ? 9 : 0)),
      0,
    );
  });

  it('decides elections as votes arrive', () => {
    const voters = new Set(['a', 'b', 'c']);
    const votes = new Map<string, boolean>([['a', true]]);
    assert.equal(voteResult(voters, votes), 'pending');
    votes.set('b', false);
    assert.equal(voteResult(voters, votes), 'pending');
    votes.set('c', true);
    assert.equal(voteResult(voters, votes), 'won');
    assert.equal(
      voteResult(
        voters,
        new Map([
          ['b', false],
          ['c', false],
        ]),
      ),
      'lost',
    );
    // Votes from non-voters do not count.
    assert.equal(
      voteResult(
        voters,
        new Map([
          ['x', true],
          ['y', true],
        ]),
      ),
      'pending',
    );
  });

  it('checks an active quorum', () => {
    const voters = new Set(['a', 'b', 'c', 'd', 'e']);
    assert.equal(
      quorumActive(voters, (id) => id < 'c'),
      false,
    );
    assert.equal(
      quorumActive(voters, (id) => id <= 'c'),
      true,
    );
  });
});
