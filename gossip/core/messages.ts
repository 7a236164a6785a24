// Gossip wire messages and their compact, versioned binary codec (Lattice's own format, not memberlist's). Decoding
// is strict: anything malformed, truncated, oversized or of an unknown version throws GossipDecodeError and
// nothing else.
//
// Packet (UDP):   [version u8 = 1] then one or more framed messages, up to packetSizeBytesMax in all.
// Framed message: [type u8][body length u16 big-endian][body].
// Stream (TCP):   [version u8 = 1][type u8][body to the end] — ping/ack for fallback probes, push-pull for sync.
// Strings are [length u8][UTF-8]; byte fields are [length u16][bytes]; integers are big-endian u32.

import { LatticeError } from '../../lib/errors.js';

export const WIRE_VERSION = 1;
export const NAME_SIZE_BYTES_MAX = 255;
export const META_SIZE_BYTES_MAX = 512;
export const ACK_PAYLOAD_SIZE_BYTES_MAX = 1_024;
/** Type byte + u16 body length in front of every message inside a packet. */
export const FRAME_OVERHEAD_BYTES = 3;
const INCARNATION_MAX = 0xffff_ffff;

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
});

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';
const stateCodes: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];
/** High bit of a push-pull entry's state byte: see PushPullEntry.fresh. */
const FRESH_FLAG = 0x80;

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
export type StreamMessage = PingMessage | AckMessage | PushPullMessage;

export type DecodeFailure =
  | 'empty'
  | 'oversized'
  | 'version'
  | 'truncated'
  | 'type'
  | 'length'
  | 'utf8'
  | 'field'
  | 'trailing';

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

// ---------------------------------------------------------------------------------------------------------------
// Encoding

const textEncoder = new TextEncoder();
/** Shared by every decoded empty field; never written to. */
const EMPTY_BYTES = new Uint8Array(0);

/**
 * New bytes for encoding. Buffer.allocUnsafe carves small sizes from a shared slab, far cheaper than a fresh
 * ArrayBuffer per packet; every byte is written before the bytes leave the encoder.
 */
function allocate(size: number): Uint8Array {
  return Buffer.allocUnsafe(size);
}
const strictTextDecoder = new TextDecoder('utf-8', { fatal: true });

function isAscii(text: string): boolean {
  for (let position = 0; position < text.length; position++) if (text.charCodeAt(position) > 0x7f) return false;
  return true;
}

