// Proves the blocking value behind the agent's Connect caches on a ManualClock: a read with no index or a stale one
// answers at once, a read at the current index waits for the next `set` or for its wait to run out, an index ahead
// of the value (after a restore) answers at once, a first read gives up with ERR_TIMEOUT when no value comes, and an
// aborted read rejects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { Versioned } from './versioned.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Versioned', () => {
  it('blocks at the current index until a change or the wait runs out', async () => {
    const clock = new ManualClock();
    const value = new Versioned<string>(clock, 'test value');
    value.set('a', 5);
    assert.deepEqual(await value.wait(0, 1_000), { value: 'a', index: 5 });
    assert.deepEqual(await value.wait(3, 1_000), { value: 'a', index: 5 });
    assert.deepEqual(await value.wait(9, 1_000), { value: 'a', index: 5 }, 'an index ahead resets');
    let answer: unknown = null;
    const waiting = value.wait(5, 1_000).then((result) => {
      answer = result;
    });
    await turn();
    assert.equal(answer, null);
    value.set('b', 6);
    await waiting;
    assert.deepEqual(answer, { value: 'b', index: 6 });
    const timedOut = value.wait(6, 1_000);
    await turn();
    clock.advance(1_000);
    assert.deepEqual(await timedOut, { value: 'b', index: 6 });
  });

  it('gives up on a first value after its bound, and rejects an aborted read', async () => {
    const clock = new ManualClock();
    const value = new Versioned<string>(clock, 'test value', 10_000);
    const first = value.wait(0, 1_000);
    clock.advance(10_000);
    await assert.rejects(first, { code: 'ERR_TIMEOUT', message: /no test value from the servers/ });
    value.set('a', 1);
    const controller = new AbortController();
    const waiting = value.wait(1, 60_000, controller.signal);
    controller.abort();
    await assert.rejects(waiting, { code: 'ERR_ABORTED' });
  });
});
