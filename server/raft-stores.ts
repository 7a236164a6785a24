// Where a server keeps Raft: data_dir/raft/wal (the log, a segment WAL; an older LevelDB data_dir/raft/log is
// migrated into it on open), data_dir/raft/stable in level and data_dir/snapshots as files (DESIGN §5), or memory
// in -dev; and whether anything is there already (a server with Raft state never bootstraps again).

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { FileSnapshotStore } from '../raft/storage/file-snapshot-store.js';
import { LevelStableStore } from '../raft/storage/level-stable-store.js';
import { MemoryLogStore } from '../raft/storage/memory-log-store.js';
import { MemorySnapshotStore } from '../raft/storage/memory-snapshot-store.js';
import { MemoryStableStore } from '../raft/storage/memory-stable-store.js';
import { openRaftLogStore } from '../raft/storage/wal/open-raft-log.js';
import type { RaftStores } from './server-config.js';

export async function openRaftStores(
  dataDir: string | null,
  log: Logger,
): Promise<{ readonly stores: RaftStores; close(): Promise<void> }> {
  if (dataDir === null) {
    const stores = {
      logStore: new MemoryLogStore(),
      stableStore: new MemoryStableStore(),
      snapshotStore: new MemorySnapshotStore(),
    };
    return { stores, close: async () => undefined };
  }
  const raftDir = join(dataDir, 'raft');
  await mkdir(raftDir, { recursive: true });
  // The stable store first: its LevelDB lock keeps a second process off this data dir before the log is touched.
  const stableStore = await LevelStableStore.open(join(raftDir, 'stable'));
  const logStore = await openRaftLogStore(raftDir, log.child({ module: 'raft.log' })).catch(async (error: unknown) => {
    await stableStore.close();
    throw error;
  });
  const snapshotStore = await FileSnapshotStore.open(join(dataDir, 'snapshots'), {
    log: log.child({ module: 'raft.snapshots' }),
  });
  return {
    stores: { logStore, stableStore, snapshotStore },
    close: async () => {
      await logStore.close();
      await stableStore.close();
    },
  };
}

export async function hasRaftState(stores: RaftStores): Promise<boolean> {
  if (stores.logStore.lastIndex() > 0) return true;
  if ((await stores.stableStore.getHardState()).term > 0) return true;
  return (await stores.snapshotStore.list()).length > 0;
}
