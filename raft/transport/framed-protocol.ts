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

/**
 * Splits a byte stream into frames. Chunks are kept as received and joined only when a frame is complete, so a
 * big append arriving in many TCP reads is copied once, and the common case (whole frames per read) not at all.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly frameSizeBytesMax: number) {}

  /** The complete frames `chunk` finishes, in order; throws OversizeFrameError on a frame over the limit. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.byteLength;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.bufferedBytes < frameHeaderBytes) break;
      const head = this.head(frameHeaderBytes);
      const sizeBytes = head.readUInt32BE(0);
      if (sizeBytes > this.frameSizeBytesMax) throw new OversizeFrameError(sizeBytes, this.frameSizeBytesMax);
      if (this.bufferedBytes < frameHeaderBytes + sizeBytes) break;
      const all = this.head(frameHeaderBytes + sizeBytes);
      frames.push(all.subarray(frameHeaderBytes, frameHeaderBytes + sizeBytes));
      this.consume(frameHeaderBytes + sizeBytes);
    }
    return frames;
  }

  /** The first `length` buffered bytes as one buffer (joins chunks only when the first is too short). */
  private head(length: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.byteLength >= length) return first;
    const joined = Buffer.concat(this.chunks, this.bufferedBytes);
    this.chunks = [joined];
    return joined;
  }

  private consume(length: number): void {
    this.bufferedBytes -= length;
    const first = this.chunks[0] as Buffer;
    if (first.byteLength === length) this.chunks.shift();
    else this.chunks[0] = first.subarray(length);
  }
}
