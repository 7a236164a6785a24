// Gossip wire messages: their types, limits and type codes, and the error strict decoding throws. The codec is in
// encode.ts and decode.ts; the format (Lattice's own, not memberlist's) is:
//
// Packet (UDP):   [version u8 = 1] then one or more framed messages, up to packetSizeBytesMax in all.
// Framed message: [type u8][body length u16 big-endian][body].
// Stream (TCP):   [version u8 = 1][type u8][body to the end] — ping/ack for fallback probes, push-pull for sync.
// Stream v2:      [version u8 = 2][codec u8][...] — an envelope around a version-1 push-pull, deflated when that
//                 makes it smaller (stream-envelope.ts). Sent only to peers not known to refuse it, and as the answer
//                 to a request that came in one; version 1 stays the answer to version 1 (nodes from before it).
// Strings are [length u8][UTF-8]; byte fields are [length u16][bytes]; integers are big-endian u32.

import { LatticeError } from '../../lib/errors.js';

export const WIRE_VERSION = 1;
/** First byte of a stream envelope; a node from before it refuses the stream as an unknown version. */
export const STREAM_ENVELOPE_VERSION = 2;
export const NAME_SIZE_BYTES_MAX = 255;
export const META_SIZE_BYTES_MAX = 512;
export const ACK_PAYLOAD_SIZE_BYTES_MAX = 1_024;
/** Type byte + u16 body length in front of every message inside a packet. */
export const FRAME_OVERHEAD_BYTES = 3;
/** Incarnations and sequence numbers travel as u32. */
export const INCARNATION_MAX = 0xffff_ffff;

export const MessageType = Object.freeze({
  ping: 1,
  indirectPing: 2,
  ack: 3,
  nack: 4,
  suspect: 5,
  alive: 6,
  dead: 7,
  user: 8,
  pushPull: 9,
  pushPullRefused: 10,
});

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';
/** Push-pull entry state codes, by position. */
export const stateCodes: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];
/** High bit of a push-pull entry's state byte: see PushPullEntry.fresh. */
export const FRESH_FLAG = 0x80;

export interface PingMessage {
  readonly type: 'ping';
  readonly seq: number;
  /** The member the sender believes it is pinging; a receiver with another name ignores it. */
  readonly target: string;
  readonly sourceName: string;
  readonly sourceAddress: string;
}
export interface IndirectPingMessage {
  readonly type: 'indirect-ping';
  readonly seq: number;
  readonly target: string;
  readonly targetAddress: string;
  /** The requester wants a nack if the target does not answer in time (Lifeguard). */
  readonly wantNack: boolean;
  readonly sourceName: string;
  readonly sourceAddress: string;
}
export interface AckMessage {
  readonly type: 'ack';
  readonly seq: number;
  /** Opaque bytes from the acking member (Serf puts its Vivaldi coordinate here). */
  readonly payload: Uint8Array;
}
export interface NackMessage {
  readonly type: 'nack';
  readonly seq: number;
}
export interface SuspectMessage {
  readonly type: 'suspect';
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}
export interface AliveMessage {
  readonly type: 'alive';
  readonly incarnation: number;
  readonly node: string;
  readonly address: string;
  readonly meta: Uint8Array;
}
export interface DeadMessage {
  readonly type: 'dead';
  readonly incarnation: number;
  readonly node: string;
  /** Equal to `node` for a graceful leave. */
  readonly from: string;
}
export interface UserMessage {
  readonly type: 'user';
  readonly payload: Uint8Array;
}
export type PacketMessage =
  | PingMessage
  | IndirectPingMessage
  | AckMessage
  | NackMessage
  | SuspectMessage
  | AliveMessage
  | DeadMessage
  | UserMessage;

export interface PushPullEntry {
  readonly name: string;
  readonly address: string;
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly state: MemberState;
  /** The sender is still gossiping news about this member (it sits in its broadcast queue). */
  readonly fresh: boolean;
}
export interface PushPullMessage {
  readonly type: 'push-pull';
  /** Sent by a joining member: the receiver treats it as a join and the requester emits its join result. */
  readonly join: boolean;
  readonly entries: readonly PushPullEntry[];
  /** Opaque state of the layer above (Serf's Lamport clocks and intents). */
  readonly userState: Uint8Array;
}
/** The answer to a push-pull whose state this node's merge delegate refused: why, and nothing merged. */
export interface PushPullRefusedMessage {
  readonly type: 'push-pull-refused';
  readonly reason: string;
}
/** A refusal reason travels as at most this many UTF-8 bytes (longer ones are cut). */
export const REFUSAL_SIZE_BYTES_MAX = 1024;
export type StreamMessage = PingMessage | AckMessage | PushPullMessage | PushPullRefusedMessage;

export type DecodeFailure =
  | 'empty'
  | 'oversized'
  | 'version'
  | 'truncated'
  | 'type'
  | 'length'
  | 'utf8'
  | 'field'
  | 'trailing'
  | 'compression';

/** Input that is not a well-formed gossip packet or stream body; `reason` says which check failed. */
export class GossipDecodeError extends LatticeError {
  override readonly name: string = 'GossipDecodeError';
  constructor(
    readonly reason: DecodeFailure,
    message: string,
  ) {
    super('ERR_GOSSIP_DECODE', message);
  }
}
