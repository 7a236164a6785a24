// Proves a service proxy without a public listener (Consul's dev-mode `connect proxy -service web -upstream
// api:9191`): validation no longer asks for Port or LocalServicePort, only the upstream listener is bound, requests
// through it reach api's sidecar over mTLS, and the proxy holds no view of the intention table (the destination
// decides). A registration without PublicListener still needs its local service port.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateProxyRegistration } from './config.js';
import {
  httpRequest,
  intentionTable,
  makeCa,
  mintLeaf,
  newManager,
  rootsOf,
  startEcho,
} from './testing/mesh-fixture.js';
import { StaticProxySource } from './testing/static-source.js';

describe('a service proxy with upstreams only', () => {
  it('validates without a public side, and a registration with one still needs its local service port', () => {
    const config = validateProxyRegistration({
      PublicListener: false,
      Port: 0,
      Proxy: {
        DestinationServiceName: 'web',
        LocalServicePort: 0,
        Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }],
      },
    });
    assert.equal(config.publicListener, false);
    assert.equal(config.upstreams[0]?.bindPort, 9191);
    assert.equal(
      validateProxyRegistration({ Port: 0, Proxy: { DestinationServiceName: 'api', LocalServicePort: 80 } })
        .publicListener,
      true,
    );
    assert.throws(
      () => validateProxyRegistration({ Port: 0, Proxy: { DestinationServiceName: 'api', LocalServicePort: 0 } }),
      {
        message: /Proxy.LocalServicePort 0 is not a port/,
      },
    );
  });

  it('binds only the upstream listener and carries HTTP to the destination over mTLS', async () => {
    const ca = await makeCa();
    const source = new StaticProxySource();
    source.setRoots(rootsOf(ca));
    source.setLeaf('web', await mintLeaf(ca, 'web'));
    source.setLeaf('api', await mintLeaf(ca, 'api'));
    source.setIntentions(intentionTable([['web', 'api', 'allow']]));
    const apiApp = await startEcho('api');
    const apiManager = newManager(source);
    const webManager = newManager(source);
    await apiManager.start();
    await webManager.start();
    try {
      const api = await apiManager.addService({
        Address: '127.0.0.2',
        Port: 0,
        Proxy: { DestinationServiceName: 'api', LocalServicePort: apiApp.port },
      });
      source.setEndpoints('api', [{ address: '127.0.0.2', port: api.publicAddress().port, service: 'api' }]);
      const viewsBefore = source.openViews();
      const web = await webManager.addService({
        PublicListener: false,
        Port: 0,
        Proxy: {
          DestinationServiceName: 'web',
          LocalServicePort: 0,
          Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 0 }],
        },
      });
      assert.throws(() => web.publicAddress(), { message: /has no public listener/ });
      // web's leaf, the roots and api's endpoints: no intention table.
      assert.equal(source.openViews() - viewsBefore, 3);
      const answer = await httpRequest(web.upstreamAddress('api').port, '/hi');
      assert.deepEqual(answer, { status: 200, body: 'api GET /hi ' });
      assert.equal(web.stats().inbound.accepted, 0);
      await webManager.removeService(web.config.id);
      assert.equal(source.openViews(), viewsBefore, 'a removed upstream-only proxy releases its views');
    } finally {
      await webManager.stop();
      await apiManager.stop();
      await apiApp.close();
    }
  });
});
