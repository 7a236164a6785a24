// Proves the DER helpers read and write what OpenSSL and @peculiar/x509 agree on: OIDs, minimal integers, both time
// forms, long lengths and PEM; and that malformed input fails with MalformedCertificateError, never anything else.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { MalformedCertificateError } from '../errors.js';
import { children, fromPem, oid, oidText, readNode, sequence, time, tlv, toPem, unsignedInteger } from './der.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('DER helpers', () => {
  it('encodes and decodes OIDs', () => {
    for (const text of ['2.5.29.17', '1.2.840.10045.4.3.2', '1.3.6.1.5.5.7.3.1', '1.2.840.113549.1.9.14']) {
      const encoded = oid(text);
      assert.equal(oidText(readNode(encoded).content), text);
    }
    assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  });

  it('writes minimal non-negative integers', () => {
    assert.equal(hex(unsignedInteger(Uint8Array.of(2))), '020102');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 5))), '020105');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0x80))), '02020080');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0))), '020100');
  });

  it('uses UTCTime before 2050 and GeneralizedTime from 2050', () => {
    assert.equal(Buffer.from(readNode(time(Date.parse('2026-06-01T12:00:00Z'))).content).toString(), '260601120000Z');
    assert.equal(readNode(time(Date.parse('2026-06-01T12:00:00Z'))).tag, 0x17);
    const late = readNode(time(Date.parse('2051-01-02T03:04:05Z')));
    assert.equal(late.tag, 0x18);
    assert.equal(Buffer.from(late.content).toString(), '20510102030405Z');
  });

  it('round-trips long lengths and nested sequences', () => {
    const big = new Uint8Array(70_000).fill(7);
    const encoded = sequence(tlv(0x04, big), tlv(0x05));
    const [first, second] = children(readNode(encoded));
    assert.equal(first!.content.length, 70_000);
    assert.equal(second!.tag, 0x05);
  });

  it('round-trips PEM', () => {
    const der = sequence(tlv(0x04, new Uint8Array(100).fill(1)));
    const pem = toPem('CERTIFICATE', der);
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
    assert.deepEqual(fromPem('CERTIFICATE', pem), der);
    assert.throws(() => fromPem('CERTIFICATE', 'nothing'), MalformedCertificateError);
    assert.throws(
      () => fromPem('CERTIFICATE', '-----BEGIN CERTIFICATE-----\n$$$\n-----END CERTIFICATE-----'),
      MalformedCertificateError,
    );
  });

  it('rejects truncated, non-minimal and over-long encodings', () => {
    const bad = [
      Uint8Array.of(0x30),
      Uint8Array.of(0x30, 0x05, 0x01),
      Uint8Array.of(0x30, 0x81, 0x05, 0, 0, 0, 0, 0),
      Uint8Array.of(0x30, 0x84, 0, 0, 0, 1, 0),
      Uint8Array.of(0x1f, 0x01, 0x00),
    ];
    for (const bytes of bad) assert.throws(() => readNode(bytes), MalformedCertificateError, hex(bytes));
    assert.throws(() => children(readNode(Uint8Array.of(0x04, 0x01, 0x00))), MalformedCertificateError);
  });

  it('random bytes never throw anything but MalformedCertificateError', () => {
    const rand = new SeededRand(7);
    for (let round = 0; round < 2_000; round++) {
      const bytes = Uint8Array.from({ length: 1 + rand.intBelow(40) }, () => rand.intBelow(256));
      bytes[0] = 0x30;
      try {
        const node = readNode(bytes);
        children(node);
      } catch (error) {
        assert.ok(error instanceof MalformedCertificateError, String(error));
      }
    }
  });
});
