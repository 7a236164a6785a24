// Proves the send/receive policy: sealing with the primary, opening with any key, counting (never throwing)
// for wrong keys, truncation, oversize and plain text, and the verify_incoming/outgoing switches.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Keyring } from './keyring.js';
import { GossipSecurity, validateGossipSecurity } from './security.js';

const key = (): string => randomBytes(32).toString('base64');

describe('GossipSecurity', () => {
  it('seals with the primary and a peer holding it as secondary opens it', () => {
    const [a, b] = [key(), key()];
    const sender = new GossipSecurity(validateGossipSecurity({ keyring: new Keyring([a]) }));
    const receiver = new GossipSecurity(validateGossipSecurity({ keyring: new Keyring([b, a]) }));
    const wire = sender.seal(Buffer.from('ping'));
    const opened = receiver.open(wire, 1400);
    assert.ok(opened.ok);
    assert.equal(opened.plaintext.toString(), 'ping');
    assert.equal(receiver.counters.opened, 1);
  });
  it('counts a wrong key, an oversize packet and plain text, and never throws', () => {
    const sender = new GossipSecurity(validateGossipSecurity({ keyring: new Keyring([key()]) }));
    const receiver = new GossipSecurity(validateGossipSecurity({ keyring: new Keyring([key()]) }));
    assert.deepEqual(receiver.open(sender.seal(Buffer.from('x')), 1400), { ok: false, reason: 'decryptFailed' });
    assert.deepEqual(receiver.open(Buffer.alloc(2000), 1400), { ok: false, reason: 'tooLarge' });
    assert.deepEqual(receiver.open(Buffer.from([7, 1, 2]), 1400), { ok: false, reason: 'malformed' });
    assert.deepEqual(receiver.open(Buffer.alloc(40, 9), 1400), { ok: false, reason: 'plaintextRefused' });
    assert.equal(receiver.counters.decryptFailed, 1);
    assert.equal(receiver.counters.tooLarge, 1);
    assert.equal(receiver.counters.malformed, 1);
    assert.equal(receiver.counters.plaintextRefused, 1);
  });
  it('with verify_incoming off accepts plain text; with verify_outgoing off sends plain text', () => {
    const ring = new Keyring([key()]);
    const lenient = new GossipSecurity(
      validateGossipSecurity({ keyring: ring, verifyIncoming: false, verifyOutgoing: false }),
    );
    assert.deepEqual(lenient.seal(Buffer.from('plain')), Buffer.from('plain'));
    const opened = lenient.open(Buffer.from('plain'), 1400);
    assert.ok(opened.ok);
    assert.equal(lenient.counters.plaintextAccepted, 1);
  });
  it('follows key rotation on the shared keyring', () => {
    const [old, fresh] = [key(), key()];
    const ring = new Keyring([old]);
    const security = new GossipSecurity(validateGossipSecurity({ keyring: ring }));
    const peer = new GossipSecurity(validateGossipSecurity({ keyring: new Keyring([fresh]) }));
    ring.install(fresh);
    assert.ok(security.open(peer.seal(Buffer.from('a')), 1400).ok);
    ring.use(fresh);
    ring.remove(old);
    assert.ok(peer.open(security.seal(Buffer.from('b')), 1400).ok);
  });
  it('refuses an oversized label', () => {
    assert.throws(() => validateGossipSecurity({ label: 'x'.repeat(300) }), /at most 255 bytes/);
  });
});
