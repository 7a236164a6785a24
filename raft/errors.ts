// Operating errors of the Raft edge (storage, transport, node API): one class per failure, each with a stable
// `code`, so callers branch on the class and never on a message.

import { LatticeError } from '../lib/errors.js';

/** A log record on disk failed its checksum, or the log has a hole: the record is never used. */
export class CorruptLogError extends LatticeError {
  override readonly name = 'CorruptLogError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RAFT_CORRUPT_LOG', message, options);
  }
}

/** A stable-store value failed its checksum. */
export class CorruptStableStoreError extends LatticeError {
  override readonly name = 'CorruptStableStoreError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RAFT_CORRUPT_STABLE', message, options);
  }
}

/** A snapshot's data or metadata failed its checksum or size check. */
export class CorruptSnapshotError extends LatticeError {
  override readonly name = 'CorruptSnapshotError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RAFT_CORRUPT_SNAPSHOT', message, options);
  }
}

/** No snapshot with the given id exists (or it was reaped). */
export class SnapshotNotFoundError extends LatticeError {
  override readonly name = 'SnapshotNotFoundError';
  constructor(
    readonly snapshotId: string,
    options?: ErrorOptions,
  ) {
    super('ERR_RAFT_SNAPSHOT_NOT_FOUND', `snapshot ${snapshotId} not found`, options);
  }
}

/** The requested log range starts before the first index still kept (it went into a snapshot). */
export class LogCompactedError extends LatticeError {
  override readonly name = 'LogCompactedError';
  constructor(
    readonly requestedIndex: number,
    readonly firstIndex: number,
    options?: ErrorOptions,
  ) {
    super('ERR_RAFT_LOG_COMPACTED', `log index ${requestedIndex} is compacted (first index ${firstIndex})`, options);
  }
}

/** This server is not the leader; `leaderAddress` hints where to go instead. */
export class NotLeaderError extends LatticeError {
  override readonly name = 'NotLeaderError';
  constructor(
    readonly leaderAddress: string | null,
    readonly leaderId: string | null = null,
    options?: ErrorOptions,
  ) {
    super('ERR_NOT_LEADER', 'this server is not the leader', options);
  }
}

/** The leader lost leadership before the proposal committed: its outcome is unknown. */
export class LeadershipLostError extends LatticeError {
  override readonly name = 'LeadershipLostError';
  constructor(message = 'leadership lost while the operation was in flight', options?: ErrorOptions) {
    super('ERR_LEADERSHIP_LOST', message, options);
  }
}

/** A peer could not be reached or refused a transfer. */
export class TransportError extends LatticeError {
  override readonly name = 'TransportError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RAFT_TRANSPORT', message, options);
  }
}
