// The pure Raft core's public surface, for the driver and the simulator: construct a RawNode over a
// LogStorage view, feed it ticks, messages and proposals, and work through each Ready in order
// (persist, send, apply, advance). Everything here is synchronous and deterministic.

export {
  defaultRaftConfig,
  type RaftConfig,
  type RaftConfigCheck,
  type RaftInit,
  raftConfig,
  validateRaftConfig,
} from './config.js';
export { describeEntry, describeMessage, describeReady, describeStatus } from './describe.js';
export { entrySizeBytes, type LogStorage, MemoryLogStorage } from './log-storage.js';
export { decodeConfChange, encodeConfChange } from './membership.js';
export {
  bootstrapLog,
  type ProgressStatus,
  type ProposeResult,
  type RaftStatus,
  RawNode,
  type RawNodeInit,
  type ReadState,
  type Ready,
  type Role,
  type SoftState,
  type TransferResult,
} from './raw-node.js';
export * from './types.js';
