// Proves the wire codec: every message type round-trips through packets and streams, and strict decoding turns
// empty, truncated, oversized, wrong-version, unknown-type, bad-UTF-8 and trailing-garbage input into
// GossipDecodeError with the right reason — never another exception.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePacket, decodeStream } from './decode.js';
import { encodeFramed, encodePacket, encodeStream } from './encode.js';
import { GossipDecodeError, type PacketMessage, type PushPullMessage } from './messages.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

const samples: PacketMessage[] = [
  { type: 'ping', seq: 7, target: 'node-b', sourceName: 'node-a', sourceAddress: '10.0.0.1:8301' },
  {
    type: 'indirect-ping',
    seq: 0xffff_ffff,
    target: 'b',
    targetAddress: '10.0.0.2:8301',
    wantNack: true,
    sourceName: 'a',
    sourceAddress: '10.0.0.1:8301',
  },
  { type: 'ack', seq: 1, payload: bytes(1, 2, 3) },
  { type: 'ack', seq: 2, payload: new Uint8Array(0) },
  { type: 'nack', seq: 9 },
  { type: 'suspect', incarnation: 4, node: 'b', from: 'a' },
  { type: 'alive', incarnation: 5, node: 'nœud-é', address: '[::1]:8301', meta: bytes(9, 8) },
  { type: 'dead', incarnation: 6, node: 'b', from: 'b' },
  { type: 'user', payload: bytes(0, 255, 7) },
];

function normalise(message: unknown): unknown {
  return JSON.parse(JSON.stringify(message, (_key, value) => (value instanceof Uint8Array ? [...value] : value)));
}

function reasonOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof GossipDecodeError, `expected GossipDecodeError, got ${String(error)}`);
    return error.reason;
  }
  assert.fail('expected a decode error');
}

describe('packet codec', () => {
  it('round-trips each message alone and all together in one compound packet', () => {
    for (const message of samples)
      assert.deepEqual(normalise(decodePacket(encodePacket([message]), 1_400)), normalise([message]));
    assert.deepEqual(normalise(decodePacket(encodePacket(samples), 1_400)), normalise(samples));
  });

  it('frames messages compactly', () => {
    assert.equal(encodeFramed({ type: 'nack', seq: 1 }).length, 7);
    assert.equal(encodeFramed({ type: 'alive', incarnation: 1, node: 'n1', address: 'n1', meta: bytes() }).length, 15);
  });

  it('rejects malformed input with a reason', () => {
    const good = encodePacket([samples[0]!]);
    assert.equal(
      reasonOf(() => decodePacket(new Uint8Array(0), 1_400)),
      'empty',
    );
    assert.equal(
      reasonOf(() => decodePacket(new Uint8Array(1_401).fill(1), 1_400)),
      'oversized',
    );
    assert.equal(
      reasonOf(() => decodePacket(Uint8Array.from([2, ...good.subarray(1)]), 1_400)),
      'version',
    );
    assert.equal(
      reasonOf(() => decodePacket(good.subarray(0, good.length - 1), 1_400)),
      'length',
    );
    assert.equal(
      reasonOf(() => decodePacket(bytes(1, 99, 0, 0), 1_400)),
      'type',
    );
    assert.equal(
      reasonOf(() => decodePacket(bytes(1, 4, 0, 5, 0, 0, 0, 1, 9), 1_400)),
      'trailing',
    );
    assert.equal(
      reasonOf(() => decodePacket(bytes(1, 5, 0, 8, 0, 0, 0, 1, 1, 0xff, 1, 0x61), 1_400)),
      'utf8',
    );
    assert.equal(
      reasonOf(() => decodePacket(bytes(1, 5, 0, 7, 0, 0, 0, 1, 0, 1, 0x61), 1_400)),
      'field',
    );
    assert.equal(
      reasonOf(() => decodePacket(bytes(1), 1_400)),
      'truncated',
    );
  });

  it('refuses to encode fields over their limits', () => {
    assert.throws(() =>
      encodeFramed({ type: 'alive', incarnation: 1, node: 'x'.repeat(256), address: 'a', meta: bytes() }),
    );
    assert.throws(() =>
      encodeFramed({ type: 'alive', incarnation: 1, node: 'x', address: 'a', meta: new Uint8Array(513) }),
    );
  });
});

describe('stream codec', () => {
  const state: PushPullMessage = {
    type: 'push-pull',
    join: true,
    entries: [
      { name: 'a', address: 'a:1', meta: bytes(1), incarnation: 3, state: 'alive', fresh: true },
      { name: 'b', address: 'b:1', meta: bytes(), incarnation: 0, state: 'left', fresh: false },
    ],
    userState: bytes(4, 5),
  };

  it('round-trips push-pull, ping and ack', () => {
    assert.deepEqual(normalise(decodeStream(encodeStream(state), 1 << 20)), normalise(state));
    const ping = samples[0] as PacketMessage & { type: 'ping' };
    assert.deepEqual(normalise(decodeStream(encodeStream(ping), 1 << 20)), normalise(ping));
    const ack = { type: 'ack' as const, seq: 3, payload: bytes(7) };
    assert.deepEqual(normalise(decodeStream(encodeStream(ack), 1 << 20)), normalise(ack));
  });

  it('rejects forged counts, bad states and trailing bytes', () => {
    const encoded = encodeStream(state);
    const forged = Uint8Array.from(encoded);
    forged[6] = 0xff; // entry count low byte
    reasonOf(() => decodeStream(forged, 1 << 20));
    const huge = Uint8Array.from(encoded);
    huge[3] = 0x7f; // entry count high byte: far more entries than bytes
    assert.equal(
      reasonOf(() => decodeStream(huge, 1 << 20)),
      'field',
    );
    assert.equal(
      reasonOf(() => decodeStream(Uint8Array.from([...encoded, 0]), 1 << 20)),
      'trailing',
    );
    assert.equal(
      reasonOf(() => decodeStream(encoded, 10)),
      'oversized',
    );
  });
});
