// Forcing a new configuration onto a stopped server's stores (hashicorp/raft RecoverCluster): the FSM is rebuilt
// from the newest readable snapshot plus every log entry after it, a new snapshot of that state is saved at the
// last log index with the given configuration, and the log is emptied, so no membership entry in it can override
// the configuration. This treats every entry in the log as committed: the operator's recovery of last resort.

import { ValidationError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Entry, SnapshotMeta } from './core/types.js';
import type { Fsm } from './fsm.js';
import type { RecoveryConfiguration } from './peers-json.js';
import { type RecoveryStores, restoreNewestSnapshot } from './recovery.js';

/** Log entries read and applied at a time, so a long log is not loaded at once. */
const replayBatchEntries = 1024;

export async function recoverCluster(
  stores: RecoveryStores,
  fsm: Fsm,
  configuration: RecoveryConfiguration,
  log: Logger,
): Promise<SnapshotMeta> {
  const { logStore, stableStore, snapshotStore } = stores;
  const hardState = await stableStore.getHardState();
  const hasSnapshots = (await snapshotStore.list()).length > 0;
  if (hardState.term === 0 && logStore.lastIndex() === 0 && !hasSnapshots) {
    // As hashicorp/raft: likely an operator error (the data is expected and is not there); bootstrap instead.
    throw new ValidationError('refused to recover cluster with no initial state, this is probably an operator error');
  }
  const snapshot = await restoreNewestSnapshot(stores, fsm, log);
  if (hasSnapshots && snapshot === null) throw new ValidationError('failed to restore any of the available snapshots');
  let lastIndex = snapshot?.index ?? 0;
  let lastTerm = snapshot?.term ?? 0;
  const lastLogIndex = logStore.lastIndex();
  for (let next = Math.max(lastIndex + 1, logStore.firstIndex()); next <= lastLogIndex; ) {
    const batch: Entry[] = await logStore.getEntries(next, Math.min(next + replayBatchEntries, lastLogIndex + 1));
    for (const entry of batch) {
      if (entry.type === 'normal' && entry.data.byteLength > 0) fsm.apply(entry);
      lastIndex = entry.index;
      lastTerm = entry.term;
    }
    next += batch.length;
  }
  if (lastIndex === 0) throw new ValidationError('refused to recover cluster: the log holds no entries');
  const meta: SnapshotMeta = {
    index: lastIndex,
    term: lastTerm,
    conf: configuration.conf,
    addresses: configuration.addresses,
  };
  const captured = fsm.snapshot();
  const sink = await snapshotStore.create(meta);
  try {
    await captured.persist(sink);
    await sink.close();
  } catch (error) {
    await sink.cancel();
    throw error;
  } finally {
    captured.release();
  }
  // The snapshot is durable: drop the whole log (it restarts after the snapshot) and mark it all committed.
  if (lastLogIndex > 0) await logStore.compact(Math.max(lastLogIndex, lastIndex));
  await stableStore.setHardState({ ...hardState, commit: lastIndex }, { sync: true });
  log.info(
    { index: lastIndex, term: lastTerm, voters: configuration.conf.voters, nonvoters: configuration.conf.learners },
    'recovered the raft configuration from peers.json',
  );
  return meta;
}
