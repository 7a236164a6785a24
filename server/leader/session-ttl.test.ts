// Proves the leader's session TTL timers on a ManualClock: a session is invalidated through Raft only after
// TTL × 2 without renewal, a renewal restarts the wait, destroy clears the timer, timers exist only while
// leading (start arms every TTL session in the store, stop cancels all), and a failed invalidation is retried after Consul's 10 s × attempt.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { applyCommand, type Command } from '../fsm/index.js';
import { ensureRegistration } from '../state/catalog-ops.js';
import { sessionApply } from '../state/kv-apply.js';
import { sessionGet } from '../state/kv-reads.js';
import { StateStore } from '../state/store.js';
import { nodeRegistration } from '../state/testing/fixtures.js';
import { SessionTtlTimers } from './session-ttl.js';

function fixture(failures = 0) {
  const clock = new ManualClock();
  const store = new StateStore();
  ensureRegistration(store, 1, nodeRegistration('n1'));
  let index = 1;
  let failuresLeft = failures;
  const applied: Command[] = [];
  const timers = new SessionTtlTimers({
    clock,
    log: silentLogger(),
    store,
    apply: async (command) => {
      if (failuresLeft-- > 0) throw new Error('no quorum');
      applied.push(command);
      return applyCommand(store, ++index, command);
    },
  });
  const create = (id: string, ttl: string): void => {
    sessionApply(store, ++index, { Op: 'create', Session: { ID: id, Node: 'n1', NodeChecks: [], TTL: ttl } });
  };
  const settle = async (): Promise<void> => {
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
  };
  return { clock, store, timers, applied, create, settle };
}

describe('SessionTtlTimers', () => {
  it('invalidates after twice the TTL, not before', async () => {
    const { clock, store, timers, create, settle } = fixture();
    timers.start();
    create('s1', '10s');
    timers.reset({ ID: 's1', TTL: '10s' });
    clock.advance(19_999);
    await settle();
    assert.notEqual(sessionGet(store, 's1').value, null);
    clock.advance(1);
    await settle();
    assert.equal(sessionGet(store, 's1').value, null);
  });

  it('a renewal restarts the wait; clear drops the timer', async () => {
    const { clock, store, timers, create, settle } = fixture();
    timers.start();
    create('s1', '10s');
    timers.reset({ ID: 's1', TTL: '10s' });
    clock.advance(15_000);
    timers.reset({ ID: 's1', TTL: '10s' });
    clock.advance(15_000);
    await settle();
    assert.notEqual(sessionGet(store, 's1').value, null, 'renewed 15 s ago, 20 s allowed');
    timers.clear('s1');
    clock.advance(60_000);
    await settle();
    assert.notEqual(sessionGet(store, 's1').value, null);
    assert.equal(timers.activeCount, 0);
  });

  it('arms every TTL session on start, none without a TTL, and nothing while not leading', async () => {
    const { clock, store, timers, create, settle } = fixture();
    create('s1', '10s');
    create('s2', '');
    timers.reset({ ID: 's1', TTL: '10s' });
    assert.equal(timers.activeCount, 0, 'not leading: no timers');
    timers.start();
    assert.equal(timers.activeCount, 1);
    timers.stop();
    clock.advance(60_000);
    await settle();
    assert.notEqual(sessionGet(store, 's1').value, null, 'a stopped leader invalidates nothing');
  });

  it('retries a failed invalidation', async () => {
    const { clock, store, timers, create, settle, applied } = fixture(1);
    timers.start();
    create('s1', '10s');
    timers.reset({ ID: 's1', TTL: '10s' });
    clock.advance(20_000);
    await settle();
    assert.notEqual(sessionGet(store, 's1').value, null);
    clock.advance(9_999);
    await settle();
    assert.notEqual(sessionGet(store, 's1').value, null, 'the first retry waits 10 s');
    clock.advance(1);
    await settle();
    assert.equal(sessionGet(store, 's1').value, null);
    assert.equal(applied.length, 1);
  });
});

describe('SessionTtlTimers following the sessions table', () => {
  it('arms a TTL session written without a reset (a restore) and drops the timer of a destroyed one', async () => {
    const { clock, store, timers, create, settle } = fixture();
    timers.start();
    create('restored', '10s');
    assert.equal(timers.activeCount, 1, 'armed from the table change');
    sessionApply(store, 100, { Op: 'destroy', Session: { ID: 'restored' } });
    assert.equal(timers.activeCount, 0);
    create('later', '10s');
    clock.advance(20_000);
    await settle();
    assert.equal(sessionGet(store, 'later').value, null);
  });
});
