// Strict decoding of gossip packets and stream bodies: anything empty, oversized, of another version, truncated,
// of an unknown type, with bad UTF-8, out-of-range fields or trailing bytes throws GossipDecodeError, and nothing
// else escapes. Decoded byte fields are fresh copies that do not pin the packet.

import {
  ACK_PAYLOAD_SIZE_BYTES_MAX,
  type AckMessage,
  FRAME_OVERHEAD_BYTES,
  FRESH_FLAG,
  GossipDecodeError,
  META_SIZE_BYTES_MAX,
  MessageType,
  type PacketMessage,
  type PingMessage,
  type PushPullEntry,
  REFUSAL_SIZE_BYTES_MAX,
  type StreamMessage,
  stateCodes,
  WIRE_VERSION,
} from './messages.js';
import { isStreamEnvelope, openStreamEnvelope } from './stream-envelope.js';

/** Shared by every decoded empty field; never written to. */
const EMPTY_BYTES = new Uint8Array(0);
const strictTextDecoder = new TextDecoder('utf-8', { fatal: true });

function isAsciiRange(bytes: Uint8Array, start: number, end: number): boolean {
  for (let position = start; position < end; position++) if (bytes[position]! > 0x7f) return false;
  return true;
}

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
    if (isAsciiRange(this.bytes, start, start + length))
      return String.fromCharCode.apply(null, this.bytes.subarray(start, start + length) as unknown as number[]);
    try {
      return strictTextDecoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new GossipDecodeError('utf8', `${what} is not valid UTF-8`);
    }
  }
  /** Checks a non-empty string as `nonEmptyString` does, without building it. */
  skipNonEmptyString(what: string): void {
    const length = this.u8();
    if (length === 0) throw new GossipDecodeError('field', `${what} is empty`);
    this.need(length);
    const start = this.position;
    this.position += length;
    if (isAsciiRange(this.bytes, start, start + length)) return;
    try {
      strictTextDecoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new GossipDecodeError('utf8', `${what} is not valid UTF-8`);
    }
  }
  /** Checks a byte field as `shortBytes` does, without copying it. */
  skipShortBytes(what: string, max: number): void {
    const length = this.u16();
    if (length > max) throw new GossipDecodeError('field', `${what} is ${length} bytes, above ${max}`);
    this.need(length);
    this.position += length;
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

/**
 * Tells the decoder, from an alive message's node and incarnation alone, that the message is old news the caller
 * would ignore; it is then checked in full but neither built nor returned. Must not change any state.
 */
export type AliveIsOldNews = (node: string, incarnation: number) => boolean;

/**
 * Decodes a whole packet; all or nothing, so a malformed tail drops the packet. With `aliveIsOldNews`, alive
 * messages it accepts are validated and left out (the hot path of a large pool, where each update arrives about
 * retransmit-limit times).
 */
export function decodePacket(
  bytes: Uint8Array,
  sizeBytesMax: number,
  aliveIsOldNews?: AliveIsOldNews,
): PacketMessage[] {
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
    if (type !== MessageType.alive || aliveIsOldNews === undefined || !skipOldAlive(reader, aliveIsOldNews))
      messages.push(decodeBody(type, reader));
    if (reader.position !== bodyEnd)
      throw new GossipDecodeError('trailing', `${bodyEnd - reader.position} stray bytes after a message body`);
    reader.end = bytes.length;
  }
  return messages;
}

/** Reads an alive body; if it is old news, checks the rest and returns true, else rewinds and returns false. */
function skipOldAlive(reader: Reader, aliveIsOldNews: AliveIsOldNews): boolean {
  const bodyStart = reader.position;
  const incarnation = reader.u32();
  const node = reader.nonEmptyString('node');
  if (!aliveIsOldNews(node, incarnation)) {
    reader.position = bodyStart;
    return false;
  }
  reader.skipNonEmptyString('address');
  reader.skipShortBytes('meta', META_SIZE_BYTES_MAX);
  return true;
}

/**
 * Decodes a stream body: a version-1 fallback ping, ack or push-pull, or a version-2 envelope around a push-pull
 * (inflated within `sizeBytesMax`).
 */
export function decodeStream(bytes: Uint8Array, sizeBytesMax: number): StreamMessage {
  if (isStreamEnvelope(bytes)) bytes = openStreamEnvelope(bytes, sizeBytesMax);
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
  if (type === MessageType.pushPullRefused) {
    const reasonBytes = reader.shortBytes('refusal reason', REFUSAL_SIZE_BYTES_MAX);
    if (reader.position !== bytes.length) throw new GossipDecodeError('trailing', 'stray bytes after a refusal');
    let reason: string;
    try {
      reason = strictTextDecoder.decode(reasonBytes);
    } catch {
      throw new GossipDecodeError('utf8', 'refusal reason is not valid UTF-8');
    }
    return { type: 'push-pull-refused', reason };
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
