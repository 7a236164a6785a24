// Proves root rotation keeps the mesh whole: the old root cross-signs the new one, a leaf from the new CA verifies
// against the new root alone and against the old root plus the cross-signed certificate, an old leaf keeps verifying
// against the old root throughout, and the roots list changes as Consul's does. Checked with Node's X509Certificate
// and, where the binary exists, with `openssl verify`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UnknownCaError } from '../errors.js';
import { HOUR_MS, issueServiceLeaf, makeTestCa, NOW_MS } from '../testing/ca-fixtures.js';
import { trustedRoots, verifyPeerChain } from '../verify.js';
import { CROSS_SIGNED_TTL_MS, isRootPrunable, rotateRoot } from './rotation.js';

async function rotatedCa() {
  const old = await makeTestCa({}, undefined, NOW_MS - 30 * 24 * HOUR_MS, 1);
  const fresh = await makeTestCa({}, undefined, NOW_MS, 2);
  const oldLeaf = await issueServiceLeaf(old.signer, 'db', { nowMs: NOW_MS - HOUR_MS });
  const rotation = await rotateRoot([old.root], old.signer, fresh.signer, 2, NOW_MS);
  const newLeaf = await issueServiceLeaf(rotation.signer, 'web');
  return { old, fresh, oldLeaf, rotation, newLeaf };
}

