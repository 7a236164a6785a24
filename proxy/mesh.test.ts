// Proves the L4 mesh end to end on real sockets: HTTP from web's app through web's upstream listener, mTLS between
// two proxies, and api's public listener to api's app; intentions decide at accept time from the current table, a
// new deny also ends open connections (unless configured off), an allow restores traffic, and failed dials move on
// to another endpoint.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { connect, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { httpRequest, intentionTable, waitFor } from './testing/mesh-fixture.js';
import { type MeshPair, startMeshPair } from './testing/mesh-pair.js';

describe('web → api through two proxies', () => {
  let mesh: MeshPair;
  after(async () => mesh?.close());

  it('carries HTTP requests and counts them on both sides', async () => {
    mesh = await startMeshPair();
    const get = await httpRequest(mesh.upstreamPort, '/hello');
    assert.deepEqual(get, { status: 200, body: 'api GET /hello ' });
    const post = await httpRequest(mesh.upstreamPort, '/echo', { body: 'payload' });
    assert.deepEqual(post, { status: 200, body: 'api POST /echo payload' });
    await waitFor(() => mesh.api.stats().inbound.results.ok === 2, 'both inbound connections to finish');
    await waitFor(() => mesh.web.stats().upstreams.api?.results.ok === 2, 'both outbound connections to finish');
    const inbound = mesh.api.stats().inbound;
    assert.ok(inbound.bytesIn > 0 && inbound.bytesOut > 0);
    assert.equal(mesh.web.stats().upstreams.api?.bytesOut, inbound.bytesOut);
  });

  it('carries further connections as streams of the one multiplexed session', async () => {
    for (let turn = 0; turn < 3; turn += 1) await httpRequest(mesh.upstreamPort, '/again');
    const cluster = mesh.web.clusterStats('api');
    assert.equal(cluster.dials, 1, 'one mTLS dial for five connections');
    assert.equal(cluster.streams, 5);
    assert.deepEqual(Object.keys(cluster.sessionsByEndpoint), [`127.0.0.2:${mesh.api.publicAddress().port}`]);
    await waitFor(() => mesh.api.stats().inbound.results.ok === 5, 'the five streams to finish as connections');
  });
});

describe('web → api with multiplexing off', () => {
  it('dials per connection and resumes TLS sessions between the proxies', async () => {
    const mesh = await startMeshPair({ multiplexUpstreams: false });
    try {
      for (let turn = 0; turn < 3; turn += 1) await httpRequest(mesh.upstreamPort, '/again');
      const cluster = mesh.web.clusterStats('api');
      assert.equal(cluster.dials, 3);
      assert.equal(cluster.streams, 0);
      assert.ok(cluster.resumedDials >= 1, `resumed ${cluster.resumedDials} of ${cluster.dials}`);
    } finally {
      await mesh.close();
    }
  });
});

describe('intentions', () => {
  it('a deny refuses new connections and closes open ones; an allow restores them', async () => {
    const mesh = await startMeshPair();
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await httpRequest(mesh.upstreamPort, '/open', { agent })).status, 200);
      const [socket] = Object.values(agent.sockets).flat().concat(Object.values(agent.freeSockets).flat());
      assert.ok(socket, 'the keep-alive socket is open');
      const closed = once(socket, 'close');

      mesh.source.setIntentions(intentionTable([['web', 'api', 'deny']]));
      await closed;
      await waitFor(() => mesh.api.stats().inbound.results.revoked === 1, 'the open connection to be revoked');
      const appConnections = mesh.apiApp.connections;
      await assert.rejects(httpRequest(mesh.upstreamPort, '/denied'));
      await waitFor(() => mesh.api.stats().inbound.results.denied === 1, 'the new connection to be denied');
      assert.equal(mesh.apiApp.connections, appConnections, 'no byte of a denied caller reaches the app');

      mesh.source.setIntentions(intentionTable([['web', 'api', 'allow']]));
      assert.equal((await httpRequest(mesh.upstreamPort, '/restored')).status, 200);
      agent.destroy();
    } finally {
      await mesh.close();
    }
  });

  it('leaves open connections alone when revocation is off', async () => {
    const mesh = await startMeshPair({ closeRevokedConnections: false });
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await httpRequest(mesh.upstreamPort, '/open', { agent })).status, 200);
      mesh.source.setIntentions(intentionTable([['web', 'api', 'deny']]));
      assert.equal((await httpRequest(mesh.upstreamPort, '/still-open', { agent })).status, 200);
      await assert.rejects(httpRequest(mesh.upstreamPort, '/new'));
      // Refused by the intention (a new stream on the open session is authorized on its own), and counted so.
      await waitFor(() => mesh.api.stats().inbound.results.denied === 1, 'the new connection to be denied');
      agent.destroy();
    } finally {
      await mesh.close();
    }
  });
});

describe('idle connections', () => {
  it('closes a relayed connection that carries no bytes for the idle timeout', async () => {
    const mesh = await startMeshPair({ idleTimeoutMs: 50 });
    try {
      const socket = connect({ host: '127.0.0.1', port: mesh.upstreamPort });
      // The proxy resets the idle connection, so the client sees ECONNRESET and then close.
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.on('error', () => undefined);
      await closed;
      await waitFor(() => mesh.web.stats().upstreams.api?.results.idle_timeout === 1, 'the idle result');
    } finally {
      await mesh.close();
    }
  });
});

describe('connection limits', () => {
  it('resets connections beyond the listener limit and counts them', async () => {
    const mesh = await startMeshPair({ connectionsMaxPerListener: 1 });
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await httpRequest(mesh.upstreamPort, '/first', { agent })).status, 200);
      await assert.rejects(httpRequest(mesh.upstreamPort, '/second'));
      await waitFor(() => mesh.web.stats().upstreams.api?.results.limit === 1, 'the limit result');
      assert.equal((await httpRequest(mesh.upstreamPort, '/first-again', { agent })).status, 200);
      agent.destroy();
    } finally {
      await mesh.close();
    }
  });
});

describe('upstream endpoints', () => {
  it('retries another endpoint when a dial fails', async () => {
    const mesh = await startMeshPair();
    try {
      const probe = createServer();
      probe.listen(0, '127.0.0.4');
      await once(probe, 'listening');
      const deadPort = (probe.address() as { port: number }).port;
      await new Promise((resolve) => probe.close(resolve));
      const live = { address: '127.0.0.2', port: mesh.api.publicAddress().port, service: 'api' };
      mesh.source.setEndpoints('api', [{ address: '127.0.0.4', port: deadPort, service: 'api' }, live]);
      for (let turn = 0; turn < 4; turn += 1) {
        assert.equal((await httpRequest(mesh.upstreamPort, `/try/${turn}`)).status, 200);
      }
      assert.ok(mesh.web.clusterStats('api').failedDials >= 1);
    } finally {
      await mesh.close();
    }
  });

  it('resets the caller when no endpoint is healthy', async () => {
    const mesh = await startMeshPair();
    try {
      mesh.source.setEndpoints('api', []);
      await assert.rejects(httpRequest(mesh.upstreamPort, '/none'));
      await waitFor(() => mesh.web.stats().upstreams.api?.results.no_endpoint === 1, 'the no-endpoint result');
    } finally {
      await mesh.close();
    }
  });
});