function utf8Length(text: string): number {
  return isAscii(text) ? text.length : textEncoder.encode(text).length;
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  position = 0;
  constructor(size: number) {
    this.bytes = allocate(size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }
  u8(value: number): void {
    this.bytes[this.position++] = value;
  }
  u16(value: number): void {
    this.view.setUint16(this.position, value);
    this.position += 2;
  }
  u32(value: number): void {
    this.view.setUint32(this.position, value);
    this.position += 4;
  }
  string(text: string): void {
    if (isAscii(text)) {
      this.bytes[this.position++] = text.length;
      for (let position = 0; position < text.length; position++)
        this.bytes[this.position++] = text.charCodeAt(position);
      return;
    }
    const encoded = textEncoder.encode(text);
    this.bytes[this.position++] = encoded.length;
    this.bytes.set(encoded, this.position);
    this.position += encoded.length;
  }
  shortBytes(value: Uint8Array): void {
    this.u16(value.length);
    this.bytes.set(value, this.position);
    this.position += value.length;
  }
  raw(value: Uint8Array): void {
    this.bytes.set(value, this.position);
    this.position += value.length;
  }
}

function checkName(what: string, text: string): number {
  const length = utf8Length(text);
  if (length > NAME_SIZE_BYTES_MAX) throw new RangeError(`${what} is ${length} bytes, above ${NAME_SIZE_BYTES_MAX}`);
  return 1 + length;
}

function checkBytes(what: string, value: Uint8Array, max: number): number {
  if (value.length > max) throw new RangeError(`${what} is ${value.length} bytes, above ${max}`);
  return 2 + value.length;
}

function bodySize(message: PacketMessage): number {
  switch (message.type) {
    case 'ping':
      return (
        4 +
        checkName('target', message.target) +
        checkName('sourceName', message.sourceName) +
        checkName('sourceAddress', message.sourceAddress)
      );
    case 'indirect-ping':
      return (
        5 +
        checkName('target', message.target) +
        checkName('targetAddress', message.targetAddress) +
        checkName('sourceName', message.sourceName) +
        checkName('sourceAddress', message.sourceAddress)
      );
    case 'ack':
      return 4 + checkBytes('ack payload', message.payload, ACK_PAYLOAD_SIZE_BYTES_MAX);
    case 'nack':
      return 4;
    case 'suspect':
    case 'dead':
      return 4 + checkName('node', message.node) + checkName('from', message.from);
    case 'alive':
      return (
        4 +
        checkName('node', message.node) +
        checkName('address', message.address) +
        checkBytes('meta', message.meta, META_SIZE_BYTES_MAX)
      );
    case 'user':
      if (message.payload.length > 0xffff) throw new RangeError('user payload above 65535 bytes');
      return message.payload.length;
  }
}

function writeBody(writer: Writer, message: PacketMessage): void {
  switch (message.type) {
    case 'ping':
      writer.u32(message.seq);
      writer.string(message.target);
      writer.string(message.sourceName);
      writer.string(message.sourceAddress);
      return;
    case 'indirect-ping':
      writer.u32(message.seq);
      writer.string(message.target);
      writer.string(message.targetAddress);
      writer.u8(message.wantNack ? 1 : 0);
      writer.string(message.sourceName);
      writer.string(message.sourceAddress);
      return;
    case 'ack':
      writer.u32(message.seq);
      writer.shortBytes(message.payload);
      return;
    case 'nack':
      writer.u32(message.seq);
      return;
    case 'suspect':
    case 'dead':
      writer.u32(message.incarnation);
      writer.string(message.node);
      writer.string(message.from);
      return;
    case 'alive':
      writer.u32(message.incarnation);
      writer.string(message.node);
      writer.string(message.address);
      writer.shortBytes(message.meta);
      return;
    case 'user':
      writer.raw(message.payload);
      return;
  }
}

const typeCodes: Record<PacketMessage['type'], number> = {
  ping: MessageType.ping,
  'indirect-ping': MessageType.indirectPing,
  ack: MessageType.ack,
  nack: MessageType.nack,
  suspect: MessageType.suspect,
  alive: MessageType.alive,
  dead: MessageType.dead,
  user: MessageType.user,
};

/** One message framed for a packet: [type][length u16][body]. Throws RangeError on fields over their limits. */
export function encodeFramed(message: PacketMessage): Uint8Array {
  const size = bodySize(message);
  const writer = new Writer(FRAME_OVERHEAD_BYTES + size);
  writer.u8(typeCodes[message.type]);
  writer.u16(size);
  writeBody(writer, message);
  return writer.bytes;
}

/** A packet of already-framed messages: the version byte, then each frame in order. */
export function buildPacket(frames: readonly Uint8Array[]): Uint8Array {
  let size = 1;
  for (const frame of frames) size += frame.length;
  const bytes = allocate(size);
  bytes[0] = WIRE_VERSION;
  let position = 1;
  for (const frame of frames) {
    bytes.set(frame, position);
    position += frame.length;
  }
  return bytes;
}

/** A packet holding `messages` (a convenience for tests and tools; the core builds packets from frames). */
export function encodePacket(messages: readonly PacketMessage[]): Uint8Array {
  return buildPacket(messages.map(encodeFramed));
}

/** A stream body: a fallback ping, its ack, or a push-pull state exchange. */
export function encodeStream(message: StreamMessage): Uint8Array {
  if (message.type !== 'push-pull') {
    const frame = encodeFramed(message);
    const bytes = allocate(1 + frame.length);
    bytes[0] = WIRE_VERSION;
    bytes.set(frame, 1);
    return bytes;
  }
  let size = 3 + 4;
  for (const entry of message.entries) {
    size +=
      checkName('name', entry.name) +
      checkName('address', entry.address) +
      checkBytes('meta', entry.meta, META_SIZE_BYTES_MAX) +
      5;
  }
  size += 4 + message.userState.length;
  const writer = new Writer(size);
  writer.u8(WIRE_VERSION);
  writer.u8(MessageType.pushPull);
  writer.u8(message.join ? 1 : 0);
  writer.u32(message.entries.length);
  for (const entry of message.entries) {
    writer.string(entry.name);
    writer.string(entry.address);
    writer.shortBytes(entry.meta);
    writer.u32(entry.incarnation);
    writer.u8(stateCodes.indexOf(entry.state) | (entry.fresh ? FRESH_FLAG : 0));
  }
  writer.u32(message.userState.length);
  writer.raw(message.userState);
  return writer.bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

class Reader {
  private readonly view: DataView;
  position: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    public end: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = start;
  }
  need(count: number): void {
    if (this.position + count > this.end)
      throw new GossipDecodeError('truncated', `needed ${count} bytes at offset ${this.position}, have ${this.end}`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.position++]!;
  }
  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.position);
    this.position += 2;
    return value;
  }
  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.position);
    this.position += 4;
    return value;
  }
  string(what: string): string {
    const length = this.u8();
    this.need(length);
    const start = this.position;
    this.position += length;
    let ascii = true;
    for (let position = start; position < start + length; position++) {
      if (this.bytes[position]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii)
      return String.fromCharCode.apply(null, this.bytes.subarray(start, start + length) as unknown as number[]);
    try {
      return strictTextDecoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new GossipDecodeError('utf8', `${what} is not valid UTF-8`);
    }
  }
  nonEmptyString(what: string): string {
    const text = this.string(what);
    if (text.length === 0) throw new GossipDecodeError('field', `${what} is empty`);
    return text;
  }
  shortBytes(what: string, max: number): Uint8Array {
    const length = this.u16();
    if (length > max) throw new GossipDecodeError('field', `${what} is ${length} bytes, above ${max}`);
    if (length === 0) return EMPTY_BYTES;
    this.need(length);
    // A plain copy: decoded fields outlive the packet and must not pin its buffer.
    const value = new Uint8Array(this.bytes.subarray(this.position, this.position + length));
    this.position += length;
    return value;
  }
}

