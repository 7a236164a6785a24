// The catalog's Raft state machine (raft/fsm.ts): decodes each committed entry, applies it to the state store as
// one transaction at the entry's index, and answers with an ApplyResponse. A command the store refuses, or bytes
// that are not a command, become a typed error in the response, never an exception out of apply(), so a poison
// entry cannot crash every replica. Snapshots capture the store copy-on-write and stream it in the versioned,
// checksummed format of snapshot-format.ts.

import { AssertionError } from '../../lib/assert.js';
import { LatticeError } from '../../lib/errors.js';
import type { AbortOptions } from '../../lib/lifecycle.js';
import { throwIfAborted } from '../../lib/lifecycle.js';
import type { CommittedEntry, Fsm, FsmSnapshot, FsmSnapshotSink } from '../../raft/fsm.js';
import { autopilotSet } from '../state/autopilot-ops.js';
import { deregister, ensureRegistration } from '../state/catalog-ops.js';
import { configEntryApplyTxn } from '../state/config-entries.js';
import { caSetTxn, intentionMutateTxn } from '../state/connect-ops.js';
import { coordinateBatchUpdate } from '../state/coordinates.js';
import { InvalidWriteError, StateStoreError } from '../state/errors.js';
import { kvsApply, reapTombstones, sessionApply } from '../state/kv-apply.js';
import { preparedQueryApply } from '../state/prepared-query-apply.js';
import type { StateStore } from '../state/store.js';
import { normalizeTxnOps } from '../state/txn-normalize.js';
import { applyTxn } from '../state/txn-ops.js';
import { decodeCommand } from './codec.js';
import type { Command } from './commands.js';
import { encodeSnapshot, readSnapshot, SnapshotFormatError, snapshotFormatVersion } from './snapshot-format.js';
import { type RestorePartRequest, RestoreStaging } from './user-restore.js';

/** What apply() returns to the proposer: the entry's index and, when the command was refused, why. */
export interface ApplyResponse {
  readonly index: number;
  readonly error: LatticeError | null;
  /** Command-specific result (the number of coordinates written, later a KV CAS outcome). */
  readonly value?: unknown;
}

/** A command failed for a reason that is not a LatticeError (a bug in a handler); wrapped to stay deterministic. */
export class CommandFailedError extends LatticeError {
  override readonly name: string = 'CommandFailedError';
  constructor(options?: ErrorOptions) {
    super('ERR_COMMAND_FAILED', 'the command could not be applied', options);
  }
}

export function applyCommand(store: StateStore, index: number, command: Command): unknown {
  switch (command.type) {
    case 'register':
      ensureRegistration(store, index, command.request);
      return undefined;
    case 'deregister':
      deregister(store, index, command.request);
      return undefined;
    case 'coordinate-batch-update':
      return coordinateBatchUpdate(store, index, command.updates);
    case 'kv':
      if (command.request.Op === 'reap-tombstones') return reapTombstones(store, index, command.request.ReapIndex);
      return kvsApply(store, index, command.request);
    case 'session':
      return sessionApply(store, index, command.request);
    case 'txn':
      return applyTxn(store, index, normalizeTxnOps(command.ops, 'log'));
    case 'config-entry':
      return store.write(index, (txn) => configEntryApplyTxn(txn, command.request));
    case 'intention':
      store.write(index, (txn) => intentionMutateTxn(txn, command.request));
      return true;
    case 'ca-roots':
      return store.write(index, (txn) => caSetTxn(txn, command.request));
    case 'prepared-query':
      return preparedQueryApply(store, index, command.request);
    case 'autopilot':
      return autopilotSet(store, index, command.request);
    case 'restore':
      // Its parts are staged across entries, which only the FSM holds.
      throw new InvalidWriteError('a restore applies through the CatalogFsm only');
    case 'batch':
      return command.commands.map((inner) => applyBatchItem(store, index, inner));
  }
}

