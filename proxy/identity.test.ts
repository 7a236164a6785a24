// Proves that peer identity is verified in our code, not by OpenSSL: a caller with a certificate from another CA,
// with an expired certificate, or with no certificate is refused by the public listener before any byte reaches the
// app, each with its own reason; a valid certificate of a service no intention allows is denied; and an outbound dial that reaches a server presenting another service's
// certificate is refused by the caller's proxy.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { LeafCredentials } from './source.js';
import { HOUR_MS, httpRequest, makeCa, mintLeaf, rootsOf, startEcho, waitFor } from './testing/mesh-fixture.js';
import { type MeshPair, startMeshPair } from './testing/mesh-pair.js';

/** Connects to api's public listener as a raw TLS client, sends a request and collects what comes back. */
async function callDirectly(mesh: MeshPair, leaf: LeafCredentials | null): Promise<string> {
  const { port } = mesh.api.publicAddress();
  const socket = tlsConnect({
    host: '127.0.0.2',
    port,
    rejectUnauthorized: false,
    ...(leaf ? { cert: leaf.certPem, key: leaf.keyPem } : {}),
  });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.on('secureConnect', () => socket.write('GET /secret HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n'));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString();
}

describe('inbound identity', () => {
  let mesh: MeshPair;
  const reasons: string[] = [];
  before(async () => {
    mesh = await startMeshPair();
    mesh.api.onConnectionEnd((context) => {
      if (context.counters.result === 'peer_rejected') reasons.push(context.counters.reason ?? '');
    });
  });
  after(async () => mesh.close());

  const rejected = () => mesh.api.stats().inbound.results.peer_rejected ?? 0;

  it('accepts a caller with a valid leaf of the mesh CA', async () => {
    const answer = await callDirectly(mesh, await mintLeaf(mesh.ca, 'web'));
    assert.match(answer, /^HTTP\/1.1 200/);
  });

  const cases: [string, () => Promise<LeafCredentials | null>, RegExp][] = [
    ['a certificate from another CA', async () => mintLeaf(await makeCa(7), 'web'), /ERR_CERT_UNKNOWN_CA/],
    [
      'an expired certificate',
      async () => mintLeaf(mesh.ca, 'web', { nowMs: Date.now() - 5 * HOUR_MS, ttlMs: HOUR_MS }),
      /ERR_CERT_EXPIRED/,
    ],
    ['no certificate', async () => null, /ERR_CERT_MALFORMED/],
  ];
  for (const [name, makeLeaf, reason] of cases) {
    it(`refuses a caller with ${name} before the app sees a byte`, async () => {
      const appConnections = mesh.apiApp.connections;
      const before = rejected();
      const answer = await callDirectly(mesh, await makeLeaf());
      assert.equal(answer, '');
      await waitFor(() => rejected() === before + 1, 'the rejection to be counted');
      assert.equal(mesh.apiApp.connections, appConnections);
      assert.match(reasons.at(-1) ?? '', reason);
    });
  }

  it('verifies a known caller again once the roots change, refusing it when its CA is no longer trusted', async () => {
    const leaf = await mintLeaf(mesh.ca, 'web');
    // The second call is answered from the listener's memory of verified leaves.
    assert.match(await callDirectly(mesh, leaf), /^HTTP\/1.1 200/);
    assert.match(await callDirectly(mesh, leaf), /^HTTP\/1.1 200/);
    const before = rejected();
    mesh.source.setRoots(rootsOf(await makeCa(9)));
    try {
      assert.equal(await callDirectly(mesh, leaf), '');
      await waitFor(() => rejected() === before + 1, 'the rejection to be counted');
      assert.match(reasons.at(-1) ?? '', /ERR_CERT_UNKNOWN_CA/);
    } finally {
      mesh.source.setRoots(rootsOf(mesh.ca));
    }
    assert.match(await callDirectly(mesh, leaf), /^HTTP\/1.1 200/);
  });
});

describe('inbound authorization', () => {
  it('denies a valid certificate of a service the intentions do not allow', async () => {
    const mesh = await startMeshPair();
    try {
      const denied: string[] = [];
      mesh.api.onConnectionEnd((context) => {
        if (context.counters.result === 'denied') denied.push(`${context.source} ${context.counters.reason}`);
      });
      const answer = await callDirectly(mesh, await mintLeaf(mesh.ca, 'billing'));
      assert.equal(answer, '');
      await waitFor(() => denied.length === 1, 'the deny to be counted');
      assert.equal(denied[0], 'billing Default behavior configured by ACLs');
      assert.equal(mesh.apiApp.connections, 0);
    } finally {
      await mesh.close();
    }
  });
});

describe('outbound identity', () => {
  it('refuses an endpoint that presents the certificate of another service', async () => {
    const mesh = await startMeshPair();
    const dbApp = await startEcho('db');
    try {
      mesh.source.setLeaf('db', await mintLeaf(mesh.ca, 'db'));
      const db = await mesh.apiManager.addService({
        Address: '127.0.0.2',
        Port: 0,
        Proxy: { DestinationServiceName: 'db', LocalServicePort: dbApp.port },
      });
      // A wrong registration: api's endpoint list points at db's proxy.
      mesh.source.setEndpoints('api', [{ address: '127.0.0.2', port: db.publicAddress().port, service: 'api' }]);
      const reasons: string[] = [];
      mesh.web.onConnectionEnd((context) => reasons.push(context.counters.reason ?? ''));
      await assert.rejects(httpRequest(mesh.upstreamPort, '/who'));
      await waitFor(
        () => mesh.web.stats().upstreams.api?.results.peer_rejected === 1,
        'the wrong-service rejection to be counted',
      );
      assert.match(reasons[0] ?? '', /ERR_CERT_WRONG_SERVICE/);
      assert.equal(dbApp.connections, 0);
    } finally {
      await mesh.close();
      await dbApp.close();
    }
  });
});