function decodeBody(type: number, reader: Reader): PacketMessage {
  switch (type) {
    case MessageType.ping:
      return {
        type: 'ping',
        seq: reader.u32(),
        target: reader.nonEmptyString('target'),
        sourceName: reader.nonEmptyString('sourceName'),
        sourceAddress: reader.nonEmptyString('sourceAddress'),
      };
    case MessageType.indirectPing: {
      const seq = reader.u32();
      const target = reader.nonEmptyString('target');
      const targetAddress = reader.nonEmptyString('targetAddress');
      const flag = reader.u8();
      if (flag > 1) throw new GossipDecodeError('field', `wantNack flag ${flag} is not 0 or 1`);
      return {
        type: 'indirect-ping',
        seq,
        target,
        targetAddress,
        wantNack: flag === 1,
        sourceName: reader.nonEmptyString('sourceName'),
        sourceAddress: reader.nonEmptyString('sourceAddress'),
      };
    }
    case MessageType.ack:
      return { type: 'ack', seq: reader.u32(), payload: reader.shortBytes('ack payload', ACK_PAYLOAD_SIZE_BYTES_MAX) };
    case MessageType.nack:
      return { type: 'nack', seq: reader.u32() };
    case MessageType.suspect:
      return {
        type: 'suspect',
        incarnation: reader.u32(),
        node: reader.nonEmptyString('node'),
        from: reader.nonEmptyString('from'),
      };
    case MessageType.dead:
      return {
        type: 'dead',
        incarnation: reader.u32(),
        node: reader.nonEmptyString('node'),
        from: reader.nonEmptyString('from'),
      };
    case MessageType.alive:
      return {
        type: 'alive',
        incarnation: reader.u32(),
        node: reader.nonEmptyString('node'),
        address: reader.nonEmptyString('address'),
        meta: reader.shortBytes('meta', META_SIZE_BYTES_MAX),
      };
    case MessageType.user: {
      const payload = new Uint8Array(reader.bytes.subarray(reader.position, reader.end));
      reader.position = reader.end;
      return { type: 'user', payload };
    }
    default:
      throw new GossipDecodeError('type', `unknown message type ${type}`);
  }
}

