// Proves managed mode: one ProxyManager hosts the public and upstream listeners of many services in one process,
// each service calling the next through the mesh with its own identity; removing a service closes its listeners
// and releases its watches; registrations are validated with every problem reported at once.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ValidationError } from '../lib/errors.js';
import { validateProxyRegistration } from './config.js';
import {
  type EchoApp,
  httpRequest,
  intentionTable,
  makeCa,
  mintLeaf,
  newManager,
  rootsOf,
  startEcho,
  waitFor,
} from './testing/mesh-fixture.js';
import { StaticProxySource } from './testing/static-source.js';

const SERVICE_COUNT = 24;
const name = (position: number) => `svc-${position}`;

describe('ProxyManager with many services', () => {
  const source = new StaticProxySource();
  const manager = newManager(source);
  let app: EchoApp;
  after(async () => {
    await manager.stop();
    await app?.close();
  });

  it('routes every service to the next one through the mesh', async () => {
    const ca = await makeCa();
    app = await startEcho('app');
    source.setRoots(rootsOf(ca));
    const rules: [string, string, 'allow'][] = [];
    for (let position = 0; position < SERVICE_COUNT; position += 1) {
      source.setLeaf(name(position), await mintLeaf(ca, name(position)));
      rules.push([name(position), name((position + 1) % SERVICE_COUNT), 'allow']);
    }
    source.setIntentions(intentionTable(rules));
    await manager.start();
    for (let position = 0; position < SERVICE_COUNT; position += 1) {
      const next = name((position + 1) % SERVICE_COUNT);
      const proxy = await manager.addService({
        Address: '127.0.0.5',
        Port: 0,
        Proxy: {
          DestinationServiceName: name(position),
          LocalServicePort: app.port,
          Upstreams: [{ DestinationName: next, LocalBindAddress: '127.0.0.6', LocalBindPort: 0 }],
        },
      });
      source.setEndpoints(name(position), [
        { address: '127.0.0.5', port: proxy.publicAddress().port, service: name(position) },
      ]);
    }
    assert.equal(manager.ids().length, SERVICE_COUNT);
    for (let position = 0; position < SERVICE_COUNT; position += 1) {
      const proxy = manager.get(`${name(position)}-sidecar-proxy`)!;
      const next = name((position + 1) % SERVICE_COUNT);
      const answer = await httpRequest(proxy.upstreamAddress(next).port, `/from/${name(position)}`, {
        host: '127.0.0.6',
      });
      assert.deepEqual(answer, { status: 200, body: `app GET /from/${name(position)} ` });
    }
    assert.equal(manager.stats().services, SERVICE_COUNT);
    await waitFor(() => manager.stats().total.results.ok === 2 * SERVICE_COUNT, 'every connection to finish');
    // A caller not allowed by intentions is denied even though it is in the same process.
    const first = manager.get(`${name(0)}-sidecar-proxy`)!;
    source.setIntentions(intentionTable(rules.slice(1)));
    await assert.rejects(httpRequest(first.upstreamAddress(name(1)).port, '/denied', { host: '127.0.0.6' }));
    source.setIntentions(intentionTable(rules));
  });

  it('removes a service, closing its listeners and releasing its watches', async () => {
    const viewsBefore = source.openViews();
    const proxy = manager.get(`${name(3)}-sidecar-proxy`)!;
    const upstreamPort = proxy.upstreamAddress(name(4)).port;
    assert.equal(await manager.removeService(`${name(3)}-sidecar-proxy`), true);
    assert.equal(manager.get(`${name(3)}-sidecar-proxy`), undefined);
    await assert.rejects(httpRequest(upstreamPort, '/gone', { host: '127.0.0.6' }), /ECONNREFUSED/);
    // leaf, roots (credentials), intentions (inbound) and one endpoints view per upstream.
    assert.equal(source.openViews(), viewsBefore - 4);
    assert.equal(await manager.removeService('never-added'), false);
  });
});

describe('validateProxyRegistration', () => {
  it('fills Consul defaults', () => {
    const config = validateProxyRegistration({
      Port: 21000,
      Proxy: {
        DestinationServiceName: 'web',
        LocalServicePort: 8080,
        Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }],
      },
    });
    assert.equal(config.id, 'web-sidecar-proxy');
    assert.equal(config.bindAddress, '0.0.0.0');
    assert.equal(config.localServiceAddress, '127.0.0.1');
    assert.deepEqual(config.upstreams, [{ destinationName: 'api', bindAddress: '127.0.0.1', bindPort: 9191 }]);
  });

  it('reports every problem at once', () => {
    assert.throws(
      () =>
        validateProxyRegistration({
          Port: 70000,
          Proxy: {
            DestinationServiceName: '',
            LocalServicePort: 0,
            Upstreams: [
              { DestinationName: 'api', LocalBindPort: 9191 },
              { DestinationName: 'db', LocalBindPort: 9191 },
            ],
          },
        }),
      (error: unknown) =>
        error instanceof ValidationError &&
        /DestinationServiceName/.test(error.message) &&
        /Port 70000/.test(error.message) &&
        /LocalServicePort/.test(error.message) &&
        /binds 127.0.0.1:9191 twice/.test(error.message),
    );
  });
});
