// Proves the agent's managed proxies follow local state: a registered connect-proxy service gets listeners that
// carry traffic to the upstream's app through the mesh, a sync mark does not restart it, a changed registration
// replaces it, deregistration stops it, other services are ignored, and a proxy that cannot bind is logged
// without failing the others or the start; connect.close_revoked_connections reaches the hosted proxies (a new
// deny closes an open connection, or leaves it when off).

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import {
  type EchoApp,
  httpRequest,
  intentionTable,
  makeCa,
  mintLeaf,
  rootsOf,
  startEcho,
  waitFor,
} from '../../proxy/testing/mesh-fixture.js';
import { StaticProxySource } from '../../proxy/testing/static-source.js';
import { LocalState } from '../local/state.js';
import type { LocalServiceRow } from '../local/types.js';
import { ManagedProxies, proxyRegistrationOf } from './managed-proxies.js';

const node = {
  ID: '11111111-2222-3333-4444-555555555555',
  Node: 'n1',
  Address: '127.0.0.97',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '127.0.0.97' },
  Meta: {},
};

function row(id: string, fields: Partial<LocalServiceRow> = {}): LocalServiceRow {
  return {
    ID: id,
    Service: id,
    Tags: [],
    Address: '',
    TaggedAddresses: {},
    Meta: {},
    Port: 0,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Kind: '',
    Proxy: null,
    Connect: null,
    SocketPath: '',
    ...fields,
  };
}

function sidecar(service: string, appPort: number, port: number, upstreams: Record<string, unknown>[] = []) {
  return row(`${service}-sidecar-proxy`, {
    Service: `${service}-sidecar-proxy`,
    Kind: 'connect-proxy',
    Address: '127.0.0.97',
    Port: port,
    Proxy: {
      DestinationServiceName: service,
      DestinationServiceID: service,
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: appPort,
      Upstreams: upstreams,
    },
  });
}

describe('ManagedProxies', () => {
  const source = new StaticProxySource();
  const state = new LocalState({ clock: new RealClock() }, { node, checkUpdateIntervalMs: 0 });
  const managed = new ManagedProxies(
    { state, source, clock: new RealClock(), log: silentLogger() },
    { datacenter: 'dc1', retryMs: 60_000 },
  );
  let app: EchoApp | null = null;
  let blocker: Server | null = null;
  after(async () => {
    await managed.stop();
    await app?.close();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  });

  it('reads only connect-proxy services with a destination and a local port', () => {
    assert.equal(proxyRegistrationOf(row('web', { Port: 80 })), null);
    assert.equal(proxyRegistrationOf(sidecar('web', 0, 0)), null);
    const registration = proxyRegistrationOf(
      sidecar('web', 8080, 21000, [{ DestinationName: 'api', LocalBindPort: 9191, Datacenter: '' }]),
    );
    assert.deepEqual(registration, {
      ID: 'web-sidecar-proxy',
      Address: '127.0.0.97',
      Port: 21000,
      Proxy: {
        DestinationServiceName: 'web',
        DestinationServiceID: 'web',
        LocalServiceAddress: '127.0.0.1',
        LocalServicePort: 8080,
        Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }],
      },
    });
  });

  it('follows registrations and carries traffic through the mesh', async () => {
    const ca = await makeCa();
    app = await startEcho('api');
    source.setRoots(rootsOf(ca));
    source.setLeaf('web', await mintLeaf(ca, 'web'));
    source.setLeaf('api', await mintLeaf(ca, 'api'));
    source.setIntentions(intentionTable([['web', 'api', 'allow']]));
    state.addService(row('api', { Port: app.port }), '', 'config');
    state.addService(sidecar('api', app.port, 0), '', 'config');
    await managed.start();
    await managed.settled();
    assert.deepEqual(managed.manager.ids(), ['api-sidecar-proxy']);
    const apiProxy = managed.manager.get('api-sidecar-proxy');
    assert.ok(apiProxy);
    source.setEndpoints('api', [{ address: '127.0.0.97', port: apiProxy.publicAddress().port, service: 'api' }]);

    state.addService(
      sidecar('web', 1, 0, [{ DestinationName: 'api', LocalBindAddress: '127.0.0.97', LocalBindPort: 0 }]),
      '',
      'api',
    );
    await managed.settled();
    const webProxy = managed.manager.get('web-sidecar-proxy');
    assert.ok(webProxy);
    const upstream = webProxy.upstreamAddress('api');
    const answer = await httpRequest(upstream.port, '/hello', { host: upstream.address });
    assert.equal(answer.body, 'api GET /hello ');

    const version = state.service('web-sidecar-proxy')?.version ?? 0;
    state.markServiceSynced('web-sidecar-proxy', version);
    await managed.settled();
    assert.equal(managed.manager.get('web-sidecar-proxy'), webProxy, 'a sync mark does not restart the proxy');

    state.addService(sidecar('web', 2, 0), '', 'api');
    await managed.settled();
    const replaced = managed.manager.get('web-sidecar-proxy');
    assert.ok(replaced && replaced !== webProxy, 'a changed registration replaces the proxy');
    assert.equal(replaced.config.localServicePort, 2);

    state.removeService('web-sidecar-proxy');
    await managed.settled();
    assert.deepEqual(managed.manager.ids(), ['api-sidecar-proxy']);
  });

  it('logs a proxy that cannot bind and keeps the others', async () => {
    const taken = createServer();
    blocker = taken;
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.97', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    state.addService(sidecar('web', 1, port), '', 'api');
    await managed.settled();
    await waitFor(() => managed.manager.get('web-sidecar-proxy') === undefined, 'the failed proxy to stay out');
    assert.deepEqual(managed.manager.ids(), ['api-sidecar-proxy']);
  });
});

