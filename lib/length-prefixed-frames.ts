// Length-prefixed frames on a byte stream, [u32 big-endian length][bytes], as the gossip streams and the framed
// Raft path both carry them. The reader keeps chunks as received and joins them only when a frame is complete, so
// a big frame arriving in many reads is copied once, and the common case (whole frames per read) not at all.

export const lengthPrefixBytes = 4;

export class LengthPrefixedFrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  /** `tooLarge` makes the error thrown for a length over the limit (each protocol names its own). */
  constructor(
    private readonly frameSizeBytesMax: number,
    private readonly tooLarge: (sizeBytes: number, sizeBytesMax: number) => Error,
  ) {}

  /** The complete frames `chunk` finishes, in order; throws before buffering a frame whose length is over the limit. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.byteLength;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.bufferedBytes < lengthPrefixBytes) break;
      const sizeBytes = this.head(lengthPrefixBytes).readUInt32BE(0);
      if (sizeBytes > this.frameSizeBytesMax) throw this.tooLarge(sizeBytes, this.frameSizeBytesMax);
      if (this.bufferedBytes < lengthPrefixBytes + sizeBytes) break;
      const all = this.head(lengthPrefixBytes + sizeBytes);
      frames.push(all.subarray(lengthPrefixBytes, lengthPrefixBytes + sizeBytes));
      this.consume(lengthPrefixBytes + sizeBytes);
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
