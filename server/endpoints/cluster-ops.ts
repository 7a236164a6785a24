// What the Status, Operator and Snapshot endpoints need from the Server beyond the store: Raft membership and
// leadership facts, membership changes, autopilot's view and snapshots. The Server implements it.

import type {
  AutopilotHealthReply,
  AutopilotStateReply,
  RaftConfigurationReply,
  RaftStatsReply,
  SnapshotRestoreReply,
  SnapshotSaveReply,
} from '../rpc/methods.js';

export interface ClusterOps {
  /** host:port of the leader's RPC listener, '' when none is known. */
  leaderAddress(): string;
  /** RPC addresses of the Raft voters. */
  peerAddresses(): readonly string[];
  raftConfiguration(): RaftConfigurationReply;
  raftStats(): RaftStatsReply;
  /** On the leader: removes a server from Raft by ID or address (NotFoundError when it is not a member). */
  removePeer(target: { readonly id: string; readonly address: string }, signal?: AbortSignal): Promise<void>;
  transferLeadership(id: string, signal?: AbortSignal): Promise<void>;
  autopilotHealth(signal?: AbortSignal): Promise<AutopilotHealthReply>;
  autopilotState(signal?: AbortSignal): Promise<AutopilotStateReply>;
  saveSnapshot(signal?: AbortSignal): Promise<SnapshotSaveReply>;
  restoreSnapshot(data: Uint8Array, signal?: AbortSignal): Promise<SnapshotRestoreReply>;
}