describe('ManagedProxies with connect.close_revoked_connections', () => {
  for (const closeRevokedConnections of [true, false]) {
    it(`${closeRevokedConnections ? 'closes' : 'keeps'} an open connection a new deny covers`, async () => {
      const source = new StaticProxySource();
      const state = new LocalState({ clock: new RealClock() }, { node, checkUpdateIntervalMs: 0 });
      const managed = new ManagedProxies(
        { state, source, clock: new RealClock(), log: silentLogger() },
        { datacenter: 'dc1', retryMs: 60_000, closeRevokedConnections },
      );
      const app = await startEcho('api');
      const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const ca = await makeCa();
        source.setRoots(rootsOf(ca));
        source.setLeaf('web', await mintLeaf(ca, 'web'));
        source.setLeaf('api', await mintLeaf(ca, 'api'));
        source.setIntentions(intentionTable([['web', 'api', 'allow']]));
        state.addService(sidecar('api', app.port, 0), '', 'config');
        await managed.start();
        await managed.settled();
        const apiPort = managed.manager.get('api-sidecar-proxy')?.publicAddress().port ?? 0;
        source.setEndpoints('api', [{ address: '127.0.0.97', port: apiPort, service: 'api' }]);
        state.addService(
          sidecar('web', 1, 0, [{ DestinationName: 'api', LocalBindAddress: '127.0.0.97', LocalBindPort: 0 }]),
          '',
          'api',
        );
        await managed.settled();
        const upstream = managed.manager.get('web-sidecar-proxy')?.upstreamAddress('api');
        assert.ok(upstream);
        const ask = (path: string) => httpRequest(upstream.port, path, { host: upstream.address, agent: keepAlive });
        assert.equal((await ask('/open')).status, 200);

        source.setIntentions(intentionTable([['web', 'api', 'deny']]));
        const inbound = () => managed.manager.get('api-sidecar-proxy')?.stats().inbound.results;
        if (closeRevokedConnections) {
          await waitFor(() => inbound()?.revoked === 1, 'the open connection to be revoked');
          await assert.rejects(ask('/after'), 'the revoked connection is gone and a new one is denied');
        } else {
          assert.equal((await ask('/still-open')).status, 200, 'the open connection carries on');
          assert.equal(inbound()?.revoked ?? 0, 0);
        }
      } finally {
        keepAlive.destroy();
        await managed.stop();
        await app.close();
      }
    });
  }
});
