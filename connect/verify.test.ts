// Proves peer verification refuses what the mesh must refuse, each with its own error class: a certificate from
// another CA, an expired or not-yet-valid one, one for the wrong service or trust domain, a tampered signature,
// malformed input, and a CA presented as a leaf; and that a good chain yields the SPIFFE ID and serial.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { SeededRand } from '../lib/rand.js';
import {
  CertificateExpiredError,
  MalformedCertificateError,
  UnknownCaError,
  WrongServiceError,
  WrongTrustDomainError,
} from './errors.js';
import { HOUR_MS, issueServiceLeaf, makeTestCa, NOW_MS, TRUST_DOMAIN } from './testing/ca-fixtures.js';
import { trustedRoots, verifyPeerChain } from './verify.js';

describe('peer verification', () => {
  it('accepts a good leaf and returns its identity and serial', async () => {
    const { signer, root } = await makeTestCa();
    const leaf = await issueServiceLeaf(signer, 'web');
    const peer = verifyPeerChain(leaf.certPem, trustedRoots(root.RootCert), {
      nowMs: NOW_MS,
      trustDomain: TRUST_DOMAIN,
      expectedService: { service: 'web', datacenter: 'dc1' },
    });
    assert.equal(peer.uri, leaf.uri);
    assert.equal(peer.serialNumber, leaf.serialNumber);
    assert.deepEqual(
      peer.path.map((certificate) => certificate.ca),
      [false, true],
    );
  });

  it('accepts DER and parsed certificates too', async () => {
    const { signer, root } = await makeTestCa();
    const leaf = await issueServiceLeaf(signer, 'web');
    const parsed = new X509Certificate(leaf.leafPem);
    verifyPeerChain(parsed.raw, trustedRoots(root.RootCert), { nowMs: NOW_MS });
    verifyPeerChain([parsed], trustedRoots(root.RootCert), { nowMs: NOW_MS });
  });

  it('rejects a certificate from another CA', async () => {
    const ours = await makeTestCa();
    const theirs = await makeTestCa();
    const leaf = await issueServiceLeaf(theirs.signer, 'web');
    assert.throws(
      () => verifyPeerChain(leaf.certPem, trustedRoots(ours.root.RootCert), { nowMs: NOW_MS }),
      UnknownCaError,
    );
  });

  it('rejects an expired and a not-yet-valid certificate', async () => {
    const { signer, root } = await makeTestCa({}, undefined, NOW_MS - 100 * 24 * HOUR_MS);
    const leaf = await issueServiceLeaf(signer, 'web', {
      nowMs: NOW_MS - 10 * 24 * HOUR_MS,
      leafCertTtlMs: 72 * HOUR_MS,
    });
    const roots = trustedRoots(root.RootCert);
    assert.throws(
      () => verifyPeerChain(leaf.certPem, roots, { nowMs: NOW_MS }),
      (error) => error instanceof CertificateExpiredError && error.code === 'ERR_CERT_EXPIRED',
    );
    assert.throws(
      () => verifyPeerChain(leaf.certPem, roots, { nowMs: NOW_MS - 11 * 24 * HOUR_MS }),
      (error) => error instanceof CertificateExpiredError && error.code === 'ERR_CERT_NOT_YET_VALID',
    );
    // Inside the window (NotBefore is backdated one minute) it passes.
    verifyPeerChain(leaf.certPem, roots, { nowMs: NOW_MS - 10 * 24 * HOUR_MS - 30_000 });
  });

  it('rejects a certificate for the wrong service, namespace or datacenter', async () => {
    const { signer, root } = await makeTestCa();
    const leaf = await issueServiceLeaf(signer, 'web');
    const roots = trustedRoots(root.RootCert);
    for (const expectedService of [
      { service: 'api' },
      { service: 'web', namespace: 'other' },
      { service: 'web', datacenter: 'dc2' },
    ]) {
      assert.throws(() => verifyPeerChain(leaf.certPem, roots, { nowMs: NOW_MS, expectedService }), WrongServiceError);
    }
  });

  it('rejects a chain from a trusted root of another trust domain', async () => {
    const other = await makeTestCa({}, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    const leaf = await issueServiceLeaf(other.signer, 'web');
    assert.throws(
      () =>
        verifyPeerChain(leaf.certPem, trustedRoots(other.root.RootCert), { nowMs: NOW_MS, trustDomain: TRUST_DOMAIN }),
      WrongTrustDomainError,
    );
  });

  it('rejects a tampered signature', async () => {
    const { signer, root } = await makeTestCa();
    const leaf = await issueServiceLeaf(signer, 'web');
    const der = Buffer.from(new X509Certificate(leaf.leafPem).raw);
    der[der.length - 3] = der[der.length - 3]! ^ 0x01;
    assert.throws(() => verifyPeerChain(der, trustedRoots(root.RootCert), { nowMs: NOW_MS }), UnknownCaError);
  });

  it('never fails on mutated certificates with anything but its own error classes', async () => {
    const { signer, root } = await makeTestCa();
    const leaf = await issueServiceLeaf(signer, 'web');
    const der = Buffer.from(new X509Certificate(leaf.leafPem).raw);
    const roots = trustedRoots(root.RootCert);
    const rand = new SeededRand(5);
    const ours = [
      MalformedCertificateError,
      UnknownCaError,
      CertificateExpiredError,
      WrongServiceError,
      WrongTrustDomainError,
    ];
    for (let round = 0; round < 300; round++) {
      const mutated = Buffer.from(der);
      for (let flips = 1 + rand.intBelow(3); flips > 0; flips--)
        mutated[rand.intBelow(mutated.length)] = rand.intBelow(256);
      try {
        verifyPeerChain(mutated, roots, { nowMs: NOW_MS, expectedService: { service: 'web' } });
      } catch (error) {
        assert.ok(
          ours.some((type) => error instanceof type),
          `round ${round}: ${String(error)}`,
        );
      }
    }
  });

  it('rejects malformed input and a CA presented as a leaf', async () => {
    const { root } = await makeTestCa();
    const roots = trustedRoots(root.RootCert);
    assert.throws(() => verifyPeerChain('not a certificate', roots, { nowMs: NOW_MS }), MalformedCertificateError);
    assert.throws(() => verifyPeerChain(Buffer.from('garbage'), roots, { nowMs: NOW_MS }), MalformedCertificateError);
    assert.throws(() => verifyPeerChain([], roots, { nowMs: NOW_MS }), MalformedCertificateError);
    assert.throws(() => verifyPeerChain(root.RootCert, roots, { nowMs: NOW_MS }), MalformedCertificateError);
  });
});
