// The values a GossipCore hands out: member snapshots, events, packets and streams to send, and the outputs that
// the driver and the Serf layer read after each input.

import type { MemberState } from './messages.js';

export type { MemberState } from './messages.js';

/** A member as this node sees it; a copy, safe to keep. */
export interface Member {
  readonly name: string;
  readonly address: string;
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly state: MemberState;
}

export type MemberEventType = 'join' | 'update' | 'suspect' | 'alive' | 'failed' | 'leave' | 'conflict';

export interface MemberEvent {
  /**
   * join: a member became alive (new, or back from dead/left); update: an alive member's meta or address changed;
   * suspect: alive → suspect; alive: suspect → alive (it refuted); failed: declared dead by others;
   * leave: it left gracefully; conflict: another address claims a live member's name (`otherAddress`).
   */
  readonly type: MemberEventType;
  readonly member: Member;
  readonly otherAddress?: string;
}

export interface OutboundPacket {
  /** The member's address (`host:port` in production, any string the driver understands in the simulator). */
  readonly to: string;
  readonly bytes: Uint8Array;
}

export type StreamKind = 'ping' | 'push-pull';

/**
 * A request the driver sends over a stream (TCP). The driver MUST answer each with `handleStreamResponse(id, ...)`:
 * the response bytes, or null when connecting, sending or reading failed or took longer than `deadlineMs`.
 */
export interface OutboundStream {
  readonly id: number;
  readonly kind: StreamKind;
  readonly to: string;
  readonly bytes: Uint8Array;
  readonly deadlineMs: number;
}

export interface UserPayload {
  /** The address the packet came from (the last hop, not necessarily the originator). */
  readonly from: string;
  readonly payload: Uint8Array;
}

export interface RttSample {
  readonly member: string;
  readonly rttMs: number;
  /** The acking member's ack payload (Serf's Vivaldi coordinate). */
  readonly payload: Uint8Array;
}

export interface JoinResult {
  readonly seed: string;
  readonly ok: boolean;
  /** Why a seed that answered was not joined: this node's merge delegate, or the seed's (its refusal text). */
  readonly refusal?: string;
}

/** A member as a merge delegate sees it: an entry of a push-pull state, or the subject of an alive message. */
export interface MergeCandidate {
  readonly name: string;
  readonly address: string;
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly state: MemberState;
}

/**
 * Judges members before they merge into this node's table (memberlist's MergeDelegate and AliveDelegate): null
 * accepts, a string refuses with that reason. It must be pure and deterministic, as the core is. A push-pull state
 * is judged whole (one refused member refuses all of it); an alive message for another member is judged alone.
 */
export type MergeDelegate = (members: readonly MergeCandidate[]) => string | null;

export interface RemoteUserState {
  readonly from: string;
  readonly join: boolean;
  readonly userState: Uint8Array;
}

export interface GossipOutput {
  readonly packets: OutboundPacket[];
  readonly streams: OutboundStream[];
  readonly events: MemberEvent[];
  readonly userPayloads: UserPayload[];
  readonly rtts: RttSample[];
  readonly joinResults: JoinResult[];
  readonly remoteUserStates: RemoteUserState[];
}

/** The output being filled; `takeOutput` swaps in a fresh one, so parts of the core hold this, not the arrays. */
export interface Outbox {
  current: GossipOutput;
}

export function emptyOutput(): GossipOutput {
  return { packets: [], streams: [], events: [], userPayloads: [], rtts: [], joinResults: [], remoteUserStates: [] };
}

/** Counters for metrics and tests. */
export interface GossipStats {
  packetsReceived: number;
  packetsSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** Packets or streams dropped as malformed, oversized or of a wrong version. */
  decodeFailures: number;
  /** Well-formed messages ignored (a ping for another name, an ack nobody waits for). */
  messagesIgnored: number;
  relaysRefused: number;
  membersRefused: number;
  conflicts: number;
  refutations: number;
  probesFailed: number;
  streamsMalformed: number;
  /** Push-pull states this node sent in a version-2 envelope (requests and answers). */
  pushPullsEnveloped: number;
  /** Enveloped push-pull requests the peer closed unanswered, sent again in version 1 (a node from before it). */
  envelopeRetries: number;
  /** Received envelopes refused: corrupt, inflating past their declared size or above the limit (in streamsMalformed). */
  envelopesRefused: number;
  /** Ticks that came more than a probe timeout after the requested wake-up (this node was stalled). */
  stalls: number;
  /** Push-pull states the merge delegate refused (received requests and answers): nothing of them merged. */
  pushPullsRefused: number;
  /** Alive messages the merge delegate refused: ignored. */
  alivesRefused: number;
}

export function emptyStats(): GossipStats {
  return {
    packetsReceived: 0,
    packetsSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    decodeFailures: 0,
    messagesIgnored: 0,
    relaysRefused: 0,
    membersRefused: 0,
    conflicts: 0,
    refutations: 0,
    probesFailed: 0,
    streamsMalformed: 0,
    pushPullsEnveloped: 0,
    envelopeRetries: 0,
    envelopesRefused: 0,
    stalls: 0,
    pushPullsRefused: 0,
    alivesRefused: 0,
  };
}
