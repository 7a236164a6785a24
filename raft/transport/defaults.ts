// Bounds of the Raft transport, each with its reason.

/** Messages waiting per peer: enough for a pipeline of appends plus heartbeats; beyond it Raft retries anyway. */
export const peerQueueCapacity = 1024;
/** Peers a transport keeps links to, learned ones included: far above any Raft cluster (3-7 voters). */
export const peerCountMax = 256;
/** Messages coalesced into one stream frame: large enough to amortise framing, small enough to keep frames small. */
export const frameMessageCountMax = 64;
/**
 * Entry bytes coalesced into one frame (a single bigger message still goes alone): far under the frame limit
 * below, so a burst of big appends (catch-up: many appends of up to messageSizeBytesMax each) is never refused.
 */
export const frameEntryBytesMax = 4 * 1024 * 1024;
/** gRPC message size limit on both sides: an append batch of big entries fits; a snapshot goes in chunks. */
export const grpcMessageSizeBytesMax = 16 * 1024 * 1024;
/** Snapshot chunk size, as hashicorp/raft's InstallSnapshot streaming. */
export const snapshotChunkSizeBytes = 1024 * 1024;
/** Largest snapshot accepted (guards the receiver's disk against a lying sender). */
export const snapshotSizeBytesMax = 16 * 1024 * 1024 * 1024;
/** Entries per message accepted from the network. */
export const messageEntryCountMax = 65_536;
/** Bytes of one entry's data accepted from the network. */
export const entryDataSizeBytesMax = 8 * 1024 * 1024;
/** Node ids and addresses are short names. */
export const nameLengthMax = 256;
/** ReadIndex contexts and transfer markers are small. */
export const contextSizeBytesMax = 1024;
/** Reconnect backoff while a peer is down: fast enough for failover, slow enough not to spin. */
export const reconnectBackoff = { baseDelayMs: 50, delayMsMax: 2000 } as const;
/** A snapshot transfer may take this long plus its size at the slowest rate still considered working. */
export const snapshotTransferMsMin = 30_000;
/** 1 MB/s: far below any LAN, so only a stalled or hopeless transfer hits the deadline. */
export const snapshotTransferBytesPerMsMin = 1000;
