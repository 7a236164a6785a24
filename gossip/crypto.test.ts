// Proves that sealed messages round-trip under every key size, that any keyring key opens them, that tampering,
// truncation, a wrong label, a wrong key or an unknown version are refused as data (never thrown), and the layout.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encryptionOverheadBytes, nonceSizeBytes, openMessage, sealMessage, tagSizeBytes } from './crypto.js';

describe('sealMessage / openMessage', () => {
  for (const size of [16, 24, 32]) {
    it(`round-trips with a ${size}-byte key`, () => {
      const key = randomBytes(size);
      const plaintext = Buffer.from('hello gossip');
      const sealed = sealMessage(key, plaintext);
      assert.equal(sealed.length, plaintext.length + encryptionOverheadBytes);
      assert.equal(sealed[0], 1);
      const opened = openMessage([key], sealed);
      assert.ok(opened.ok);
      assert.deepEqual(opened.plaintext, plaintext);
    });
  }
  it('lays out version, nonce, ciphertext, tag', () => {
    assert.equal(nonceSizeBytes, 12);
    assert.equal(tagSizeBytes, 16);
    assert.equal(encryptionOverheadBytes, 29);
  });
  it('uses a fresh nonce per message', () => {
    const key = randomBytes(32);
    const a = sealMessage(key, Buffer.from('same'));
    const b = sealMessage(key, Buffer.from('same'));
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
  });
  it('opens with any key of the ring and says which', () => {
    const [k1, k2, k3] = [randomBytes(32), randomBytes(16), randomBytes(24)];
    const sealed = sealMessage(k3, Buffer.from('x'));
    const opened = openMessage([k1, k2, k3], sealed);
    assert.ok(opened.ok);
    assert.equal(opened.keyPosition, 2);
  });
  it('authenticates the label', () => {
    const key = randomBytes(32);
    const sealed = sealMessage(key, Buffer.from('x'), Buffer.from('pool-a'));
    assert.ok(openMessage([key], sealed, Buffer.from('pool-a')).ok);
    assert.deepEqual(openMessage([key], sealed, Buffer.from('pool-b')), { ok: false, reason: 'no-key-matched' });
    assert.deepEqual(openMessage([key], sealed), { ok: false, reason: 'no-key-matched' });
  });
  const key = randomBytes(32);
  const good = sealMessage(key, Buffer.from('payload'));
  const flipped = Buffer.from(good);
  flipped[20] = flipped[20]! ^ 1;
  const cases: [string, Uint8Array, readonly Buffer[], string][] = [
    ['a wrong key', good, [randomBytes(32)], 'no-key-matched'],
    ['a flipped ciphertext bit', flipped, [key], 'no-key-matched'],
    ['a truncated tag', good.subarray(0, good.length - 1), [key], 'no-key-matched'],
    ['a message shorter than the overhead', good.subarray(0, 28), [key], 'malformed'],
    ['an empty message', new Uint8Array(0), [key], 'malformed'],
    ['version 0 (legacy padded)', Buffer.concat([Buffer.from([0]), good.subarray(1)]), [key], 'unsupported-version'],
    ['plain text', Buffer.from('this is a plain-text gossip packet'), [key], 'unsupported-version'],
  ];
  for (const [name, sealed, keys, reason] of cases) {
    it(`refuses ${name} without throwing`, () => {
      assert.deepEqual(openMessage(keys, sealed), { ok: false, reason });
    });
  }
});
