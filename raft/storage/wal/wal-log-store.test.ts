// Proves the LogStore contract for the WAL (with segments big enough to hold a test, and so small that nearly
// every write cuts a new one), group commit, and that rotation, compaction, overwrites and truncation across
// segment boundaries all read back the same after a reopen.

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitForCondition } from '../../../lib/testing/wait.js';
import type { Entry } from '../../core/types.js';
import { makeEntries, makeRun } from '../../testing/entries.js';
import { describeLogStoreContract } from '../../testing/log-store-contract.js';
import { makeTempDir } from '../../testing/temp-dir.js';
import { WalLogStore } from './wal-log-store.js';

const smallSegmentBytes = 64 * 1024;
const tinySegmentBytes = 1024;

/** A store on a fresh directory, closed and removed by the returned cleanup. */
async function freshWal(segmentSizeBytes: number) {
  const dir = await makeTempDir();
  const walDir = join(dir.path, 'wal');
  let store = await WalLogStore.open(walDir, { segmentSizeBytes });
  return {
    walDir,
    store: () => store,
    reopen: async () => {
      await store.close();
      store = await WalLogStore.open(walDir, { segmentSizeBytes });
      return store;
    },
    dispose: async () => {
      await store.close();
      await dir.remove();
    },
  };
}

for (const segmentSizeBytes of [smallSegmentBytes, tinySegmentBytes]) {
  describeLogStoreContract(`wal (${segmentSizeBytes}-byte segments)`, async () => {
    const wal = await freshWal(segmentSizeBytes);
    return { store: wal.store(), reopen: wal.reopen, dispose: wal.dispose };
  });
}

async function readAll(store: WalLogStore): Promise<Entry[]> {
  return store.getEntries(store.firstIndex(), store.lastIndex() + 1);
}

/** An entry whose data is `sizeBytes` long and names its index and term. */
function bigEntry(index: number, term: number, sizeBytes: number): Entry {
  const data = new Uint8Array(sizeBytes).fill(index % 251);
  data.set(new TextEncoder().encode(`entry-${index}-term-${term}`));
  return { index, term, type: 'normal', data };
}

describe('WalLogStore', () => {
  it('shares synced writes among concurrent appends (group commit)', async () => {
    const wal = await freshWal(smallSegmentBytes);
    try {
      const appends = Array.from({ length: 200 }, (_, position) => wal.store().storeEntries(makeRun(position + 1, 1)));
      await Promise.all(appends);
      const { batchCount, submitCount } = wal.store().commitStats();
      assert.equal(submitCount, 200);
      assert.ok(batchCount < submitCount / 4, `expected shared writes, got ${batchCount} for ${submitCount}`);
      assert.deepEqual(await readAll(await wal.reopen()), makeRun(1, 200));
    } finally {
      await wal.dispose();
    }
  });

  it('rotates across many segments, compacts whole ones away, and reopens to the same log', async () => {
    const wal = await freshWal(tinySegmentBytes);
    try {
      const entries = Array.from({ length: 60 }, (_, position) => bigEntry(position + 1, 1, 200));
      for (const entry of entries) await wal.store().storeEntries([entry]);
      const before = wal.store().segmentCount();
      assert.ok(before >= 15, `expected many segments, got ${before}`);
      await wal.store().compact(40);
      const after = wal.store().segmentCount();
      assert.ok(after < before / 2, `compaction kept ${after} of ${before} segments`);
      assert.equal((await readdir(wal.walDir)).filter((name) => name.endsWith('.wal')).length, after);
      const reopened = await wal.reopen();
      assert.equal(reopened.firstIndex(), 41);
      assert.equal(reopened.lastIndex(), 60);
      assert.deepEqual(await readAll(reopened), entries.slice(40));
      await reopened.storeEntries([bigEntry(61, 2, 200)]);
      assert.deepEqual(await readAll(await wal.reopen()), [...entries.slice(40), bigEntry(61, 2, 200)]);
    } finally {
      await wal.dispose();
    }
  });

  it('keeps an overwrite and a truncation that cross segment boundaries across a reopen', async () => {
    const wal = await freshWal(tinySegmentBytes);
    try {
      for (let index = 1; index <= 30; index++) await wal.store().storeEntries([bigEntry(index, 1, 150)]);
      // Overwrite from 12 (several segments back) with term 2, then truncate from 20 (in an older segment).
      const overwrite = Array.from({ length: 15 }, (_, position) => bigEntry(12 + position, 2, 150));
      await wal.store().storeEntries(overwrite);
      assert.equal(wal.store().lastIndex(), 26);
      let reopened = await wal.reopen();
      const kept = Array.from({ length: 11 }, (_, position) => bigEntry(position + 1, 1, 150));
      assert.deepEqual(await readAll(reopened), [...kept, ...overwrite]);
      await reopened.truncateSuffix(8);
      reopened = await wal.reopen();
      assert.equal(reopened.lastIndex(), 7);
      assert.deepEqual(await readAll(reopened), kept.slice(0, 7));
      await reopened.storeEntries([bigEntry(8, 3, 150)]);
      reopened = await wal.reopen();
      assert.deepEqual(await readAll(reopened), [...kept.slice(0, 7), bigEntry(8, 3, 150)]);
    } finally {
      await wal.dispose();
    }
  });

  it('takes an entry bigger than a segment, and a compaction past the end (snapshot installed)', async () => {
    const wal = await freshWal(tinySegmentBytes);
    try {
      await wal.store().storeEntries(makeEntries(1, [1, 1]));
      const big = bigEntry(3, 1, 5 * tinySegmentBytes);
      await wal.store().storeEntries([big]);
      await wal.store().storeEntries([bigEntry(4, 1, 100)]);
      assert.deepEqual(await readAll(await wal.reopen()), [...makeEntries(1, [1, 1]), big, bigEntry(4, 1, 100)]);
      await wal.store().compact(100);
      assert.equal(wal.store().segmentCount(), 1);
      await wal.store().storeEntries(makeRun(101, 3, 5));
      const reopened = await wal.reopen();
      assert.equal(reopened.firstIndex(), 101);
      assert.deepEqual(await readAll(reopened), makeRun(101, 3, 5));
    } finally {
      await wal.dispose();
    }
  });

  it('prepares the next segment in the background and keeps a whole spare for the next open', async () => {
    const wal = await freshWal(smallSegmentBytes);
    const spares = async () => (await readdir(wal.walDir)).filter((name) => !name.endsWith('.wal'));
    try {
      await waitForCondition(async () => (await spares()).some((name) => name.endsWith('.ready')), 'a ready spare');
      const [ready] = await spares();
      await wal.reopen();
      assert.deepEqual(await spares(), [ready], 'the ready spare is kept, not rebuilt');
      // Filling the first segment cuts the second from the spare; a new spare is prepared after it.
      for (let index = 1; wal.store().segmentCount() < 2; index++) {
        await wal.store().storeEntries([bigEntry(index, 1, 4000)]);
      }
      assert.equal((await spares()).includes(ready as string), false);
      await waitForCondition(async () => (await spares()).some((name) => name.endsWith('.ready')), 'the next spare');
    } finally {
      await wal.dispose();
    }
  });
});
