// The RaftTransport interface: how a Raft node's messages and snapshots reach its peers. `send` is fire and
// forget (Raft tolerates loss; a full per-peer queue drops and counts); snapshots stream in chunks and resolve
// once the receiver has stored them.

import type { AbortOptions, Startable } from '../../lib/lifecycle.js';
import type { NodeId, RaftMessage, SnapshotMeta } from '../core/types.js';

export interface IncomingSnapshot {
  readonly from: NodeId;
  readonly meta: SnapshotMeta;
  readonly sizeBytes: number;
  /** The data; iterating it throws if the sender goes away or breaks the declared size. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export type MessageHandler = (message: RaftMessage) => void;
/** Stores the snapshot; resolving tells the sender it arrived, rejecting tells it it failed. */
export type SnapshotHandler = (snapshot: IncomingSnapshot, options: AbortOptions) => Promise<void>;

export interface TransportStats {
  readonly sentCount: number;
  /** Messages dropped because a peer's queue was full, the peer unknown or its connection down. */
  readonly droppedCount: number;
  readonly receivedCount: number;
  /** Frames that failed to decode or validate (garbage from the network). */
  readonly invalidCount: number;
  readonly snapshotsSentCount: number;
  readonly snapshotsReceivedCount: number;
}

export interface RaftTransport extends Startable {
  readonly localId: NodeId;
  /** Where peers reach this node (host:port for gRPC). */
  readonly localAddress: string;
  /** Adds or updates a peer's address. */
  setPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  /** Queues `message` for `message.to`; false when it was dropped (queue full or peer unknown). */
  send(message: RaftMessage): boolean;
  onMessage(handler: MessageHandler): () => void;
  sendSnapshot(
    to: NodeId,
    meta: SnapshotMeta,
    sizeBytes: number,
    chunks: AsyncIterable<Uint8Array>,
    options?: AbortOptions,
  ): Promise<void>;
  onSnapshot(handler: SnapshotHandler): () => void;
  stats(): TransportStats;
}

export class TransportCounters {
  sentCount = 0;
  droppedCount = 0;
  receivedCount = 0;
  invalidCount = 0;
  snapshotsSentCount = 0;
  snapshotsReceivedCount = 0;

  snapshot(): TransportStats {
    return { ...this };
  }
}