function checkEnvelope(bytes: Uint8Array, sizeBytesMax: number): void {
  if (!(bytes instanceof Uint8Array)) throw new GossipDecodeError('empty', 'input is not bytes');
  if (bytes.length === 0) throw new GossipDecodeError('empty', 'empty input');
  if (bytes.length > sizeBytesMax)
    throw new GossipDecodeError('oversized', `${bytes.length} bytes is above the limit of ${sizeBytesMax}`);
  if (bytes[0] !== WIRE_VERSION)
    throw new GossipDecodeError('version', `wire version ${bytes[0]} is not ${WIRE_VERSION}`);
}

/** Decodes a whole packet; all or nothing, so a malformed tail drops the packet. */
export function decodePacket(bytes: Uint8Array, sizeBytesMax: number): PacketMessage[] {
  checkEnvelope(bytes, sizeBytesMax);
  if (bytes.length < 1 + FRAME_OVERHEAD_BYTES) throw new GossipDecodeError('truncated', 'packet holds no message');
  const reader = new Reader(bytes, 1, bytes.length);
  const messages: PacketMessage[] = [];
  while (reader.position < bytes.length) {
    const type = reader.u8();
    const length = reader.u16();
    const bodyEnd = reader.position + length;
    if (bodyEnd > bytes.length) throw new GossipDecodeError('length', `message body of ${length} bytes overruns`);
    reader.end = bodyEnd;
    messages.push(decodeBody(type, reader));
    if (reader.position !== bodyEnd)
      throw new GossipDecodeError('trailing', `${bodyEnd - reader.position} stray bytes after a message body`);
    reader.end = bytes.length;
  }
  return messages;
}

/** Decodes a stream body (fallback ping, ack or push-pull). */
export function decodeStream(bytes: Uint8Array, sizeBytesMax: number): StreamMessage {
  checkEnvelope(bytes, sizeBytesMax);
  const reader = new Reader(bytes, 1, bytes.length);
  const type = reader.u8();
  if (type === MessageType.ping || type === MessageType.ack) {
    const length = reader.u16();
    if (reader.position + length !== bytes.length)
      throw new GossipDecodeError('length', 'stream message length does not match the stream');
    const message = decodeBody(type, reader);
    if (reader.position !== bytes.length) throw new GossipDecodeError('trailing', 'stray bytes after a stream body');
    return message as PingMessage | AckMessage;
  }
  if (type !== MessageType.pushPull) throw new GossipDecodeError('type', `unknown stream type ${type}`);
  const joinFlag = reader.u8();
  if (joinFlag > 1) throw new GossipDecodeError('field', `join flag ${joinFlag} is not 0 or 1`);
  const count = reader.u32();
  // Each entry takes at least 9 bytes, so a forged count cannot make us allocate past the input.
  if (count * 9 > bytes.length) throw new GossipDecodeError('field', `entry count ${count} exceeds the stream`);
  const entries: PushPullEntry[] = [];
  for (let position = 0; position < count; position++) {
    const name = reader.nonEmptyString('name');
    const address = reader.nonEmptyString('address');
    const meta = reader.shortBytes('meta', META_SIZE_BYTES_MAX);
    const incarnation = reader.u32();
    const stateByte = reader.u8();
    const state = stateCodes[stateByte & ~FRESH_FLAG];
    if (state === undefined) throw new GossipDecodeError('field', `member state ${stateByte} is unknown`);
    entries.push({ name, address, meta, incarnation, state, fresh: (stateByte & FRESH_FLAG) !== 0 });
  }
  const userStateLength = reader.u32();
  reader.need(userStateLength);
  const userState = new Uint8Array(bytes.subarray(reader.position, reader.position + userStateLength));
  reader.position += userStateLength;
  if (reader.position !== bytes.length) throw new GossipDecodeError('trailing', 'stray bytes after push-pull state');
  return { type: 'push-pull', join: joinFlag === 1, entries, userState };
}

export function isValidIncarnation(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= INCARNATION_MAX;
}
