// The frame codec: frames split anywhere across reads come out whole and in order, and every malformed header is
// refused with a protocol error rather than guessed at.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FRAME_HEADER_BYTES,
  FrameParser,
  FrameType,
  MuxProtocolError,
  WINDOW_PAYLOAD_BYTES,
  writeFrameHeader,
} from './frames.js';

function frame(type: FrameType, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, type, id, payload.length);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

function windowFrame(id: number, increment: number): Buffer {
  const payload = Buffer.alloc(WINDOW_PAYLOAD_BYTES);
  payload.writeUInt32BE(increment);
  return frame(FrameType.window, id, payload);
}

function recorder(): { events: string[]; parser: FrameParser } {
  const events: string[] = [];
  const parser = new FrameParser(
    {
      open: (id) => events.push(`open ${id}`),
      data: (id, payload) => events.push(`data ${id} ${payload.toString()}`),
      end: (id) => events.push(`end ${id}`),
      reset: (id) => events.push(`reset ${id}`),
      window: (id, increment) => events.push(`window ${id} ${increment}`),
    },
    1024,
  );
  return { events, parser };
}

describe('mux frames', () => {
  const stream = Buffer.concat([
    frame(FrameType.open, 1),
    frame(FrameType.data, 1, Buffer.from('hello')),
    windowFrame(1, 4096),
    frame(FrameType.end, 1),
    frame(FrameType.reset, 7),
  ]);
  const expected = ['open 1', 'data 1 hello', 'window 1 4096', 'end 1', 'reset 7'];

  it('parses frames fed whole, and split at every possible byte', () => {
    const whole = recorder();
    whole.parser.feed(stream);
    assert.deepEqual(whole.events, expected);
    for (let cut = 1; cut < stream.length; cut += 1) {
      const split = recorder();
      split.parser.feed(stream.subarray(0, cut));
      split.parser.feed(stream.subarray(cut));
      assert.deepEqual(split.events, expected, `cut at ${cut}`);
      assert.equal(split.parser.pendingBytes(), 0);
    }
  });

  it('parses a stream fed one byte at a time', () => {
    const { events, parser } = recorder();
    for (const byte of stream) parser.feed(Buffer.from([byte]));
    assert.deepEqual(events, expected);
  });

  const hostile: [string, Buffer][] = [
    ['an unknown type', frame(9 as FrameType, 1)],
    ['stream ID 0', frame(FrameType.open, 0)],
    ['a data frame over the limit', frame(FrameType.data, 1, Buffer.alloc(1025))],
    ['an OPEN with a payload', frame(FrameType.open, 1, Buffer.from('x'))],
    ['a WINDOW of the wrong size', frame(FrameType.window, 1, Buffer.alloc(2))],
    ['a zero WINDOW increment', windowFrame(1, 0)],
  ];
  for (const [what, bytes] of hostile) {
    it(`refuses ${what}`, () => {
      const { events, parser } = recorder();
      assert.throws(() => parser.feed(bytes), MuxProtocolError);
      assert.deepEqual(events, []);
    });
  }

  it('refuses an oversized length from the header alone, without waiting for the payload', () => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    writeFrameHeader(header, 0, FrameType.data, 1, 0xffff_ffff);
    assert.throws(() => recorder().parser.feed(header), /exceeds the limit/);
  });
});
