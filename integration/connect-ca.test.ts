// Proves the Connect control plane through the real binary: `lattice agent -dev` on 127.0.0.70 initializes a CA on
// its own (roots served by the server and by the agent cache), issues a leaf for `web` that verifies against the
// root with node:crypto and names the right SPIFFE ID, authorizes by intentions created through the CLI and the HTTP
// API, writes config entries from HCL with `lattice config write`, and rotates the root on a CA config change: both
// roots listed, the old leaf still verifying against the old root, and a re-issued leaf (higher index) verifying
// against the new root directly and against the old one through the cross-signed certificate.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor } from './helpers/lattice-process.js';
import { makeTempDir } from './helpers/temp-dir.js';

const address = '127.0.0.70';
const base = `http://${address}:8500`;
const cliEnv = { CONSUL_HTTP_ADDR: `${address}:8500` };
let agent: LatticeProcess | null = null;

interface Roots {
  readonly ActiveRootID: string;
  readonly TrustDomain: string;
  readonly Roots: readonly { ID: string; Active: boolean; RootCert: string; PrivateKeyType: string }[];
}

interface Leaf {
  readonly CertPEM: string;
  readonly ServiceURI: string;
  readonly SerialNumber: string;
  readonly ModifyIndex: number;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${base}${path}`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function authorize(source: string, target: string, trustDomain: string): Promise<boolean> {
  const response = await fetch(`${base}/v1/agent/connect/authorize`, {
    method: 'POST',
    body: JSON.stringify({ Target: target, ClientCertURI: `spiffe://${trustDomain}/ns/default/dc/dc1/svc/${source}` }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { Authorized: boolean }).Authorized;
}

const certificates = (pem: string): X509Certificate[] =>
  pem.split(/(?=-----BEGIN CERTIFICATE-----)/).map((part) => new X509Certificate(part));

describe('Connect CA, leaves, intentions and config entries through a -dev agent', () => {
  before(async () => {
    agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`]);
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await fetch(`${base}/v1/connect/ca/roots`).catch(() => null);
        if (!response?.ok) return false;
        return ((await response.json()) as Roots).Roots.length > 0;
      },
      { what: 'a -dev agent with an initialized CA', deadlineMs: 30_000 },
    );
  });

  after(async () => {
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
  });

  it('serves roots and a leaf for web that verifies against the root', async () => {
    const roots = await getJson<Roots>('/v1/connect/ca/roots');
    assert.match(roots.TrustDomain, /^[0-9a-f-]{36}\.consul$/);
    const cached = await getJson<Roots>('/v1/agent/connect/ca/roots');
    assert.equal(cached.ActiveRootID, roots.ActiveRootID);
    const leaf = await getJson<Leaf>('/v1/agent/connect/ca/leaf/web');
    const uri = `spiffe://${roots.TrustDomain}/ns/default/dc/dc1/svc/web`;
    assert.equal(leaf.ServiceURI, uri);
    const [cert] = certificates(leaf.CertPEM);
    assert.equal(cert?.subjectAltName, `URI:${uri}`);
    assert.ok(cert?.verify(new X509Certificate(roots.Roots[0]?.RootCert as string).publicKey));
  });

  it('authorizes by intentions from the CLI and the API', async () => {
    const { TrustDomain: trustDomain } = await getJson<Roots>('/v1/connect/ca/roots');
    assert.ok(await authorize('web', 'db', trustDomain), 'allowed by default with ACLs off');
    const created = await runLattice(['intention', 'create', '-deny', 'web', 'db'], { env: cliEnv });
    assert.equal(created.stdout, 'Created: web => db (deny)\n', created.stderr);
    await waitFor(async () => !(await authorize('web', 'db', trustDomain)), { what: 'the deny to reach the cache' });
    const check = await runLattice(['intention', 'check', 'web', 'db'], { env: cliEnv });
    assert.deepEqual([check.code, check.stdout], [1, 'Denied\n'], 'consul intention check exits 1 when denied');

    const response = await fetch(`${base}/v1/connect/intentions/exact?source=web&destination=db`, {
      method: 'PUT',
      body: JSON.stringify({ Action: 'allow' }),
    });
    assert.equal(await response.text(), 'true');
    await waitFor(async () => authorize('web', 'db', trustDomain), { what: 'the allow to reach the cache' });
    const list = await runLattice(['intention', 'list'], { env: cliEnv });
    assert.match(list.stdout, /web\s+allow\s+db\s+9/);
    const deleted = await runLattice(['intention', 'delete', 'web', 'db'], { env: cliEnv });
    assert.equal(deleted.stdout, 'Intention deleted.\n', deleted.stderr);
  });

  it('writes, reads and lists config entries from HCL', async () => {
    const dir = await makeTempDir();
    try {
      const file = join(dir.path, 'api.hcl');
      await writeFile(file, 'Kind = "service-defaults"\nName = "api"\nProtocol = "http"\n');
      const written = await runLattice(['config', 'write', file], { env: cliEnv });
      assert.equal(written.stdout, 'Config entry written: service-defaults/api\n', written.stderr);
      const read = await runLattice(['config', 'read', '-kind', 'service-defaults', '-name', 'api'], { env: cliEnv });
      assert.equal((JSON.parse(read.stdout) as { Protocol: string }).Protocol, 'http');
      const listed = await runLattice(['config', 'list', '-kind', 'service-defaults'], { env: cliEnv });
      assert.equal(listed.stdout, 'api\n');
    } finally {
      await dir.remove();
    }
  });

  it('rotates the root: old and new leaves verify during the change, and the leaf is re-issued', async () => {
    const rootsBefore = await getJson<Roots>('/v1/connect/ca/roots');
    const oldRoot = new X509Certificate(rootsBefore.Roots[0]?.RootCert as string);
    const oldLeaf = await getJson<Leaf>('/v1/agent/connect/ca/leaf/web');
    const dir = await makeTempDir();
    try {
      const file = join(dir.path, 'ca.json');
      await writeFile(
        file,
        JSON.stringify({ Provider: 'consul', Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384 } }),
      );
      const set = await runLattice(['connect', 'ca', 'set-config', '-config-file', file], { env: cliEnv });
      assert.equal(set.stdout, 'Configuration updated!\n', set.stderr);
    } finally {
      await dir.remove();
    }
    const rootsAfter = await getJson<Roots>('/v1/connect/ca/roots');
    assert.equal(rootsAfter.Roots.length, 2);
    assert.notEqual(rootsAfter.ActiveRootID, rootsBefore.ActiveRootID);
    const newRoot = new X509Certificate(rootsAfter.Roots.find((root) => root.Active)?.RootCert as string);
    assert.ok(certificates(oldLeaf.CertPEM)[0]?.verify(oldRoot.publicKey), 'the old leaf still verifies');

    const response = await fetch(`${base}/v1/agent/connect/ca/leaf/web?index=${oldLeaf.ModifyIndex}&wait=30s`);
    const leaf = (await response.json()) as Leaf;
    assert.ok(leaf.ModifyIndex > oldLeaf.ModifyIndex, 're-issued under the new root');
    const [cert, crossSigned] = certificates(leaf.CertPEM);
    assert.ok(cert?.verify(newRoot.publicKey), 'the new leaf verifies against the new root');
    assert.ok(cert?.verify((crossSigned as X509Certificate).publicKey), 'and through the cross-signed certificate');
    assert.ok(crossSigned?.verify(oldRoot.publicKey), 'which the old root signed');
  });
});
