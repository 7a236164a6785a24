// Proves the tagged-value path of the RPC stream: a large read answer is encoded once per answer object and
// decoded once per tag, so repeated replies carry the same value object; small values, non-read replies and
// errors pass through untouched; a malformed tagged value throws (the client turns that into an error reply); the
// client's kept values stay within their count bound.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodedValuesMax, ReplyValueDecoder, ReplyValueEncoder, taggedValueSizeBytesMin } from './reply-values.js';
import { encodeItem, frameOf, itemsOf } from './stream-frames.js';
import { decodeFrame, type WireResponse } from './wire.js';

const meta = { index: 7, knownLeader: true, lastContactMs: 0 };
const bigValue = () =>
  Array.from({ length: 100 }, (_, position) => ({
    Node: `n${position}`,
    Service: { ID: `s${position}`, Port: 80, Tags: ['primary', 'bench'], Meta: { shard: String(position) } },
  }));

/** Encodes on the "server", frames, decodes the frame as the client does. */
function overTheWire(encoder: ReplyValueEncoder, decoder: ReplyValueDecoder, response: WireResponse): unknown {
  const frame = decodeFrame(frameOf([encodeItem({ id: 1, response: encoder.wireForm(response) })]));
  const item = itemsOf(frame)[0] as { response: unknown };
  return decoder.readForm(item.response);
}

describe('tagged reply values', () => {
  it('gives every reply of one answer object the same decoded value, with its own meta', () => {
    const encoder = new ReplyValueEncoder();
    const decoder = new ReplyValueDecoder();
    const value = bigValue();
    const first = overTheWire(encoder, decoder, { ok: true, reply: { value, meta } }) as {
      reply: { value: unknown; meta: unknown };
    };
    const second = overTheWire(encoder, decoder, {
      ok: true,
      reply: { value, meta: { ...meta, lastContactMs: 3 } },
    }) as {
      reply: { value: unknown; meta: { lastContactMs: number } };
    };
    assert.deepEqual(first.reply.value, value);
    assert.deepEqual(first.reply.meta, meta);
    assert.equal(second.reply.value, first.reply.value);
    assert.equal(second.reply.meta.lastContactMs, 3);
    const tagged = encoder.wireForm({ ok: true, reply: { value, meta } }) as unknown as { valueBytes: Buffer };
    assert.ok(tagged.valueBytes.length >= taggedValueSizeBytesMin);
  });

  it('decodes a different answer object afresh', () => {
    const encoder = new ReplyValueEncoder();
    const decoder = new ReplyValueDecoder();
    const first = overTheWire(encoder, decoder, { ok: true, reply: { value: bigValue(), meta } }) as {
      reply: { value: unknown };
    };
    const second = overTheWire(encoder, decoder, { ok: true, reply: { value: bigValue(), meta } }) as {
      reply: { value: unknown };
    };
    assert.notEqual(second.reply.value, first.reply.value);
    assert.deepEqual(second.reply.value, first.reply.value);
  });

  it('leaves small values, plain replies and errors as they are', () => {
    const encoder = new ReplyValueEncoder();
    const small: WireResponse = { ok: true, reply: { value: [{ Node: 'n1' }], meta } };
    const plain: WireResponse = { ok: true, reply: true };
    const failed: WireResponse = { ok: false, error: { name: 'NoLeaderError', code: 'ERR_NO_LEADER', message: 'x' } };
    for (const response of [small, plain, failed]) assert.equal(encoder.wireForm(response), response);
    const decoder = new ReplyValueDecoder();
    for (const response of [small, plain, failed]) assert.equal(decoder.readForm(response), response);
  });

  it('throws on a tagged value that is not msgpack', () => {
    const decoder = new ReplyValueDecoder();
    assert.throws(() =>
      decoder.readForm({ ok: true, reply: { meta }, valueTag: 'x.1', valueBytes: new Uint8Array([0x82, 0xa1]) }),
    );
  });

  it('keeps at most decodedValuesMax values', () => {
    const encoder = new ReplyValueEncoder();
    const decoder = new ReplyValueDecoder();
    const firstValue = bigValue();
    const first = overTheWire(encoder, decoder, { ok: true, reply: { value: firstValue, meta } }) as {
      reply: { value: unknown };
    };
    for (let count = 0; count < decodedValuesMax; count++)
      overTheWire(encoder, decoder, { ok: true, reply: { value: bigValue(), meta } });
    const again = overTheWire(encoder, decoder, { ok: true, reply: { value: firstValue, meta } }) as {
      reply: { value: unknown };
    };
    assert.notEqual(again.reply.value, first.reply.value, 'the oldest value was let go');
    assert.deepEqual(again.reply.value, first.reply.value);
  });
});
