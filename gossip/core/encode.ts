// Encoding of gossip packets and stream bodies: exact-size buffers, ASCII fast paths, and a RangeError for any
// field over its limit (a programmer error: the core never builds such a message from valid input).

import { assert } from '../../lib/assert.js';
import type { FrameSink } from './broadcast-queue.js';
import {
  ACK_PAYLOAD_SIZE_BYTES_MAX,
  FRAME_OVERHEAD_BYTES,
  FRESH_FLAG,
  META_SIZE_BYTES_MAX,
  MessageType,
  NAME_SIZE_BYTES_MAX,
  type PacketMessage,
  REFUSAL_SIZE_BYTES_MAX,
  type StreamMessage,
  stateCodes,
  WIRE_VERSION,
} from './messages.js';

const textEncoder = new TextEncoder();

/**
 * New bytes for encoding. Buffer.allocUnsafe carves small sizes from a shared slab, far cheaper than a fresh
 * ArrayBuffer per packet; every byte is written before the bytes leave the encoder.
 */
function allocate(size: number): Uint8Array {
  return Buffer.allocUnsafe(size);
}

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
  // Buffers come uninitialised from a shared slab: every byte must have been written, or stale memory would leak.
  assert(writer.position === writer.bytes.length, `${message.type} frame: wrote ${writer.position} of its bytes`);
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

/**
 * Builds one packet at a time in a scratch buffer reused for every packet of a core: the version byte, then the
 * frames added (the message first, then broadcasts straight from the queue's arena), copied out by `finish`.
 */
export class PacketBuilder implements FrameSink {
  private readonly scratch: Uint8Array;
  private length = 1;

  constructor(sizeBytesMax: number) {
    this.scratch = new Uint8Array(sizeBytesMax);
    this.scratch[0] = WIRE_VERSION;
  }

  /** Bytes used so far, the version byte included. */
  get size(): number {
    return this.length;
  }

  reset(): void {
    this.length = 1;
  }

  add(source: Uint8Array, start: number, end: number): void {
    assert(this.length + end - start <= this.scratch.length, 'frame does not fit the packet');
    // A loop, not set(subarray): frames are ~20 bytes and a view object per frame costs more than the copy.
    const scratch = this.scratch;
    let position = this.length;
    for (let read = start; read < end; read++) scratch[position++] = source[read]!;
    this.length = position;
  }

  /** The packet built so far, as new bytes; the builder is then reset. */
  finish(): Uint8Array {
    const bytes = allocate(this.length);
    const scratch = this.scratch;
    for (let position = 0; position < this.length; position++) bytes[position] = scratch[position]!;
    this.length = 1;
    return bytes;
  }
}

/** A packet holding `messages` (a convenience for tests and tools; the core builds packets from frames). */
export function encodePacket(messages: readonly PacketMessage[]): Uint8Array {
  return buildPacket(messages.map(encodeFramed));
}

/** A stream body: a fallback ping, its ack, or a push-pull state exchange. */
export function encodeStream(message: StreamMessage): Uint8Array {
  if (message.type === 'push-pull-refused') {
    const reason = refusalBytes(message.reason);
    const writer = new Writer(4 + reason.length);
    writer.u8(WIRE_VERSION);
    writer.u8(MessageType.pushPullRefused);
    writer.shortBytes(reason);
    return writer.bytes;
  }
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
  assert(writer.position === writer.bytes.length, `push-pull body: wrote ${writer.position} of its bytes`);
  return writer.bytes;
}

/** A refusal reason as UTF-8, cut on a character boundary to REFUSAL_SIZE_BYTES_MAX bytes. */
function refusalBytes(reason: string): Uint8Array {
  let text = reason.length > REFUSAL_SIZE_BYTES_MAX ? reason.slice(0, REFUSAL_SIZE_BYTES_MAX) : reason;
  let bytes = textEncoder.encode(text);
  while (bytes.length > REFUSAL_SIZE_BYTES_MAX) {
    text = text.slice(0, -1);
    bytes = textEncoder.encode(text);
  }
  return bytes;
}
