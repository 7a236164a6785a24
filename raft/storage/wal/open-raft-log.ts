// Opens a server's Raft log, data_dir/raft/wal, moving an older LevelDB log (data_dir/raft/log) into it first.
// Crash-safe at every step: the WAL is built under a temporary name (wal.migrating), synced, then renamed into
// place, and only then is the old log removed. So on open, a leftover wal.migrating is an interrupted migration
// (the old log is still whole: start again), and an old log beside a WAL was already copied (remove it).

import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../lib/log.js';
import { LevelLogStore } from '../level-log-store.js';
import { syncDirectory } from './file-io.js';
import { WalLogStore, type WalOptions } from './wal-log-store.js';

/** Entries copied per synced write while migrating (entries can be 512 KiB, so this bounds memory too). */
const migrationChunkEntries = 128;

async function copyLevelLog(levelDir: string, building: string, options: WalOptions) {
  const level = await LevelLogStore.open(levelDir);
  try {
    const wal = await WalLogStore.open(building, options);
    const firstIndex = level.firstIndex();
    const lastIndex = level.lastIndex();
    try {
      // An empty WAL compacted past its end continues at the old log's first index.
      if (firstIndex > 1) await wal.compact(firstIndex - 1);
      for (let lo = firstIndex; lo <= lastIndex; lo += migrationChunkEntries) {
        await wal.storeEntries(await level.getEntries(lo, Math.min(lastIndex + 1, lo + migrationChunkEntries)));
      }
      return { firstIndex, lastIndex, entries: lastIndex - firstIndex + 1, segments: wal.segmentCount() };
    } finally {
      await wal.close();
    }
  } finally {
    await level.close();
  }
}

export async function openRaftLogStore(raftDir: string, log: Logger, options: WalOptions = {}): Promise<WalLogStore> {
  const walDir = join(raftDir, 'wal');
  const levelDir = join(raftDir, 'log');
  const building = join(raftDir, 'wal.migrating');
  await rm(building, { recursive: true, force: true });
  if (!existsSync(walDir) && existsSync(levelDir)) {
    const copied = await copyLevelLog(levelDir, building, options);
    await rename(building, walDir);
    await syncDirectory(raftDir);
    log.info({ ...copied, from: levelDir, to: walDir }, 'migrated the raft log from LevelDB to the WAL');
  }
  if (existsSync(levelDir)) {
    await rm(levelDir, { recursive: true, force: true });
    await syncDirectory(raftDir);
    log.info({ path: levelDir }, 'removed the old LevelDB raft log (its entries are in the WAL)');
  }
  const store = await WalLogStore.open(walDir, options);
  for (const repair of store.recoveryNotes()) log.warn({ repair }, 'raft log repaired on open');
  return store;
}
