// The public surface of the pure SWIM + Lifeguard gossip core. The Serf layer and the gossip driver import from
// here only.
//
// ## Contract
//
// ```ts
// const core = new GossipCore(validateGossipConfig({}, LAN), {
//   rand: new SeededRand(seed),          // every random choice (probe order, helpers, gossip targets, staggers)
//   nowMs: clock.nowMs(),                // time only ever arrives as an argument
//   self: { name: 'node-1', address: '10.0.0.1:8301', meta: tagBytes },   // name/address ≤ 255 B, meta ≤ 512 B
// });
// ```
//
// Inputs (each takes the current time; time never moves backwards inside the core — a smaller nowMs is clamped):
// - `handlePacket(fromAddress, bytes, nowMs)`      a UDP datagram. Never throws on bad input: malformed, truncated,
//   oversized or wrong-version packets are dropped and counted in `core.stats.decodeFailures`.
// - `handleStream(fromAddress, bytes, nowMs)`      a stream (TCP) request → response bytes to write back, or null
//   to close. Carries fallback pings and push-pull state exchanges (including joins from others). A push-pull
//   goes in a version-2 envelope, deflated (config.streamCompressionLevel), to peers not known to refuse one; the
//   answer mirrors the request's version. Envelopes inflate within streamSizeBytesMax or are dropped and counted.
// - `handleStreamResponse(id, bytes | null, nowMs, peerClosed?)` the answer to a stream the core asked for in
//   `output.streams` (null: connect/write/read failed or passed `deadlineMs`; `peerClosed`: the request was written
//   and the peer closed without answering, how a node from before version-2 stream envelopes refuses one — the core
//   then asks again in version 1). The driver MUST answer every stream it was given.
// - `tick(nowMs)`                                  run what is due; call it at `nextWakeupMs()`.
// - `join(seedAddresses, nowMs)`                   push-pull with each seed; outcome in `output.joinResults`.
// - `leave(nowMs)` then poll `leaveBroadcastDone()` before stopping the driver (others then see `leave`).
// - `broadcastUser(payload, retransmitLimitFixed = 0)` an opaque Serf event/query/response piggy-backed on gossip,
//   sent retransmitLimitFixed times or by the pool-size formula; receivers get each copy in `output.userPayloads`
//   (no de-duplication or re-broadcast here: that is Serf's job, by Lamport time). Throws ValidationError if the
//   payload cannot fit one packet.
// - `sendMessage(address, message)`                 one message (e.g. `{type: 'user', payload}`) straight to an address
//   now, with broadcasts piggy-backed; for Serf's query responses. Throws ValidationError if it cannot fit a packet.
// - `setLocalMeta(metaBytes, nowMs)`               new tags, spread as an alive message with a higher incarnation.
// - `setAckPayload(bytes)`                        attached to every ack this node sends (Vivaldi coordinate).
// - `setUserState(bytes)`                         sent with every push-pull (Serf's Lamport clocks, intents).
// - `components.mergeDelegate(members) → reason | null` (optional, pure): judges a received push-pull state whole
//   before it merges (refused: nothing merges; a request is answered `push-pull-refused` with the reason, and the
//   requester's join result carries it as `refusal`) and each alive message for another member (refused: ignored).
//
// Outputs: `takeOutput()` returns and clears
// - `packets: [{to, bytes}]`                      UDP datagrams ≤ packetSizeBytesMax, broadcasts piggy-backed.
// - `streams: [{id, kind: 'ping'|'push-pull', to, bytes, deadlineMs}]`  stream requests for the driver.
// - `events: [{type, member, otherAddress?}]`     type: join | update | suspect | alive | failed | leave | conflict.
//   `failed` is death by others' verdict, `leave` a graceful leave. The first output holds `join` for self.
// - `userPayloads: [{from, payload}]`, `rtts: [{member, rttMs, payload}]` (direct probe round trips, for Vivaldi),
//   `joinResults: [{seed, ok}]`, `remoteUserStates: [{from, join, userState}]`.
// `nextWakeupMs()` is when to call `tick` next (null: nothing scheduled). A `tick` more than probeTimeoutMs after
// the time last returned counts as a stall of this node (`stats.stalls`): deadlines that ran out meanwhile get one
// probe timeout of grace, so packets still waiting in the socket can refute or ack first.
// After `leave` the core only spreads its leave; to come back, start a new core (a fresh join).
//
// Reads: `name`, `incarnation`, `awarenessScore`, `liveCount`, `member(name)`, `memberState(name)`, `members()`,
// `broadcastsQueued`, `broadcastsDropped`, `stats` (counters).
//
// Driver loop (STYLE §3.2): after every input, `takeOutput()`, send packets, run streams (answering each with
// `handleStreamResponse`), emit events, then re-arm one timer at `nextWakeupMs()` that calls `tick(clock.nowMs())`.

export { Awareness, clampScore, failedProbeDelta, scaleByScore } from './awareness.js';
export { BroadcastQueue, retransmitLimit } from './broadcast-queue.js';
export {
  DEV,
  type GossipConfig,
  gossipConfigProblems,
  LAN,
  LOCAL,
  type PresetName,
  presets,
  validateGossipConfig,
  WAN,
} from './config.js';
export { type GossipComponents, GossipCore, type GossipSelf } from './core.js';
export { decodePacket, decodeStream } from './decode.js';
export { buildPacket, encodeFramed, encodePacket, encodeStream } from './encode.js';
export {
  type AliveMessage,
  type DeadMessage,
  type DecodeFailure,
  GossipDecodeError,
  META_SIZE_BYTES_MAX,
  NAME_SIZE_BYTES_MAX,
  type PacketMessage,
  type PushPullEntry,
  type PushPullMessage,
  type PushPullRefusedMessage,
  STREAM_ENVELOPE_VERSION,
  type StreamMessage,
  WIRE_VERSION,
} from './messages.js';
export { pushPullIntervalMs } from './push-pull.js';
export { refuteIncarnation } from './state.js';
export { isStreamEnvelope, openStreamEnvelope, sealStreamEnvelope } from './stream-envelope.js';
export {
  Suspicion,
  suspicionConfirmationsExpected,
  suspicionTimeoutMs,
  suspicionTimeoutMsMin,
} from './suspicion.js';
export type {
  GossipOutput,
  GossipStats,
  JoinResult,
  Member,
  MemberEvent,
  MemberEventType,
  MemberState,
  MergeCandidate,
  MergeDelegate,
  OutboundPacket,
  OutboundStream,
  RemoteUserState,
  RttSample,
  StreamKind,
  UserPayload,
} from './types.js';
