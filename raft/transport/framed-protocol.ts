// The framed Raft path on the server port (8300): a connection that opens with `framedMagicByte` carries Raft
// message frames over a plain socket instead of an HTTP/2 stream, which is most of the per-message cost of the
// gRPC path. Every other first byte is gRPC (an HTTP/2 preface 'P' or a TLS ClientHello 0x16), as Consul's RPC
// port dispatches on its first "RPC type" byte.
//
//   client -> server   the hello: magic, version, mode (1 = TLS), 0, 0   (plaintext, so the server can sniff it)
//   ...                TLS handshake when the transport uses TLS        (both ends, same certificates as gRPC)
//   server -> client   the same five bytes                               (the ack: only now may frames follow)
//   client -> server   frames: 4-byte big-endian length, then a msgpack { address, messages } (message-codec.ts)
//
// The mode byte lets a TLS server refuse a plaintext client at once (and the other way round) instead of both
// waiting for a handshake the other will never start.
//
// A server that does not know the path (older Lattice: only gRPC on 8300) must refuse the hello at once, so the
// client falls back to the gRPC Messages stream without stalling: HTTP/2 rejects the first byte of a wrong
// preface; TLS (OpenSSL) rejects a record header whose version byte is not 3, but only once it has all five
// header bytes (hence the two padding bytes), and only if the first byte lacks the high bit, which would make it
// read an SSLv2 header and wait for thousands of bytes.

import { LengthPrefixedFrameReader } from '../../lib/length-prefixed-frames.js';

/** Under 0x80 (see above), not 0x16 (TLS handshake record), 'P' (HTTP/2 preface) nor printable (HTTP/1). */
export const framedMagicByte = 0x1c;
export const framedVersion = 1;
export const framedHelloBytes = 5;

export function framedHello(tlsEnabled: boolean): Buffer {
  return Buffer.from([framedMagicByte, framedVersion, tlsEnabled ? 1 : 0, 0, 0]);
}

export const frameHeaderBytes = 4;

/** One frame on the wire: its length, then its bytes. */
export function encodeLengthPrefixed(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + body.byteLength);
  frame.writeUInt32BE(body.byteLength, 0);
  frame.set(body, frameHeaderBytes);
  return frame;
}

/** A frame longer than the limit: the stream cannot be resynchronised, so the connection must go. */
export class OversizeFrameError extends Error {
  constructor(
    readonly sizeBytes: number,
    readonly sizeBytesMax: number,
  ) {
    super(`frame of ${sizeBytes} bytes exceeds the limit of ${sizeBytesMax}`);
    this.name = 'OversizeFrameError';
  }
}

/** Splits a byte stream into Raft frames; a length over the limit throws OversizeFrameError. */
export class FrameReader extends LengthPrefixedFrameReader {
  constructor(frameSizeBytesMax: number) {
    super(frameSizeBytesMax, (sizeBytes, sizeBytesMax) => new OversizeFrameError(sizeBytes, sizeBytesMax));
  }
}
