// The SnapshotStore contract: snapshots read back byte for byte with their metadata, list newest first, only the
// retained ones survive, a cancelled sink leaves nothing, and corruption surfaces as CorruptSnapshotError.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SnapshotMeta } from '../core/types.js';
import { CorruptSnapshotError, SnapshotNotFoundError } from '../errors.js';
import { readAll, type SnapshotStore } from '../storage/snapshot-store.js';

export interface SnapshotStoreHarness {
  readonly store: SnapshotStore;
  /** Flips a byte of the stored data of snapshot `id`. */
  readonly corrupt: (id: string) => Promise<void>;
  readonly reopen?: () => Promise<SnapshotStore>;
  readonly dispose: () => Promise<void>;
}

export function makeMeta(index: number, term: number): SnapshotMeta {
  return { index, term, conf: { voters: ['n1', 'n2', 'n3'], learners: [] }, addresses: { n1: '127.0.0.2:8300' } };
}

async function writeSnapshot(store: SnapshotStore, meta: SnapshotMeta, chunks: readonly Uint8Array[]) {
  const sink = await store.create(meta);
  for (const chunk of chunks) await sink.write(chunk);
  return sink.close();
}

/** `durable: false` (memory implementations) leaves out the restart cases, which only a disk store can pass. */
export function describeSnapshotStoreContract(
  name: string,
  open: () => Promise<SnapshotStoreHarness>,
  options: { readonly durable: boolean } = { durable: true },
): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    const harnesses: SnapshotStoreHarness[] = [];
    const fresh = async (): Promise<SnapshotStoreHarness> => {
      const harness = await open();
      harnesses.push(harness);
      return harness;
    };
    after(async () => {
      for (const harness of harnesses) await harness.dispose();
    });

    it('reads back data and metadata exactly as written', async () => {
      const { store } = await fresh();
      const data = new Uint8Array(300_000).map((_, position) => position % 251);
      const written = await writeSnapshot(store, makeMeta(10, 2), [data.subarray(0, 1000), data.subarray(1000)]);
      const listed = await store.list();
      assert.deepEqual(listed, [written]);
      const opened = await store.open(written.id);
      assert.deepEqual(opened.snapshot.meta, makeMeta(10, 2));
      assert.deepEqual(await readAll(opened.chunks), data);
    });

    it('lists newest first and keeps only the retained count', async () => {
      const { store } = await fresh();
      await writeSnapshot(store, makeMeta(5, 1), [Uint8Array.of(1)]);
      await writeSnapshot(store, makeMeta(20, 2), [Uint8Array.of(2)]);
      await writeSnapshot(store, makeMeta(12, 2), [Uint8Array.of(3)]);
      const listed = await store.list();
      assert.deepEqual(
        listed.map((snapshot) => snapshot.meta.index),
        [20, 12],
      );
    });

    it('leaves nothing behind for a cancelled sink', async () => {
      const { store } = await fresh();
      const sink = await store.create(makeMeta(3, 1));
      await sink.write(Uint8Array.of(1, 2, 3));
      await sink.cancel();
      await sink.cancel();
      assert.deepEqual(await store.list(), []);
      await assert.rejects(store.open(sink.id), SnapshotNotFoundError);
    });

    it('reports flipped bytes as CorruptSnapshotError at the end of the stream', async () => {
      const harness = await fresh();
      const written = await writeSnapshot(harness.store, makeMeta(8, 1), [new Uint8Array(4096).fill(7)]);
      await harness.corrupt(written.id);
      const opened = await harness.store.open(written.id);
      await assert.rejects(readAll(opened.chunks), CorruptSnapshotError);
    });

    const durableIt = options.durable ? it : (_title: string, _body: unknown) => undefined;
    durableIt('keeps snapshots across a restart', async () => {
      const harness = await fresh();
      assert.ok(harness.reopen, 'a durable store harness must offer reopen');
      const written = await writeSnapshot(harness.store, makeMeta(42, 3), [Uint8Array.of(9, 9)]);
      const reopened = await harness.reopen();
      assert.deepEqual(await reopened.list(), [written]);
      assert.deepEqual(await readAll((await reopened.open(written.id)).chunks), Uint8Array.of(9, 9));
    });
  });
}
