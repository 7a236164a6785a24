// Proves the version-2 stream envelope: a push-pull round-trips stored or deflated, a realistic state shrinks to
// about a quarter, and hostile envelopes — a zip bomb, a declared size above the limit, corrupt or truncated deflate
// data, stray bytes, an unknown codec, anything but a push-pull inside — are refused with GossipDecodeError and
// a reason, within the size bound, never another exception.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { decodeStream } from './decode.js';
import { encodeStream } from './encode.js';
import { GossipDecodeError, type PushPullMessage, STREAM_ENVELOPE_VERSION } from './messages.js';
import { isStreamEnvelope, openStreamEnvelope, StreamCodec, sealStreamEnvelope } from './stream-envelope.js';

const SIZE_MAX = 1 << 20;

/** A push-pull like a Lattice client pool's: each member's meta holds a Consul client's 11 tags, a UUID among them. */
function poolState(memberCount: number): PushPullMessage {
  const entries = Array.from({ length: memberCount }, (_, position) => ({
    name: `client-${position}`,
    address: `10.0.${Math.floor(position / 250)}.${(position % 250) + 1}:8301`,
    meta: new TextEncoder().encode(
      `acls=0 build=1.20.0: dc=dc1 ft_fs=1 ft_si=1 id=${randomUUID()} role=node segment= vsn=2 vsn_max=3 vsn_min=2`,
    ),
    incarnation: position % 3,
    state: 'alive' as const,
    fresh: false,
  }));
  return { type: 'push-pull', join: false, entries, userState: Uint8Array.from([0x94, 1, 2, 3, 0x90]) };
}

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

/** A deflate envelope around arbitrary `inflated` bytes, declaring `declared` as their length. */
function deflateEnvelope(inflated: Uint8Array, declared: number): Uint8Array {
  const deflated = deflateRawSync(inflated);
  const bytes = Buffer.alloc(6 + deflated.length);
  bytes[0] = STREAM_ENVELOPE_VERSION;
  bytes[1] = StreamCodec.deflate;
  bytes.writeUInt32BE(declared, 2);
  deflated.copy(bytes, 6);
  return bytes;
}

describe('stream envelope', () => {
  it('deflates a 20-member state to under a third and round-trips it', () => {
    const state = poolState(20);
    const plain = encodeStream(state);
    const sealed = sealStreamEnvelope(plain, 6);
    assert.ok(isStreamEnvelope(sealed));
    assert.equal(sealed[1], StreamCodec.deflate);
    assert.ok(sealed.length * 3 < plain.length, `${sealed.length} of ${plain.length} bytes`);
    assert.deepEqual(Buffer.from(openStreamEnvelope(sealed, SIZE_MAX)), Buffer.from(plain));
    assert.deepEqual(normalise(decodeStream(sealed, SIZE_MAX)), normalise(state));
  });

  it('stores a state too small to gain from deflate, and still round-trips it', () => {
    const state: PushPullMessage = { type: 'push-pull', join: true, entries: [], userState: new Uint8Array(0) };
    const plain = encodeStream(state);
    const sealed = sealStreamEnvelope(plain, 9);
    assert.equal(sealed[1], StreamCodec.stored);
    assert.equal(sealed.length, plain.length + 2);
    assert.deepEqual(normalise(decodeStream(sealed, SIZE_MAX)), normalise(state));
  });

  it('leaves version-1 streams as they were', () => {
    const plain = encodeStream(poolState(3));
    assert.equal(isStreamEnvelope(plain), false);
    assert.deepEqual(
      normalise(decodeStream(plain, SIZE_MAX)),
      normalise(decodeStream(Uint8Array.from(plain), SIZE_MAX)),
    );
  });

  it('refuses a zip bomb that inflates past its declared size, without inflating it', () => {
    // 64 MiB of zeros deflates to ~64 KiB; it declares a plausible 4 KiB.
    const bomb = deflateEnvelope(new Uint8Array(64 * 1024 * 1024), 4_096);
    assert.ok(bomb.length < 100_000);
    const heapBeforeBytes = process.memoryUsage().arrayBuffers;
    assert.equal(
      reasonOf(() => decodeStream(bomb, SIZE_MAX)),
      'compression',
    );
    assert.ok(process.memoryUsage().arrayBuffers - heapBeforeBytes < 16 * 1024 * 1024, 'inflation was bounded');
  });

  it('refuses a declared size above the limit before inflating', () => {
    const plain = encodeStream(poolState(2));
    assert.equal(
      reasonOf(() => decodeStream(deflateEnvelope(plain, SIZE_MAX + 1), SIZE_MAX)),
      'oversized',
    );
    assert.equal(
      reasonOf(() => decodeStream(sealStreamEnvelope(encodeStream(poolState(50)), 6), 1_000)),
      'oversized',
      'the envelope itself is bounded too',
    );
  });

  it('refuses corrupt, truncated, short-declared and trailing deflate data', () => {
    const plain = encodeStream(poolState(20));
    const sealed = sealStreamEnvelope(plain, 6);
    const corrupt = Uint8Array.from(sealed);
    corrupt[6] = 0xff; // an invalid deflate block type
    assert.equal(
      reasonOf(() => decodeStream(corrupt, SIZE_MAX)),
      'compression',
    );
    assert.equal(
      reasonOf(() => decodeStream(sealed.subarray(0, sealed.length - 10), SIZE_MAX)),
      'compression',
    );
    assert.equal(
      reasonOf(() => decodeStream(deflateEnvelope(plain, plain.length + 1), SIZE_MAX)),
      'compression',
      'inflates to fewer bytes than declared',
    );
    assert.equal(
      reasonOf(() => decodeStream(Uint8Array.from([...sealed, 0]), SIZE_MAX)),
      'trailing',
    );
    assert.equal(
      reasonOf(() => decodeStream(sealed.subarray(0, 4), SIZE_MAX)),
      'truncated',
    );
    assert.equal(
      reasonOf(() => decodeStream(Uint8Array.from([STREAM_ENVELOPE_VERSION]), SIZE_MAX)),
      'truncated',
    );
  });

  it('refuses an unknown codec, and anything but a version-1 push-pull inside', () => {
    const plain = encodeStream(poolState(1));
    assert.equal(
      reasonOf(() => decodeStream(Uint8Array.from([STREAM_ENVELOPE_VERSION, 7, ...plain]), SIZE_MAX)),
      'compression',
    );
    const ping = encodeStream({ type: 'ping', seq: 1, target: 'b', sourceName: 'a', sourceAddress: 'a:1' });
    assert.equal(
      reasonOf(() => decodeStream(Uint8Array.from([STREAM_ENVELOPE_VERSION, StreamCodec.stored, ...ping]), SIZE_MAX)),
      'type',
    );
    const nested = sealStreamEnvelope(plain, 6);
    assert.equal(
      reasonOf(() => decodeStream(sealStreamEnvelope(nested, 6), SIZE_MAX)),
      'type',
      'no envelope inside an envelope',
    );
    assert.equal(
      reasonOf(() => decodeStream(Uint8Array.from([3, ...plain.subarray(1)]), SIZE_MAX)),
      'version',
    );
  });
});
