// Proves blockingQuery follows Consul's blocking semantics on a ManualClock (no real waiting): an answer at once
// when the index is above the client's, a wait that only a change to the read's own data ends, a timeout that
// returns the unchanged answer, an index never below 1, a restore that ends the wait, and an abort that leaves
// no watcher or timer behind.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { AbortError } from '../lib/errors.js';
import { SeededRand } from '../lib/rand.js';
import { checkServiceNodes, ensureRegistration, StateStore } from './state/index.js';
import { serviceRegistration } from './state/testing/fixtures.js';
import { blockingQuery, blockingWaitMs, queryWaitMsDefault, queryWaitMsMax } from './state-watch.js';

/** Lets resolved promises and their continuations run (event-loop turn, not a timed wait). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(): { store: StateStore; clock: ManualClock } {
  const store = new StateStore();
  ensureRegistration(store, 5, serviceRegistration('n1', { Service: 'web' }));
  ensureRegistration(store, 6, serviceRegistration('n1', { Service: 'db' }));
  return { store, clock: new ManualClock() };
}

function track<T>(promise: Promise<T>): { readonly done: () => boolean; readonly promise: Promise<T> } {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { done: () => done, promise };
}

describe('blockingQuery', () => {
  it('answers at once without an index, raising index 0 to 1', async () => {
    const store = new StateStore();
    const answer = await blockingQuery({
      store,
      clock: new ManualClock(),
      minIndex: 0,
      waitMs: 1000,
      run: () => checkServiceNodes(store, 'web'),
    });
    assert.equal(answer.index, 1);
    assert.deepEqual(answer.value, []);
  });

  it('answers at once when the index is above the client index', async () => {
    const { store, clock } = setup();
    const answer = await blockingQuery({
      store,
      clock,
      minIndex: 4,
      waitMs: 1000,
      run: () => checkServiceNodes(store, 'web'),
    });
    assert.equal(answer.index, 5);
    assert.equal(answer.runs, 1);
  });

  it('waits through changes to other services and returns on a change to its own', async () => {
    const { store, clock } = setup();
    const query = track(
      blockingQuery({ store, clock, minIndex: 5, waitMs: 60_000, run: () => checkServiceNodes(store, 'web') }),
    );
    await settle();
    ensureRegistration(store, 7, serviceRegistration('n1', { Service: 'db', Port: 1 }));
    await settle();
    assert.equal(query.done(), false, 'a db write does not end a web query');
    ensureRegistration(store, 8, serviceRegistration('n1', { Service: 'web', Port: 2 }));
    const answer = await query.promise;
    assert.equal(answer.index, 8);
    assert.equal(answer.value[0]?.Service.Port, 2);
    assert.equal(answer.runs, 2);
    assert.equal(store.watcherCount, 0);
    assert.equal(clock.pendingTimerCount(), 0);
  });

  it('returns the unchanged answer when the wait ends', async () => {
    const { store, clock } = setup();
    const query = track(
      blockingQuery({ store, clock, minIndex: 5, waitMs: 30_000, run: () => checkServiceNodes(store, 'web') }),
    );
    await settle();
    clock.advance(29_999);
    await settle();
    assert.equal(query.done(), false);
    clock.advance(1);
    const answer = await query.promise;
    assert.equal(answer.index, 5);
    assert.equal(answer.runs, 1);
    assert.equal(store.watcherCount, 0);
  });

  it('keeps waiting, within the first deadline, when a wake-up leaves the index at or below the client index', async () => {
    const { store, clock } = setup();
    // The client's index came from elsewhere (another server, before a restore): above anything here.
    const query = track(
      blockingQuery({ store, clock, minIndex: 100, waitMs: 10_000, run: () => checkServiceNodes(store, 'web') }),
    );
    await settle();
    clock.advance(4000);
    ensureRegistration(store, 9, serviceRegistration('n1', { Service: 'web', Port: 9 }));
    await settle();
    assert.equal(query.done(), false);
    clock.advance(6000);
    const answer = await query.promise;
    assert.equal(answer.runs, 2);
    assert.equal(answer.index, 9, "the store's own index, which the client treats as going backwards");
    assert.equal(answer.value[0]?.Service.Port, 9);
  });

  it('ends the wait on a restore with the restored answer', async () => {
    const { store, clock } = setup();
    const query = track(
      blockingQuery({ store, clock, minIndex: 5, waitMs: 10_000, run: () => checkServiceNodes(store, 'web') }),
    );
    await settle();
    store.restore({ tables: [], indexes: [] });
    const answer = await query.promise;
    assert.equal(answer.index, 1);
    assert.deepEqual(answer.value, []);
  });

  it('rejects on abort and leaves no watcher or timer', async () => {
    const { store, clock } = setup();
    const controller = new AbortController();
    const query = blockingQuery({
      store,
      clock,
      minIndex: 5,
      waitMs: 10_000,
      signal: controller.signal,
      run: () => checkServiceNodes(store, 'web'),
    });
    await settle();
    assert.equal(store.watcherCount, 1);
    controller.abort();
    await assert.rejects(query, AbortError);
    assert.equal(store.watcherCount, 0);
    assert.equal(clock.pendingTimerCount(), 0);
  });

  it('wakes a thousand watchers of one service with one write and none of another', async () => {
    const { store, clock } = setup();
    const run = (name: string) => () => checkServiceNodes(store, name);
    const web = Array.from({ length: 1000 }, () =>
      track(blockingQuery({ store, clock, minIndex: 5, waitMs: 60_000, run: run('web') })),
    );
    const db = track(blockingQuery({ store, clock, minIndex: 6, waitMs: 60_000, run: run('db') }));
    await settle();
    ensureRegistration(store, 10, serviceRegistration('n1', { Service: 'web', Port: 3 }));
    const answers = await Promise.all(web.map((query) => query.promise));
    assert.ok(answers.every((answer) => answer.index === 10 && answer.runs === 2));
    assert.equal(db.done(), false);
    assert.equal(store.watcherCount, 1);
    clock.advance(60_000);
    assert.equal((await db.promise).index, 6);
  });
});

describe('blockingWaitMs', () => {
  const rand = new SeededRand(7);
  const table: [string, number | undefined, number, number][] = [
    ['absent → default', undefined, queryWaitMsDefault, queryWaitMsDefault * (1 + 1 / 16)],
    ['zero → default', 0, queryWaitMsDefault, queryWaitMsDefault * (1 + 1 / 16)],
    ['30s', 30_000, 30_000, 30_000 * (1 + 1 / 16)],
    ['capped at 10 min', 3_600_000, queryWaitMsMax, queryWaitMsMax * (1 + 1 / 16)],
  ];
  for (const [what, requested, low, high] of table) {
    it(what, () => {
      for (let round = 0; round < 50; round++) {
        const waitMs = blockingWaitMs(requested, rand);
        assert.ok(waitMs >= low && waitMs <= high, `${waitMs} within [${low}, ${high}]`);
      }
    });
  }
});
