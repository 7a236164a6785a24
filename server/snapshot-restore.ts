// Snapshot save and restore for the Server. Save streams the FSM's copy-on-write capture in server/fsm's format
// (state.bin of the archive, snapshot-archive.ts). Restore verifies the whole snapshot on the leader, then commits
// its bytes as the parts of one restore through Raft (server/fsm/user-restore.ts): every server stages them and
// swaps its whole state store at the last part, keeping the snapshot's indexes, so readers and blocking queries
// see the old state or the new, never an empty catalog or a half-restored one; a leader that dies mid-upload
// leaves the old state everywhere. The same guarantee as Consul's raft.Restore, without a hole in the log.

import { randomUUID } from 'node:crypto';
import { throwIfAborted } from '../lib/lifecycle.js';
import { type Command, restoreCommand } from './fsm/commands.js';
import type { CatalogFsm } from './fsm/fsm.js';
import { decodeUploadedSnapshot, type RestoreOutcome, restoreParts } from './fsm/user-restore.js';
import { BadRequestError } from './rpc/errors.js';
import type { SnapshotRestoreReply, SnapshotSaveReply } from './rpc/methods.js';
import { StateStore } from './state/store.js';

export async function snapshotBytes(fsm: CatalogFsm, signal?: AbortSignal): Promise<SnapshotSaveReply> {
  const { index, term } = fsm.lastApplied;
  const snapshot = fsm.snapshot({ withStagedRestore: false });
  const chunks: Uint8Array[] = [];
  try {
    await snapshot.persist(
      {
        write: async (chunk) => {
          throwIfAborted(signal);
          chunks.push(chunk);
        },
      },
      signal === undefined ? {} : { signal },
    );
  } finally {
    snapshot.release();
  }
  return { Index: index, Term: term, Data: Buffer.concat(chunks) };
}

/**
 * Refuses, as a BadRequestError and before anything is proposed, an upload the servers could not install: not
 * an archive or a state snapshot, a bad checksum, rows the store refuses or an inconsistent catalog.
 */
export function verifyUploadedSnapshot(data: Uint8Array): void {
  try {
    const { contents } = decodeUploadedSnapshot(data);
    new StateStore().restore(contents);
  } catch (error) {
    throw new BadRequestError(`invalid snapshot: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/**
 * Proposes one command and resolves once it is committed and applied. It must propose synchronously, before it
 * returns (Server.apply and RaftNode.propose do), so commands called in turn enter the log in that order.
 */
export type ApplyCommand = (command: Command) => Promise<{ readonly index: number; readonly value: unknown }>;

/**
 * On the leader: verifies `data`, then proposes all its parts back to back, without waiting for each to commit,
 * so they share replication rounds and log writes; the last part's entry is the restore. Waiting is not what
 * makes a restore all-or-nothing, the FSM is (server/fsm/user-restore.ts): it stages parts in log order, and a
 * part out of sequence, or any entry of a later term (a new leader's first), drops the upload. So a failure on the
 * way (lost leadership, shutdown, a refused part) leaves every server's state as it was, unless the last part
 * itself commits, exactly as when the parts went one at a time. The first failure, in part order, is the answer.
 */
export async function restoreThroughRaft(
  data: Uint8Array,
  apply: ApplyCommand,
  newId: () => string = randomUUID,
): Promise<SnapshotRestoreReply> {
  verifyUploadedSnapshot(data);
  const proposals = restoreParts(newId(), data).map((part) => apply(restoreCommand(part)));
  const settled = await Promise.allSettled(proposals);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  const last = settled.at(-1) as PromiseFulfilledResult<{ readonly index: number; readonly value: unknown }>;
  const outcome = last.value.value as RestoreOutcome;
  return { Index: last.value.index, NodesRestored: outcome.NodesRestored };
}
