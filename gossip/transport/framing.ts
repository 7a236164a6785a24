// Length-prefixed frames for gossip streams: [u32 big-endian length][bytes]. The reader accumulates chunks from
// a socket and hands out whole frames, refusing any length over the limit before buffering it.

import { LengthPrefixedFrameReader } from '../../lib/length-prefixed-frames.js';
import { FrameTooLargeError } from './transport.js';

export const frameHeaderSizeBytes = 4;

export function encodeFrameHeader(sizeBytes: number): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderSizeBytes);
  header.writeUInt32BE(sizeBytes, 0);
  return header;
}

/** Splits a gossip stream into frames; a length over the limit throws FrameTooLargeError. */
export class FrameReader extends LengthPrefixedFrameReader {
  constructor(frameSizeBytesMax: number) {
    super(frameSizeBytesMax, (sizeBytes, sizeBytesMax) => new FrameTooLargeError(sizeBytes, sizeBytesMax));
  }
}