describe('root rotation', () => {
  it('cross-signs the new root key and subject with the old root', async () => {
    const { old, fresh, rotation } = await rotatedCa();
    const cross = new X509Certificate(rotation.crossSignedPem);
    const oldRoot = new X509Certificate(old.root.RootCert);
    const newRoot = new X509Certificate(fresh.root.RootCert);
    assert.equal(cross.subject, newRoot.subject);
    assert.equal(cross.issuer, oldRoot.subject);
    assert.ok(cross.publicKey.equals(newRoot.publicKey));
    assert.ok(cross.ca);
    assert.ok(cross.checkIssued(oldRoot) && cross.verify(oldRoot.publicKey));
    assert.equal(Date.parse(cross.validFrom), NOW_MS - 60_000);
    assert.equal(Date.parse(cross.validTo), NOW_MS - 60_000 + CROSS_SIGNED_TTL_MS);
  });

  it('lists both roots, the new one active and carrying the cross-signed certificate', async () => {
    const { old, fresh, rotation } = await rotatedCa();
    assert.deepEqual(
      rotation.roots.map((root) => [root.ID, root.Active]),
      [
        [old.root.ID, false],
        [fresh.root.ID, true],
      ],
    );
    assert.deepEqual(rotation.roots[1]!.IntermediateCerts, [rotation.crossSignedPem]);
    assert.equal(rotation.roots[1]!.SerialNumber, 2);
  });

  it('a new leaf verifies with only the new root', async () => {
    const { fresh, newLeaf } = await rotatedCa();
    const peer = verifyPeerChain(newLeaf.certPem, trustedRoots([fresh.root.RootCert]), { nowMs: NOW_MS });
    assert.equal(peer.spiffeId.kind === 'service' && peer.spiffeId.service, 'web');
  });

  it('a new leaf verifies with only the old root plus the cross-signed intermediate it carries', async () => {
    const { old, newLeaf, rotation } = await rotatedCa();
    assert.ok(newLeaf.certPem.endsWith(rotation.crossSignedPem), 'new leaves carry the cross-signed certificate');
    const peer = verifyPeerChain(newLeaf.certPem, trustedRoots([old.root.RootCert]), { nowMs: NOW_MS });
    assert.equal(peer.path.length, 3);
    // Without the intermediate, the old root alone cannot vouch for it.
    assert.throws(
      () => verifyPeerChain(newLeaf.leafPem, trustedRoots([old.root.RootCert]), { nowMs: NOW_MS }),
      UnknownCaError,
    );
  });

  it('an old leaf verifies with the old root before, during and after the change', async () => {
    const { old, fresh, oldLeaf, rotation } = await rotatedCa();
    for (const roots of [[old.root.RootCert], rotation.roots.map((root) => root.RootCert)]) {
      verifyPeerChain(oldLeaf.certPem, trustedRoots(roots), { nowMs: NOW_MS });
    }
    assert.throws(
      () => verifyPeerChain(oldLeaf.certPem, trustedRoots([fresh.root.RootCert]), { nowMs: NOW_MS }),
      UnknownCaError,
    );
  });

  it('rotates across key types (EC root to RSA root) and twice in a row', async () => {
    const ec = await makeTestCa({}, undefined, NOW_MS - 60 * 24 * HOUR_MS, 1);
    const rsa = await makeTestCa({ PrivateKeyType: 'rsa', PrivateKeyBits: 2048 }, undefined, NOW_MS - 24 * HOUR_MS, 2);
    const first = await rotateRoot([ec.root], ec.signer, rsa.signer, 2, NOW_MS - 24 * HOUR_MS);
    const third = await makeTestCa({}, undefined, NOW_MS, 3);
    // The second rotation starts from the active signer as stored: without the first cross-signed certificate.
    const second = await rotateRoot(first.roots, rsa.signer, third.signer, 3, NOW_MS);
    assert.deepEqual(
      second.roots.map((root) => [root.SerialNumber, root.Active]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    const rsaLeaf = await issueServiceLeaf(first.signer, 'api', { nowMs: NOW_MS - HOUR_MS });
    verifyPeerChain(rsaLeaf.certPem, trustedRoots([ec.root.RootCert]), { nowMs: NOW_MS });
    const newest = await issueServiceLeaf(second.signer, 'web');
    assert.deepEqual(second.roots[2]!.IntermediateCerts, [second.crossSignedPem]);
    verifyPeerChain(newest.certPem, trustedRoots([rsa.root.RootCert]), { nowMs: NOW_MS });
    verifyPeerChain(newest.certPem, trustedRoots(second.roots.map((root) => root.RootCert)), { nowMs: NOW_MS });
  });

  it('prunes the old root only after 2 × LeafCertTTL inactive', async () => {
    const { old, rotation } = await rotatedCa();
    const retired = rotation.roots[0]!;
    const leafTtl = { leafCertTtlMs: old.config.leafCertTtlMs };
    assert.equal(isRootPrunable(retired, rotation.rotatedOutAtMs, leafTtl, NOW_MS + 144 * HOUR_MS), false);
    assert.equal(isRootPrunable(retired, rotation.rotatedOutAtMs, leafTtl, NOW_MS + 144 * HOUR_MS + 1), true);
    assert.equal(isRootPrunable(rotation.roots[1]!, NOW_MS, leafTtl, NOW_MS + 1_000 * HOUR_MS), false);
  });

  it('openssl agrees, when it is installed', async (context) => {
    if (!existsSync('/usr/bin/openssl')) {
      context.skip('no openssl binary');
      return;
    }
    const { old, fresh, oldLeaf, rotation, newLeaf } = await rotatedCa();
    const dir = mkdtempSync(join(tmpdir(), 'lattice-ca-'));
    try {
      const write = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const at = String(Math.floor(NOW_MS / 1000));
      const verify = (root: string, leaf: string, untrusted?: string) =>
        execFileSync(
          'openssl',
          ['verify', '-attime', at, '-CAfile', root, ...(untrusted ? ['-untrusted', untrusted] : []), leaf],
          {
            encoding: 'utf8',
          },
        );
      const oldRoot = write('old.pem', old.root.RootCert);
      const newRoot = write('new.pem', fresh.root.RootCert);
      const cross = write('cross.pem', rotation.crossSignedPem);
      assert.match(verify(newRoot, write('new-leaf.pem', newLeaf.leafPem)), /OK/);
      assert.match(verify(oldRoot, join(dir, 'new-leaf.pem'), cross), /OK/);
      assert.match(verify(oldRoot, write('old-leaf.pem', oldLeaf.leafPem)), /OK/);
      assert.throws(() => verify(oldRoot, join(dir, 'new-leaf.pem')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
