// Proves the SnapshotStore contract for the memory and file stores, and that the file store skips torn snapshots
// (missing or mangled metadata, leftover temp dirs) when listing.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { CorruptSnapshotError } from '../errors.js';
import { describeSnapshotStoreContract, makeMeta } from '../testing/snapshot-store-contract.js';
import { makeTempDir } from '../testing/temp-dir.js';
import { FileSnapshotStore } from './file-snapshot-store.js';
import { MemorySnapshotStore } from './memory-snapshot-store.js';
import { readAll } from './snapshot-store.js';

describeSnapshotStoreContract(
  'memory',
  async () => {
    const store = new MemorySnapshotStore();
    return { store, corrupt: async (id) => store.corruptForTest(id), dispose: async () => undefined };
  },
  { durable: false },
);

describeSnapshotStoreContract('file', async () => {
  const dir = await makeTempDir();
  return {
    store: await FileSnapshotStore.open(dir.path),
    corrupt: async (id) => {
      const file = join(dir.path, id, 'state.bin');
      const bytes = await readFile(file);
      bytes[100] = (bytes[100] as number) ^ 0xff;
      await writeFile(file, bytes);
    },
    reopen: () => FileSnapshotStore.open(dir.path),
    dispose: () => dir.remove(),
  };
});

it('FileSnapshotStore skips torn snapshots and removes temp dirs on open', async () => {
  const dir = await makeTempDir();
  try {
    const store = await FileSnapshotStore.open(dir.path);
    const sink = await store.create(makeMeta(7, 1));
    await sink.write(Uint8Array.of(1, 2, 3));
    const good = await sink.close();
    await mkdir(join(dir.path, '1-9-0-0000'));
    await writeFile(join(dir.path, '1-9-0-0000', 'state.bin'), 'no meta');
    await mkdir(join(dir.path, '1-10-0-0000'));
    await writeFile(join(dir.path, '1-10-0-0000', 'meta.json'), '{"id":"1-10-0-0000","meta":');
    await mkdir(join(dir.path, '1-11-0-0000.tmp'));
    const metaPath = join(dir.path, good.id, 'meta.json');
    const reopened = await FileSnapshotStore.open(dir.path);
    assert.deepEqual(await reopened.list(), [good]);
    // A truncated data file fails the size check at the end of the stream.
    await writeFile(join(dir.path, good.id, 'state.bin'), Uint8Array.of(1, 2));
    await assert.rejects(readAll((await reopened.open(good.id)).chunks), CorruptSnapshotError);
    // Metadata whose own checksum fails is skipped.
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { sizeBytes: number };
    meta.sizeBytes = 2;
    await writeFile(metaPath, JSON.stringify(meta));
    assert.deepEqual(await reopened.list(), []);
  } finally {
    await dir.remove();
  }
});
