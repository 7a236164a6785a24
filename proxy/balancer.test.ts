// Proves the balancer and the retry decision are pure tables: round-robin rotates and skips tried endpoints,
// least-connections picks the least loaded with ties broken by the cursor, and retries stop at the bound.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pick } from './balancer.js';
import { shouldRetryConnect } from './retry.js';

const keys = ['a', 'b', 'c'];
const none = new Set<string>();
const idle = new Map<string, number>();

describe('pick', () => {
  it('rotates round-robin through every endpoint', () => {
    let cursor = 0;
    const seen: string[] = [];
    for (let turn = 0; turn < 4; turn += 1) {
      const result = pick({ policy: 'round-robin', keys, excluded: none, active: idle, cursor });
      seen.push(keys[result.position!]!);
      cursor = result.cursor;
    }
    assert.deepEqual(seen, ['a', 'b', 'c', 'a']);
  });

  it('skips endpoints this connection already tried', () => {
    const result = pick({ policy: 'round-robin', keys, excluded: new Set(['a', 'b']), active: idle, cursor: 0 });
    assert.equal(result.position, 2);
  });

  it('answers null when nothing is left', () => {
    assert.equal(pick({ policy: 'round-robin', keys: [], excluded: none, active: idle, cursor: 5 }).position, null);
    const all = new Set(keys);
    assert.equal(pick({ policy: 'least-connections', keys, excluded: all, active: idle, cursor: 0 }).position, null);
  });

  it('picks the least loaded endpoint, ties from the cursor', () => {
    const active = new Map([
      ['a', 3],
      ['b', 1],
      ['c', 1],
    ]);
    assert.equal(pick({ policy: 'least-connections', keys, excluded: none, active, cursor: 0 }).position, 1);
    assert.equal(pick({ policy: 'least-connections', keys, excluded: none, active, cursor: 2 }).position, 2);
    assert.equal(
      pick({ policy: 'least-connections', keys, excluded: new Set(['b', 'c']), active, cursor: 0 }).position,
      0,
    );
  });
});

describe('shouldRetryConnect', () => {
  const table = [
    { attempt: 1, attemptsMax: 3, failure: 'connect-failed', retry: true },
    { attempt: 2, attemptsMax: 3, failure: 'connect-timeout', retry: true },
    { attempt: 1, attemptsMax: 3, failure: 'peer-rejected', retry: true },
    { attempt: 3, attemptsMax: 3, failure: 'connect-failed', retry: false },
    { attempt: 1, attemptsMax: 3, failure: 'cancelled', retry: false },
    { attempt: 1, attemptsMax: 3, failure: 'no-credentials', retry: false },
  ] as const;
  for (const row of table) {
    it(`${row.failure} after attempt ${row.attempt} of ${row.attemptsMax} → ${row.retry}`, () => {
      assert.equal(shouldRetryConnect(row), row.retry);
    });
  }
});
