// Proves the framing of the framed Raft path: frames come out whole however the byte stream is cut (one byte
// at a time, several frames per read, a frame over many reads), and a length over the limit is refused at its
// header, before any of its body is buffered.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeLengthPrefixed, FrameReader, OversizeFrameError } from './framed-protocol.js';

const frames = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('last frame')];
const stream = Buffer.concat(frames.map((frame) => encodeLengthPrefixed(frame)));

function readAllCut(cutBytes: number): Buffer[] {
  const reader = new FrameReader(1024 * 1024);
  const out: Buffer[] = [];
  for (let offset = 0; offset < stream.byteLength; offset += cutBytes) {
    out.push(...reader.push(stream.subarray(offset, offset + cutBytes)));
  }
  return out;
}

it('yields every frame whole, however the stream is cut into reads', () => {
  for (const cutBytes of [1, 3, 4, 5, 1000, 65_536, stream.byteLength]) {
    assert.deepEqual(readAllCut(cutBytes), frames, `reads of ${cutBytes} bytes`);
  }
});

it('refuses a frame longer than the limit at its header', () => {
  const reader = new FrameReader(100);
  assert.deepEqual(reader.push(encodeLengthPrefixed(Buffer.alloc(100))), [Buffer.alloc(100)]);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(101, 0);
  assert.throws(() => reader.push(header), OversizeFrameError);
});
