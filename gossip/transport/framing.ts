// Length-prefixed frames for gossip streams: [u32 big-endian length][bytes]. The reader accumulates chunks from
// a socket and hands out whole frames, refusing any length over the limit before buffering it.

import { FrameTooLargeError } from './transport.js';

export const frameHeaderSizeBytes = 4;

export function encodeFrameHeader(sizeBytes: number): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderSizeBytes);
  header.writeUInt32BE(sizeBytes, 0);
  return header;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly frameSizeBytesMax: number) {}

  /** Adds received bytes and returns every frame now complete; throws FrameTooLargeError on an oversized header. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.bufferedBytes < frameHeaderSizeBytes) break;
      const head = this.peek(frameHeaderSizeBytes);
      const sizeBytes = head.readUInt32BE(0);
      if (sizeBytes > this.frameSizeBytesMax) throw new FrameTooLargeError(sizeBytes, this.frameSizeBytesMax);
      if (this.bufferedBytes < frameHeaderSizeBytes + sizeBytes) break;
      const whole = this.take(frameHeaderSizeBytes + sizeBytes);
      frames.push(whole.subarray(frameHeaderSizeBytes));
    }
    return frames;
  }

  private peek(sizeBytes: number): Buffer {
    if (this.chunks[0]!.length >= sizeBytes) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(sizeBytes: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const taken = joined.subarray(0, sizeBytes);
    const rest = joined.subarray(sizeBytes);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.bufferedBytes -= sizeBytes;
    return taken;
  }
}
