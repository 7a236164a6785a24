// Proves the StableStore contract for the memory and level stores, and that a flipped byte in the level store's
// hard state surfaces as CorruptStableStoreError.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { CorruptStableStoreError } from '../errors.js';
import { describeStableStoreContract } from '../testing/stable-store-contract.js';
import { makeTempDir } from '../testing/temp-dir.js';
import { LevelStableStore } from './level-stable-store.js';
import { MemoryStableStore } from './memory-stable-store.js';

describeStableStoreContract(
  'memory',
  async () => {
    const store = new MemoryStableStore();
    return { store, dispose: () => store.close() };
  },
  { durable: false },
);

describeStableStoreContract('level', async () => {
  const dir = await makeTempDir();
  let store = await LevelStableStore.open(dir.path);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await LevelStableStore.open(dir.path);
      return store;
    },
    dispose: async () => {
      await store.close();
      await dir.remove();
    },
  };
});

it('LevelStableStore reports a flipped byte in the hard state as CorruptStableStoreError', async () => {
  const dir = await makeTempDir();
  try {
    const store = await LevelStableStore.open(dir.path);
    await store.setHardState({ term: 12345, vote: 'voter-marker', commit: 1 });
    await store.close();
    let flipped = 0;
    for (const name of await readdir(dir.path)) {
      const bytes = await readFile(join(dir.path, name));
      const position = bytes.indexOf('voter-marker');
      if (position < 0) continue;
      bytes[position] = (bytes[position] as number) ^ 0x01;
      await writeFile(join(dir.path, name), bytes);
      flipped++;
    }
    assert.ok(flipped > 0);
    const reopened = await LevelStableStore.open(dir.path).catch((error: unknown) => error);
    // LevelDB itself may drop the record on recovery (caught at open) or hand it to us (caught by our checksum).
    if (reopened instanceof LevelStableStore) {
      await assert.rejects(reopened.getHardState(), CorruptStableStoreError);
      await reopened.close();
    } else {
      assert.ok(reopened instanceof CorruptStableStoreError, `unexpected: ${String(reopened)}`);
      await assert.rejects(LevelStableStore.open(dir.path), CorruptStableStoreError);
    }
  } finally {
    await dir.remove();
  }
});