/** One command of a batch, answered as its own entry would be. */
export interface BatchItemResponse {
  readonly error: LatticeError | null;
  readonly value?: unknown;
}

function applyBatchItem(store: StateStore, index: number, command: Command): BatchItemResponse {
  try {
    const value = applyCommand(store, index, command);
    return value === undefined ? { error: null } : { error: null, value };
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    return { error: error instanceof LatticeError ? error : new CommandFailedError({ cause: error }) };
  }
}

export class CatalogFsm implements Fsm {
  private appliedIndex = 0;
  private appliedTerm = 0;
  /**
   * Added to an entry's Raft index to get the store index it writes at: 0 until a user restore brings in indexes
   * above the log's (a snapshot of a longer-lived cluster restored into a newer one); then large enough that
   * indexes keep growing past the restored ones, as hashicorp/raft's Restore moves the log past the snapshot's
   * index. It never shrinks, is part of the FSM's snapshots, and depends only on replicated state.
   */
  private indexOffset = 0;
  private readonly restoreStaging = new RestoreStaging();

  constructor(readonly store: StateStore) {}

  /** The last entry applied (or restored from a snapshot). */
  get lastApplied(): { readonly index: number; readonly term: number } {
    return { index: this.appliedIndex, term: this.appliedTerm };
  }

  apply(entry: CommittedEntry): ApplyResponse {
    this.appliedIndex = entry.index;
    this.appliedTerm = entry.term;
    this.restoreStaging.observeTerm(entry.term);
    try {
      const command = decodeCommand(entry.data);
      const value =
        command.type === 'restore'
          ? this.applyRestorePart(entry, command.request)
          : applyCommand(this.store, entry.index + this.indexOffset, command);
      return value === undefined ? { index: entry.index, error: null } : { index: entry.index, error: null, value };
    } catch (error) {
      if (error instanceof AssertionError) throw error;
      const refusal = error instanceof LatticeError ? error : new CommandFailedError({ cause: error });
      return { index: entry.index, error: refusal };
    }
  }

  private applyRestorePart(entry: CommittedEntry, request: RestorePartRequest): unknown {
    const outcome = this.restoreStaging.apply(this.store, entry.term, request);
    this.indexOffset = Math.max(this.indexOffset, this.store.indexes.latest() - entry.index);
    return outcome;
  }

  /**
   * A point-in-time capture. Raft's snapshots carry a restore upload's staged parts (so a replica restored from one
   * can finish it); a user's save (`withStagedRestore: false`) holds the state alone.
   */
  snapshot({ withStagedRestore = true }: { readonly withStagedRestore?: boolean } = {}): FsmSnapshot {
    const capture = this.store.capture();
    const header = {
      formatVersion: snapshotFormatVersion,
      index: this.appliedIndex,
      term: this.appliedTerm,
      indexOffset: this.indexOffset,
    };
    const staged = withStagedRestore ? this.restoreStaging.staged : null;
    return {
      persist: async (sink: FsmSnapshotSink, options: AbortOptions = {}) => {
        for (const chunk of encodeSnapshot(capture, header, staged)) {
          throwIfAborted(options.signal);
          await sink.write(chunk);
        }
      },
      release: () => undefined,
    };
  }

  /** Verifies the whole stream first; only a good snapshot replaces the store (and wakes every watcher). */
  async restore(source: AsyncIterable<Uint8Array>, options: AbortOptions = {}): Promise<void> {
    const { header, contents, staged } = await readSnapshot(source);
    throwIfAborted(options.signal);
    try {
      this.store.restore(contents);
    } catch (error) {
      if (error instanceof StateStoreError) throw new SnapshotFormatError(error.message, { cause: error });
      throw error;
    }
    this.restoreStaging.load(staged);
    this.indexOffset = header.indexOffset ?? 0;
    this.appliedIndex = header.index;
    this.appliedTerm = header.term;
  }
}
