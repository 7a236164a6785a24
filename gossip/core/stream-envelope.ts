// The version-2 stream envelope: a version-1 push-pull stream, raw-deflated when that makes it smaller (memberlist
// LZW-compresses every stream payload for the same reason; a full state repeats tag keys, values and address
// prefixes, so it shrinks to about a quarter). Synchronous zlib keeps the core pure: the same input and level give
// the same bytes, and no work is left pending.
//
// Envelope: [version u8 = 2][codec u8] then, for codec 0 (stored), the version-1 stream as is; for codec 1
// (deflate), [inflated length u32 big-endian][raw deflate of the version-1 stream]. A node that predates the
// envelope rejects its first byte as an unknown wire version and closes the stream: the sender then retries in
// version 1 (see core.ts), so mixed pools keep syncing.

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GossipDecodeError, MessageType, STREAM_ENVELOPE_VERSION, WIRE_VERSION } from './messages.js';

export const StreamCodec = Object.freeze({ stored: 0, deflate: 1 });

/** Bodies shorter than this are stored: deflate's block header and the length field would eat the saving. */
const DEFLATE_SIZE_BYTES_MIN = 128;
const STORED_HEADER_BYTES = 2;
const DEFLATE_HEADER_BYTES = 6;
/** The smallest version-1 push-pull: version, type, join flag, u32 entry count, u32 user-state length. */
const PUSH_PULL_SIZE_BYTES_MIN = 11;

/**
 * Wraps a version-1 push-pull stream in the envelope, deflated at `level` (1..9) unless that does not make it
 * smaller. A stored envelope still tells the receiver that this node reads envelopes, so it may answer in one.
 */
export function sealStreamEnvelope(plain: Uint8Array, level: number): Uint8Array {
  if (plain.length >= DEFLATE_SIZE_BYTES_MIN) {
    const deflated = deflateRawSync(plain, { level });
    if (deflated.length + DEFLATE_HEADER_BYTES < plain.length + STORED_HEADER_BYTES) {
      const bytes = Buffer.allocUnsafe(DEFLATE_HEADER_BYTES + deflated.length);
      bytes[0] = STREAM_ENVELOPE_VERSION;
      bytes[1] = StreamCodec.deflate;
      bytes.writeUInt32BE(plain.length, 2);
      deflated.copy(bytes, DEFLATE_HEADER_BYTES);
      return bytes;
    }
  }
  const bytes = Buffer.allocUnsafe(STORED_HEADER_BYTES + plain.length);
  bytes[0] = STREAM_ENVELOPE_VERSION;
  bytes[1] = StreamCodec.stored;
  bytes.set(plain, STORED_HEADER_BYTES);
  return bytes;
}

/** Is `bytes` a version-2 envelope (rather than a version-1 stream or garbage)? */
export function isStreamEnvelope(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length > 0 && bytes[0] === STREAM_ENVELOPE_VERSION;
}

/**
 * The version-1 push-pull stream inside an envelope. Inflation is bounded by the declared length, itself at most
 * `sizeBytesMax`, so a forged length or a zip bomb costs at most that much memory before it is refused. Throws
 * GossipDecodeError: 'oversized' for a declared length above the limit, 'compression' for an unknown codec or
 * data that does not inflate to exactly the declared length, 'type' for anything but a push-pull inside.
 */
export function openStreamEnvelope(bytes: Uint8Array, sizeBytesMax: number): Uint8Array {
  if (bytes.length > sizeBytesMax)
    throw new GossipDecodeError('oversized', `${bytes.length} bytes is above the limit of ${sizeBytesMax}`);
  if (bytes.length < STORED_HEADER_BYTES) throw new GossipDecodeError('truncated', 'stream envelope has no codec');
  const codec = bytes[1];
  let plain: Uint8Array;
  if (codec === StreamCodec.stored) {
    plain = bytes.subarray(STORED_HEADER_BYTES);
  } else if (codec === StreamCodec.deflate) {
    plain = inflateBounded(bytes, sizeBytesMax);
  } else {
    throw new GossipDecodeError('compression', `stream envelope codec ${codec} is unknown`);
  }
  if (plain.length < 2 || plain[0] !== WIRE_VERSION || plain[1] !== MessageType.pushPull)
    throw new GossipDecodeError('type', 'a stream envelope carries only a version-1 push-pull');
  return plain;
}

/** What zlib's synchronous inflate returns with `info: true`: the output and the engine, which counted its input. */
interface InflateResult {
  readonly buffer: Buffer;
  readonly engine: { readonly bytesWritten: number };
}

function inflateBounded(bytes: Uint8Array, sizeBytesMax: number): Uint8Array {
  if (bytes.length < DEFLATE_HEADER_BYTES)
    throw new GossipDecodeError('truncated', 'deflated stream envelope has no length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getUint32(2);
  if (declared > sizeBytesMax)
    throw new GossipDecodeError('oversized', `inflated length ${declared} is above the limit of ${sizeBytesMax}`);
  if (declared < PUSH_PULL_SIZE_BYTES_MIN)
    throw new GossipDecodeError('compression', `inflated length ${declared} is too small for a push-pull`);
  const deflated = bytes.subarray(DEFLATE_HEADER_BYTES);
  let inflated: InflateResult;
  try {
    // maxOutputLength makes zlib stop (and throw) past the declared size instead of growing the output; `info`
    // tells how much input the deflate stream used, so bytes after its end are refused as in every other body.
    inflated = inflateRawSync(deflated, { maxOutputLength: declared, info: true }) as unknown as InflateResult;
  } catch (error) {
    const why = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'inflates past' : 'does not inflate to';
    throw new GossipDecodeError('compression', `deflated stream ${why} its declared ${declared} bytes`);
  }
  if (inflated.buffer.length !== declared)
    throw new GossipDecodeError(
      'compression',
      `deflated stream inflates to ${inflated.buffer.length}, not its declared ${declared} bytes`,
    );
  if (inflated.engine.bytesWritten !== deflated.length)
    throw new GossipDecodeError('trailing', 'stray bytes after the deflated stream');
  return inflated.buffer;
}
