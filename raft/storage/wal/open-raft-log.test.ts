// Proves the move from the LevelDB log to the WAL: a data dir with only data_dir/raft/log opens with the same
// entries and bounds and the old directory gone (and a log line with the counts); a migration cut short (a
// leftover wal.migrating) starts over from the intact old log; a dir with both uses the WAL and drops the old one.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { capturedLog } from '../../../lib/testing/captured-log.js';
import type { Entry } from '../../core/types.js';
import { makeEntries } from '../../testing/entries.js';
import { makeTempDir } from '../../testing/temp-dir.js';
import { LevelLogStore } from '../level-log-store.js';
import { openRaftLogStore } from './open-raft-log.js';
import { WalLogStore } from './wal-log-store.js';

const segmentSizeBytes = 4096;

/** A LevelDB log at raftDir/log holding entries 1..300 with 1..100 compacted away, as an older server left it. */
async function writeLevelLog(raftDir: string): Promise<Entry[]> {
  const level = await LevelLogStore.open(join(raftDir, 'log'));
  const entries = makeEntries(
    1,
    Array.from({ length: 300 }, (_, position) => 1 + Math.floor(position / 100)),
  );
  await level.storeEntries(entries);
  await level.compact(100);
  await level.close();
  return entries.slice(100);
}

async function readAll(store: WalLogStore): Promise<Entry[]> {
  return store.getEntries(store.firstIndex(), store.lastIndex() + 1);
}

describe('openRaftLogStore', () => {
  it('migrates a LevelDB log into the WAL, logs the counts, and removes the old log', async () => {
    const dir = await makeTempDir();
    const { log, lines } = capturedLog('info');
    try {
      const kept = await writeLevelLog(dir.path);
      const store = await openRaftLogStore(dir.path, log, { segmentSizeBytes });
      try {
        assert.equal(store.firstIndex(), 101);
        assert.equal(store.lastIndex(), 300);
        assert.deepEqual(await readAll(store), kept);
        assert.ok(store.segmentCount() > 1, 'the copy spans several segments');
      } finally {
        await store.close();
      }
      assert.equal(existsSync(join(dir.path, 'log')), false);
      assert.equal(existsSync(join(dir.path, 'wal.migrating')), false);
      const line = lines.find((entry) => entry['msg'] === 'migrated the raft log from LevelDB to the WAL');
      assert.ok(line, 'a migration log line');
      assert.equal(line['entries'], 200);
      assert.equal(line['firstIndex'], 101);
      const reopened = await openRaftLogStore(dir.path, log, { segmentSizeBytes });
      assert.deepEqual(await readAll(reopened), kept);
      await reopened.close();
    } finally {
      await dir.remove();
    }
  });

  it('starts over when a migration was cut short (a leftover wal.migrating)', async () => {
    const dir = await makeTempDir();
    const { log } = capturedLog('info');
    try {
      const kept = await writeLevelLog(dir.path);
      // What a crash mid-copy leaves: a partial WAL under the temporary name, the old log whole.
      const partial = await WalLogStore.open(join(dir.path, 'wal.migrating'), { segmentSizeBytes });
      await partial.compact(100);
      await partial.storeEntries(kept.slice(0, 10));
      await partial.close();
      await writeFile(join(dir.path, 'wal.migrating', 'spare-0.tmp'), 'half-written');
      const store = await openRaftLogStore(dir.path, log, { segmentSizeBytes });
      try {
        assert.deepEqual(await readAll(store), kept);
      } finally {
        await store.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it('uses the WAL when both exist (the crash came after the rename) and removes the old log', async () => {
    const dir = await makeTempDir();
    const { log } = capturedLog('info');
    try {
      const wal = await WalLogStore.open(join(dir.path, 'wal'), { segmentSizeBytes });
      const walEntries = makeEntries(1, [7, 7, 7]);
      await wal.storeEntries(walEntries);
      await wal.close();
      await writeLevelLog(dir.path);
      const store = await openRaftLogStore(dir.path, log, { segmentSizeBytes });
      try {
        assert.deepEqual(await readAll(store), walEntries);
      } finally {
        await store.close();
      }
      assert.equal(existsSync(join(dir.path, 'log')), false);
    } finally {
      await dir.remove();
    }
  });

  it('creates an empty WAL in a new data dir', async () => {
    const dir = await makeTempDir();
    const { log } = capturedLog('info');
    try {
      await mkdir(join(dir.path, 'raft'));
      const store = await openRaftLogStore(join(dir.path, 'raft'), log, { segmentSizeBytes });
      assert.equal(store.lastIndex(), 0);
      await store.close();
      assert.ok(existsSync(join(dir.path, 'raft', 'wal')));
    } finally {
      await dir.remove();
    }
  });
});
