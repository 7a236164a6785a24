// Proves the LogStore contract for the memory and level stores, that the level store shares one synced batch
// among concurrent appends (group commit), and that bytes flipped on disk surface as CorruptLogError, never as
// entries.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Entry } from '../core/types.js';
import { CorruptLogError } from '../errors.js';
import { makeRun } from '../testing/entries.js';
import { describeLogStoreContract } from '../testing/log-store-contract.js';
import { makeTempDir } from '../testing/temp-dir.js';
import { LevelLogStore } from './level-log-store.js';
import { MemoryLogStore } from './memory-log-store.js';

describeLogStoreContract(
  'memory',
  async () => {
    const store = new MemoryLogStore();
    return { store, dispose: () => store.close() };
  },
  { durable: false },
);

describeLogStoreContract('level', async () => {
  const dir = await makeTempDir();
  let store = await LevelLogStore.open(dir.path);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await LevelLogStore.open(dir.path);
      return store;
    },
    dispose: async () => {
      await store.close();
      await dir.remove();
    },
  };
});

/** Flips one byte inside `marker` wherever it occurs in the database files; returns how many places changed. */
async function flipMarker(path: string, marker: string): Promise<number> {
  let flipped = 0;
  for (const name of await readdir(path)) {
    const file = join(path, name);
    const bytes = await readFile(file);
    let position = bytes.indexOf(marker);
    while (position >= 0) {
      bytes[position + 2] = (bytes[position + 2] as number) ^ 0x20;
      flipped++;
      position = bytes.indexOf(marker, position + 1);
    }
    if (flipped > 0) await writeFile(file, bytes);
  }
  return flipped;
}

async function readEverything(path: string): Promise<Entry[]> {
  const store = await LevelLogStore.open(path);
  try {
    return await store.getEntries(store.firstIndex(), store.lastIndex() + 1);
  } finally {
    await store.close();
  }
}

describe('LevelLogStore', () => {
  it('shares synced batches among concurrent appends (group commit)', async () => {
    const dir = await makeTempDir();
    const store = await LevelLogStore.open(dir.path);
    try {
      await Promise.all(Array.from({ length: 200 }, (_, position) => store.storeEntries(makeRun(position + 1, 1))));
      const { batchCount, submitCount } = store.commitStats();
      assert.equal(submitCount, 200);
      assert.ok(batchCount < submitCount / 4, `expected shared batches, got ${batchCount} for ${submitCount}`);
    } finally {
      await store.close();
      await dir.remove();
    }
  });

  for (const reopenFirst of [false, true]) {
    it(`reports a flipped byte as CorruptLogError (${reopenFirst ? 'table file' : 'write-ahead log'})`, async () => {
      const dir = await makeTempDir();
      try {
        const store = await LevelLogStore.open(dir.path);
        for (let index = 1; index <= 20; index++) {
          const data = new TextEncoder().encode(index === 7 ? 'MARKER-seven-xxxxxxxxxxxxxxxx' : `plain-${index}`);
          await store.storeEntries([{ index, term: 1, type: 'normal', data }]);
        }
        await store.close();
        if (reopenFirst) await (await LevelLogStore.open(dir.path)).close();
        assert.ok((await flipMarker(dir.path, 'MARKER-seven')) > 0, 'marker not found on disk');
        await assert.rejects(readEverything(dir.path), CorruptLogError);
      } finally {
        await dir.remove();
      }
    });
  }
});
