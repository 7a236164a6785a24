// Proves startup recovery: a fresh node bootstraps the voter list into its log, a restart restores the newest
// snapshot and loads the log tail after it, a corrupt newest snapshot is skipped for the one before, and a log
// that no usable snapshot covers is reported as CorruptLogError instead of being replayed with a hole.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { silentLogger } from '../lib/log.js';
import { CorruptLogError } from './errors.js';
import { validateRaftNodeConfig } from './node-config.js';
import { recoverState } from './recovery.js';
import { MemoryLogStore } from './storage/memory-log-store.js';
import { MemorySnapshotStore } from './storage/memory-snapshot-store.js';
import { MemoryStableStore } from './storage/memory-stable-store.js';
import { makeRun } from './testing/entries.js';
import { KvFsm } from './testing/kv-fsm.js';
import { makeMeta } from './testing/snapshot-store-contract.js';

const config = validateRaftNodeConfig({ id: 'n1' });

async function storeSnapshot(store: MemorySnapshotStore, index: number, state: Record<string, string>) {
  const sink = await store.create(makeMeta(index, 1));
  await sink.write(new TextEncoder().encode(JSON.stringify(Object.entries(state))));
  return sink.close();
}

async function storesWithHistory() {
  const logStore = new MemoryLogStore();
  await logStore.storeEntries(makeRun(1, 12));
  await logStore.compact(5);
  const stableStore = new MemoryStableStore();
  await stableStore.setHardState({ term: 1, vote: 'n1', commit: 12 });
  const snapshotStore = new MemorySnapshotStore();
  await storeSnapshot(snapshotStore, 5, { a: 'five' });
  const newest = await storeSnapshot(snapshotStore, 10, { a: 'ten' });
  return { logStore, stableStore, snapshotStore, newest };
}

it('bootstraps the voter list into empty stores', async () => {
  const stores = {
    logStore: new MemoryLogStore(),
    stableStore: new MemoryStableStore(),
    snapshotStore: new MemorySnapshotStore(),
  };
  const bootstrap = [
    { id: 'n1', address: 'a:1' },
    { id: 'n2', address: 'b:1' },
  ];
  const recovered = await recoverState(
    stores,
    new KvFsm(),
    validateRaftNodeConfig({ id: 'n1', bootstrap }),
    silentLogger(),
  );
  assert.equal(stores.logStore.lastIndex(), 2);
  assert.equal(recovered.storage.lastIndex(), 2);
  assert.deepEqual(await stores.stableStore.getHardState(), { term: 1, vote: null, commit: 2 });
});

it('restores the newest snapshot and loads the log tail after it', async () => {
  const stores = await storesWithHistory();
  const fsm = new KvFsm();
  const recovered = await recoverState(stores, fsm, config, silentLogger());
  assert.equal(fsm.get('a'), 'ten');
  assert.equal(recovered.appliedIndex, 10);
  assert.equal(recovered.storage.firstIndex(), 11);
  assert.equal(recovered.storage.lastIndex(), 12);
  assert.equal(recovered.hardState.commit, 12);
});

it('skips a corrupt newest snapshot for the one before it', async () => {
  const stores = await storesWithHistory();
  stores.snapshotStore.corruptForTest(stores.newest.id);
  const fsm = new KvFsm();
  const recovered = await recoverState(stores, fsm, config, silentLogger());
  assert.equal(fsm.get('a'), 'five');
  assert.equal(recovered.appliedIndex, 5);
  assert.equal(recovered.storage.firstIndex(), 6);
});

it('reports a log that no usable snapshot covers', async () => {
  const stores = await storesWithHistory();
  await stores.logStore.compact(10);
  stores.snapshotStore.corruptForTest(stores.newest.id);
  await assert.rejects(recoverState(stores, new KvFsm(), config, silentLogger()), CorruptLogError);
});

it('reports a commit index past the end of the log', async () => {
  const stores = await storesWithHistory();
  await stores.stableStore.setHardState({ term: 1, vote: 'n1', commit: 40 });
  await assert.rejects(recoverState(stores, new KvFsm(), config, silentLogger()), CorruptLogError);
});
