// The LogStore contract: every implementation (memory, level, wal) must pass these cases, which pin down appends,
// overwrites, truncation, compaction and restart. `open` returns a fresh store; `reopen`, when given, closes
// and reopens the same store to prove durability.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AssertionError } from '../../lib/assert.js';
import { LogCompactedError } from '../errors.js';
import type { LogStore } from '../storage/log-store.js';
import { makeEntries, makeRun } from './entries.js';

export interface LogStoreHarness {
  readonly store: LogStore;
  /** Closes and reopens the same underlying storage; undefined for stores that are not durable. */
  readonly reopen?: () => Promise<LogStore>;
  readonly dispose: () => Promise<void>;
}

/** `durable: false` (memory implementations) leaves out the restart cases, which only a disk store can pass. */
export function describeLogStoreContract(
  name: string,
  open: () => Promise<LogStoreHarness>,
  options: { readonly durable: boolean } = { durable: true },
): void {
  describe(`LogStore contract: ${name}`, () => {
    const harnesses: LogStoreHarness[] = [];
    const fresh = async (): Promise<LogStoreHarness> => {
      const harness = await open();
      harnesses.push(harness);
      return harness;
    };
    after(async () => {
      for (const harness of harnesses) await harness.dispose();
    });

    it('starts empty at index 1', async () => {
      const { store } = await fresh();
      assert.equal(store.firstIndex(), 1);
      assert.equal(store.lastIndex(), 0);
      assert.deepEqual(await store.getEntries(1, 1), []);
    });

    it('reads back a range exactly as appended', async () => {
      const { store } = await fresh();
      const entries = makeEntries(1, [1, 1, 2, 3]);
      await store.storeEntries(entries);
      assert.equal(store.lastIndex(), 4);
      assert.deepEqual(await store.getEntries(1, 5), entries);
      assert.deepEqual(await store.getEntries(2, 4), entries.slice(1, 3));
    });

    it('rejects an append that leaves a gap', async () => {
      const { store } = await fresh();
      await store.storeEntries(makeRun(1, 3));
      await assert.rejects(store.storeEntries(makeRun(5, 1)), AssertionError);
      assert.equal(store.lastIndex(), 3);
    });

    it('rejects entries that are not contiguous', async () => {
      const { store } = await fresh();
      const entries = [...makeRun(1, 2), ...makeRun(4, 1)];
      await assert.rejects(store.storeEntries(entries), AssertionError);
    });

    it('overwrites a conflicting suffix and drops what followed it', async () => {
      const { store } = await fresh();
      await store.storeEntries(makeEntries(1, [1, 1, 1, 1, 1]));
      await store.storeEntries(makeEntries(3, [2]));
      assert.equal(store.lastIndex(), 3);
      assert.deepEqual(await store.getEntries(1, 4), [...makeEntries(1, [1, 1]), ...makeEntries(3, [2])]);
      await store.storeEntries(makeEntries(4, [2, 2]));
      assert.deepEqual(
        (await store.getEntries(1, 6)).map((entry) => entry.term),
        [1, 1, 2, 2, 2],
      );
    });

    it('truncates a suffix', async () => {
      const { store } = await fresh();
      await store.storeEntries(makeRun(1, 5));
      await store.truncateSuffix(3);
      assert.equal(store.lastIndex(), 2);
      await store.storeEntries(makeRun(3, 1, 7));
      assert.equal((await store.getEntries(3, 4))[0]?.term, 7);
    });

    it('compacts a prefix and refuses reads below the first index', async () => {
      const { store } = await fresh();
      await store.storeEntries(makeRun(1, 10));
      await store.compact(4);
      assert.equal(store.firstIndex(), 5);
      assert.equal(store.lastIndex(), 10);
      await assert.rejects(store.getEntries(3, 6), LogCompactedError);
      assert.deepEqual(await store.getEntries(5, 11), makeRun(5, 6));
      await assert.rejects(store.storeEntries(makeRun(4, 1)), AssertionError);
    });

    it('restarts empty after a compaction past its last index (snapshot installed)', async () => {
      const { store } = await fresh();
      await store.storeEntries(makeRun(1, 3));
      await store.compact(100);
      assert.equal(store.firstIndex(), 101);
      assert.equal(store.lastIndex(), 100);
      await store.storeEntries(makeRun(101, 2));
      assert.deepEqual(await store.getEntries(101, 103), makeRun(101, 2));
    });

    it('keeps every concurrent append, in order', async () => {
      const { store } = await fresh();
      const appends = [];
      for (let index = 1; index <= 50; index++) appends.push(store.storeEntries(makeRun(index, 1)));
      await Promise.all(appends);
      assert.equal(store.lastIndex(), 50);
      assert.deepEqual(await store.getEntries(1, 51), makeRun(1, 50));
    });

    const durableIt = options.durable ? it : (_title: string, _body: unknown) => undefined;
    durableIt('keeps appends, overwrites and compaction across a restart', async () => {
      const harness = await fresh();
      assert.ok(harness.reopen, 'a durable store harness must offer reopen');
      await harness.store.storeEntries(makeEntries(1, [1, 1, 1, 1, 1, 1]));
      await harness.store.storeEntries(makeEntries(5, [2]));
      await harness.store.compact(2);
      const reopened = await harness.reopen();
      assert.equal(reopened.firstIndex(), 3);
      assert.equal(reopened.lastIndex(), 5);
      assert.deepEqual(await reopened.getEntries(3, 6), [...makeEntries(3, [1, 1]), ...makeEntries(5, [2])]);
    });

    durableIt('keeps a truncation and a compaction past the end (snapshot installed) across restarts', async () => {
      const harness = await fresh();
      assert.ok(harness.reopen, 'a durable store harness must offer reopen');
      await harness.store.storeEntries(makeRun(1, 8));
      await harness.store.truncateSuffix(6);
      let reopened = await harness.reopen();
      assert.equal(reopened.lastIndex(), 5);
      assert.deepEqual(await reopened.getEntries(1, 6), makeRun(1, 5));
      await reopened.compact(20);
      reopened = await harness.reopen();
      assert.equal(reopened.firstIndex(), 21);
      assert.equal(reopened.lastIndex(), 20);
      await reopened.storeEntries(makeRun(21, 2, 3));
      reopened = await harness.reopen();
      assert.deepEqual(await reopened.getEntries(21, 23), makeRun(21, 2, 3));
    });
  });
}
