// Proves root generation and leaf signing match Consul's built-in provider, checked with Node's own X509Certificate
// (OpenSSL) rather than the library that built them: root shape and CARoot JSON, leaf fields, CSR checks and
// rejections, and the key types the CA supports.

import assert from 'node:assert/strict';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { CsrRejectedError } from '../errors.js';
import { agentSpiffeId, serviceSpiffeId } from '../spiffe.js';
import { CLUSTER_ID, HOUR_MS, issueServiceLeaf, makeTestCa, NOW_MS, TRUST_DOMAIN } from '../testing/ca-fixtures.js';
import { generateCsr } from './csr.js';
import { LEAF_BACKDATE_MS, signLeaf } from './leaf.js';
import * as x509 from './x509.js';

describe('CA root', () => {
  it('is a self-signed CA with the signing SPIFFE ID and Consul key usages', async () => {
    const { root, config } = await makeTestCa({}, CLUSTER_ID, NOW_MS, 7);
    const certificate = new X509Certificate(root.RootCert);
    assert.equal(certificate.ca, true);
    assert.ok(certificate.checkIssued(certificate));
    assert.ok(certificate.verify(certificate.publicKey));
    assert.equal(certificate.subjectAltName, `URI:spiffe://${TRUST_DOMAIN}`);
    assert.match(certificate.subject, /^CN=pri-[0-9a-z]{8}\.consul\.ca\.7f42f496\.consul$/);
    assert.equal(Date.parse(certificate.validFrom), Math.floor(NOW_MS / 1000) * 1000);
    assert.equal(Date.parse(certificate.validTo) - Date.parse(certificate.validFrom), config.rootCertTtlMs);
    const parsed = new x509.X509Certificate(root.RootCert);
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(
      usage?.usages,
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
    );
    const ski = parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const aki = parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    assert.equal(ski, aki);
    // Consul's KeyId: SHA-256 of the SubjectPublicKeyInfo.
    const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(ski, createHash('sha256').update(spki).digest('hex'));
  });

  it('is described by a CARoot record in Consul JSON shape', async () => {
    const { root } = await makeTestCa({}, CLUSTER_ID, NOW_MS, 7);
    const der = new X509Certificate(root.RootCert).raw;
    const fingerprint = createHash('sha1').update(der).digest('hex').match(/../g)!.join(':');
    assert.equal(root.ID, fingerprint);
    assert.equal(root.Name, 'Consul CA Primary Cert');
    assert.equal(root.SerialNumber, 7);
    assert.match(root.SigningKeyID, /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    assert.equal(root.ExternalTrustDomain, CLUSTER_ID);
    assert.equal(root.NotBefore, '2026-06-01T12:00:00Z');
    assert.equal(root.NotAfter, new Date(NOW_MS + 87_600 * HOUR_MS).toISOString().replace('.000Z', 'Z'));
    assert.equal(root.IntermediateCerts, null);
    assert.equal(root.Active, true);
    assert.equal(root.PrivateKeyType, 'ec');
    assert.equal(root.PrivateKeyBits, 256);
    assert.equal(new X509Certificate(root.RootCert).serialNumber, '07');
  });

  it('keeps a user-supplied private key', async () => {
    const first = await makeTestCa();
    const config = first.config;
    const { generateRoot } = await import('./root.js');
    const again = await generateRoot({
      clusterId: CLUSTER_ID,
      config,
      nowMs: NOW_MS,
      privateKeyPem: first.signer.privateKeyPem,
    });
    assert.equal(again.root.SigningKeyID, first.root.SigningKeyID);
    assert.match(again.signer.privateKeyPem, /BEGIN EC PRIVATE KEY/);
  });
});

describe('leaf signing', () => {
  it('issues a leaf with the CSR identity, Consul usages, backdated NotBefore and the TTL', async () => {
    const { signer, root } = await makeTestCa();
    const leaf = await issueServiceLeaf(signer, 'web', { leafCertTtlMs: 72 * HOUR_MS });
    const certificate = new X509Certificate(leaf.leafPem);
    const rootCertificate = new X509Certificate(root.RootCert);
    assert.ok(certificate.checkIssued(rootCertificate));
    assert.ok(certificate.verify(rootCertificate.publicKey));
    assert.equal(certificate.ca, false);
    assert.equal(certificate.subjectAltName, `URI:spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web`);
    assert.deepEqual(certificate.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(Date.parse(certificate.validFrom), NOW_MS - LEAF_BACKDATE_MS);
    assert.equal(Date.parse(certificate.validTo), NOW_MS - LEAF_BACKDATE_MS + 72 * HOUR_MS);
    assert.equal(leaf.uri, `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web`);
    assert.equal(leaf.validAfter, '2026-06-01T11:59:00Z');
    assert.equal(leaf.validBefore, '2026-06-04T11:59:00Z');
    assert.equal(leaf.serialNumber, certificate.serialNumber.toLowerCase().match(/../g)!.join(':'));
    assert.match(leaf.privateKeyPem, /BEGIN EC PRIVATE KEY/);
    const parsed = new x509.X509Certificate(leaf.leafPem);
    assert.equal(
      parsed.getExtension(x509.KeyUsagesExtension)?.usages,
      x509.KeyUsageFlags.digitalSignature |
        x509.KeyUsageFlags.keyEncipherment |
        x509.KeyUsageFlags.dataEncipherment |
        x509.KeyUsageFlags.keyAgreement,
    );
    assert.equal(
      parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
      Buffer.from(signer.keyId).toString('hex'),
    );
    assert.equal(leaf.certPem, leaf.leafPem, 'no intermediates outside a rotation');
  });

  it('gives every leaf a distinct random serial', async () => {
    const { signer } = await makeTestCa();
    const serials = new Set<string>();
    for (let count = 0; count < 5; count++) serials.add((await issueServiceLeaf(signer, 'web')).serialNumber);
    assert.equal(serials.size, 5);
  });

  it('signs agent CSRs and carries DNS and IP SANs', async () => {
    const { signer } = await makeTestCa();
    const { csrPem } = await generateCsr({
      id: agentSpiffeId(TRUST_DOMAIN, 'dc1', 'node-1'),
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const leaf = await signLeaf(signer, csrPem, { nowMs: NOW_MS, leafCertTtlMs: HOUR_MS });
    assert.equal(leaf.spiffeId.kind, 'agent');
    assert.equal(
      new X509Certificate(leaf.leafPem).subjectAltName,
      `URI:spiffe://${TRUST_DOMAIN}/agent/client/dc/dc1/id/node-1, DNS:localhost, IP Address:127.0.0.1`,
    );
  });

  it('signs RSA and P-384 keys from an RSA CA', async () => {
    const { signer, root } = await makeTestCa({ PrivateKeyType: 'rsa', PrivateKeyBits: 2048 });
    assert.equal(root.PrivateKeyType, 'rsa');
    assert.equal(root.PrivateKeyBits, 2048);
    assert.match(signer.privateKeyPem, /BEGIN RSA PRIVATE KEY/);
    for (const [keyType, keyBits] of [
      ['ec', 384],
      ['rsa', 2048],
    ] as const) {
      const { csrPem } = await generateCsr({ id: serviceSpiffeId(TRUST_DOMAIN, 'dc1', 'db'), keyType, keyBits });
      const leaf = await signLeaf(signer, csrPem, { nowMs: NOW_MS, leafCertTtlMs: HOUR_MS });
      assert.ok(new X509Certificate(leaf.leafPem).verify(new X509Certificate(root.RootCert).publicKey));
    }
  });

  it('keeps a CSR subject (older agents send a CN) and then leaves the SAN non-critical', async () => {
    const { signer, root } = await makeTestCa();
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      keys,
      name: 'CN=web.svc.default.7f42f496.consul',
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web` },
        ]),
      ],
    });
    const leaf = await signLeaf(signer, csr.toString('pem'), { nowMs: NOW_MS, leafCertTtlMs: HOUR_MS });
    const certificate = new X509Certificate(leaf.leafPem);
    assert.equal(certificate.subject, 'CN=web.svc.default.7f42f496.consul');
    assert.ok(certificate.verify(new X509Certificate(root.RootCert).publicKey));
    assert.equal(
      new x509.X509Certificate(leaf.leafPem).getExtension(x509.SubjectAlternativeNameExtension)?.critical,
      false,
    );
  });

  it('never fails on mutated CSRs with anything but CsrRejectedError', async () => {
    const { signer } = await makeTestCa();
    const { csrPem } = await generateCsr({ id: serviceSpiffeId(TRUST_DOMAIN, 'dc1', 'web') });
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
    const rand = new SeededRand(11);
    for (let round = 0; round < 300; round++) {
      const mutated = Buffer.from(der);
      for (let flips = 1 + rand.intBelow(3); flips > 0; flips--)
        mutated[rand.intBelow(mutated.length)] = rand.intBelow(256);
      const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${mutated.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      try {
        await signLeaf(signer, pem, { nowMs: NOW_MS, leafCertTtlMs: HOUR_MS });
      } catch (error) {
        assert.ok(error instanceof CsrRejectedError, `round ${round}: ${String(error)}`);
      }
    }
  });

  describe('rejects', () => {
    const reject = async (csrPem: string, datacenter?: string) => {
      const { signer } = await makeTestCa();
      await assert.rejects(
        signLeaf(signer, csrPem, { nowMs: NOW_MS, leafCertTtlMs: HOUR_MS, ...(datacenter ? { datacenter } : {}) }),
        CsrRejectedError,
      );
    };

    it('garbage and oversized input', async () => {
      await reject('');
      await reject('hello');
      await reject('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
      await reject(`-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(20_000)}\n-----END CERTIFICATE REQUEST-----\n`);
    });

    it('a CSR whose signature does not match its contents', async () => {
      const { csrPem } = await generateCsr({ id: serviceSpiffeId(TRUST_DOMAIN, 'dc1', 'web') });
      const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
      der[der.length - 2] = der[der.length - 2]! ^ 0xff;
      await reject(new x509.Pkcs10CertificateRequest(der).toString('pem'));
    });

    it('another trust domain, another datacenter, or a non-leaf identity', async () => {
      const other = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul';
      await reject((await generateCsr({ id: serviceSpiffeId(other, 'dc1', 'web') })).csrPem);
      await reject((await generateCsr({ id: serviceSpiffeId(TRUST_DOMAIN, 'dc2', 'web') })).csrPem, 'dc1');
      await reject((await generateCsr({ id: { kind: 'signing', trustDomain: TRUST_DOMAIN } })).csrPem);
      await reject(
        (await generateCsr({ id: { kind: 'server', trustDomain: TRUST_DOMAIN, datacenter: 'dc1' } })).csrPem,
      );
    });

    it('a CSR without a URI SAN or with a non-SPIFFE URI', async () => {
      const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const build = (names: x509.JsonGeneralName[]) =>
        x509.Pkcs10CertificateRequestGenerator.create({
          keys,
          name: 'CN=web',
          signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
          extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
        });
      await reject((await build([])).toString('pem'));
      await reject((await build([{ type: 'dns', value: 'web' }])).toString('pem'));
      await reject((await build([{ type: 'url', value: 'https://example.com/web' }])).toString('pem'));
      await reject(
        (
          await build([
            { type: 'url', value: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web` },
            { type: 'url', value: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/db` },
          ])
        ).toString('pem'),
      );
    });
  });
});
