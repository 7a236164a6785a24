// Startup: rebuild a node's state from its stores (restart replays the latest snapshot plus the log tail). The
// FSM is restored from the newest snapshot that reads back intact (a corrupt one is skipped with a warning), the
// log tail after it is loaded into the core's in-memory log, and a fresh cluster is bootstrapped when every
// store is empty.

import type { Logger } from '../lib/log.js';
import { MemoryLogStorage } from './core/log-storage.js';
import { bootstrapLog } from './core/raw-node.js';
import type { HardState, SnapshotMeta } from './core/types.js';
import { CorruptLogError, CorruptSnapshotError } from './errors.js';
import type { Fsm } from './fsm.js';
import type { RaftNodeConfig } from './node-config.js';
import type { LogStore } from './storage/log-store.js';
import type { SnapshotStore } from './storage/snapshot-store.js';
import type { StableStore } from './storage/stable-store.js';

export interface RecoveredState {
  readonly storage: MemoryLogStorage;
  readonly hardState: HardState;
  readonly appliedIndex: number;
  readonly snapshot: SnapshotMeta | null;
}

export interface RecoveryStores {
  readonly logStore: LogStore;
  readonly stableStore: StableStore;
  readonly snapshotStore: SnapshotStore;
}

/** Restores `fsm` from the newest snapshot that reads back intact; null when there is none. */
export async function restoreNewestSnapshot(
  stores: RecoveryStores,
  fsm: Fsm,
  log: Logger,
): Promise<SnapshotMeta | null> {
  for (const candidate of await stores.snapshotStore.list()) {
    try {
      const opened = await stores.snapshotStore.open(candidate.id);
      await fsm.restore(opened.chunks);
      return opened.snapshot.meta;
    } catch (error) {
      if (!(error instanceof CorruptSnapshotError)) throw error;
      log.warn({ snapshot: candidate.id, err: error.message }, 'skipping a corrupt snapshot');
    }
  }
  return null;
}

export async function recoverState(
  stores: RecoveryStores,
  fsm: Fsm,
  config: RaftNodeConfig,
  log: Logger,
): Promise<RecoveredState> {
  const { logStore, stableStore } = stores;
  let hardState = await stableStore.getHardState();
  const snapshot = await restoreNewestSnapshot(stores, fsm, log);
  const isFresh = snapshot === null && logStore.lastIndex() === 0 && hardState.term === 0;
  if (isFresh && config.bootstrap.length > 0) {
    const bootstrap = bootstrapLog(config.bootstrap);
    await logStore.storeEntries(bootstrap.entries);
    await stableStore.setHardState(bootstrap.hardState);
    hardState = bootstrap.hardState;
    log.info({ voters: config.bootstrap.map((member) => member.id) }, 'bootstrapped a new cluster');
  }
  const storage = new MemoryLogStorage(snapshot);
  const snapshotIndex = snapshot?.index ?? 0;
  if (logStore.firstIndex() > snapshotIndex + 1 && logStore.lastIndex() >= logStore.firstIndex()) {
    throw new CorruptLogError(
      `log starts at ${logStore.firstIndex()} but the newest usable snapshot ends at ${snapshotIndex}: entries are missing`,
    );
  }
  const lo = Math.max(logStore.firstIndex(), snapshotIndex + 1);
  if (lo <= logStore.lastIndex()) storage.append(await logStore.getEntries(lo, logStore.lastIndex() + 1));
  // A snapshot holds committed state, so the commit index is at least its index.
  if (hardState.commit < snapshotIndex) hardState = { ...hardState, commit: snapshotIndex };
  if (hardState.commit > storage.lastIndex()) {
    // Commit only ever points at synced entries, so a shorter log lost acknowledged writes.
    throw new CorruptLogError(`commit index ${hardState.commit} is past the last log index ${storage.lastIndex()}`);
  }
  return { storage, hardState, appliedIndex: snapshotIndex, snapshot };
}
