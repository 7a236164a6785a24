// Proves /v1/internal/ui/* end to end below Raft: fastify's inject drives the routes, whose RPCs run the real
// Internal endpoint over a real StateStore. Checked: the JSON text of a service listing row (Consul's field order,
// null for Go's nil slices, Kind omitted for a typical service), the query-meta headers, ?dc passed to the servers,
// NodeInfo with services presented as Consul's omitempty JSON, a missing node's empty 404, the topology's shape
// and its `?kind=` rule (missing, unsupported, not implemented), bad input (a bad filter, a missing name, a
// wrong method) and a Consul UI endpoint Lattice has not built (501).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallOptions, RpcClient } from '../../../server/rpc/methods.js';
import { ensureRegistration } from '../../../server/state/catalog-ops.js';
import { StateStore } from '../../../server/state/store.js';
import { endpointRpc } from '../../../server/testing/endpoint-rpc.js';
import { apiWithRpc, testConfig } from '../testing/fake-rpc.js';

async function setup() {
  const store = new StateStore();
  let index = 0;
  const register = (request: object) => ensureRegistration(store, ++index, { Datacenter: 'dc1', ...request });
  register({
    Node: 'n1',
    Address: '10.0.0.1',
    Service: { ID: 'web-1', Service: 'web', Port: 8080 },
    Check: { CheckID: 'web-1-http', Name: 'http', Status: 'passing', ServiceID: 'web-1' },
  });
  register({
    Node: 'n1',
    Address: '10.0.0.1',
    Service: {
      ID: 'web-1-sidecar',
      Service: 'web-sidecar-proxy',
      Kind: 'connect-proxy',
      Port: 21000,
      Proxy: {
        DestinationServiceName: 'web',
        DestinationServiceID: 'web-1',
        Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }],
      },
    },
  });
  register({ Node: 'n1', Address: '10.0.0.1', Service: { ID: 'api-1', Service: 'api', Tags: ['v1'], Port: 9090 } });
  const inner = endpointRpc(store).rpc;
  const contexts: CallOptions['context'][] = [];
  const rpc: RpcClient = {
    call: (method, args, options) => {
      contexts.push(options.context);
      return inner.call(method, args, options);
    },
  };
  const app = await apiWithRpc(rpc, testConfig({ node_name: 'n1', datacenter: 'dc1' }));
  return { app, contexts };
}

describe('/v1/internal/ui', () => {
  it('lists services as Consul’s ServiceListingSummary JSON, with the query-meta headers', async () => {
    const { app, contexts } = await setup();
    const reply = await app.inject({ method: 'GET', url: '/v1/internal/ui/services?dc=dc1' });
    assert.equal(reply.statusCode, 200, reply.body);
    assert.ok(Number(reply.headers['x-consul-index']) >= 1);
    assert.equal(reply.headers['x-consul-knownleader'], 'true');
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(contexts.at(-1)?.datacenter, 'dc1');
    const rows = JSON.parse(reply.body) as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((row) => row['Name']),
      ['api', 'web', 'web-sidecar-proxy'],
    );
    assert.equal(
      JSON.stringify(rows[1]),
      JSON.stringify({
        Name: 'web',
        Datacenter: 'dc1',
        Tags: null,
        Nodes: ['n1'],
        ExternalSources: null,
        InstanceCount: 1,
        ChecksPassing: 1,
        ChecksWarning: 0,
        ChecksCritical: 0,
        GatewayConfig: {},
        TransparentProxy: false,
        ConnectNative: false,
        ConnectedWithProxy: true,
        ConnectedWithGateway: false,
      }),
    );
    assert.equal(rows[2]?.['Kind'], 'connect-proxy');
    assert.deepEqual(Object.keys(rows[2] ?? {})[0], 'Kind', 'Kind leads, as in Consul’s struct');
    const filtered = await app.inject({
      method: 'GET',
      url: '/v1/internal/ui/services?filter=Service.Service%3D%3D%22api%22',
    });
    assert.deepEqual(
      (JSON.parse(filtered.body) as { Name: string }[]).map((row) => row.Name),
      ['api'],
    );
    const bad = await app.inject({ method: 'GET', url: '/v1/internal/ui/services?filter=Service.Service%3D%3D' });
    assert.equal(bad.statusCode, 400);
  });

  it('dumps nodes and one node as Consul’s NodeInfo; a missing node is an empty 404', async () => {
    const { app } = await setup();
    const nodes = await app.inject({ method: 'GET', url: '/v1/internal/ui/nodes' });
    assert.equal(nodes.statusCode, 200);
    assert.ok(Number(nodes.headers['x-consul-index']) >= 1);
    const [n1] = JSON.parse(nodes.body) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(n1 ?? {}), ['ID', 'Node', 'Address', 'TaggedAddresses', 'Meta', 'Services', 'Checks']);
    const services = n1?.['Services'] as Record<string, unknown>[];
    const web = services.find((service) => service['ID'] === 'web-1');
    assert.equal('Kind' in (web ?? {}), false, 'a typical service omits Kind, Proxy and Connect');
    assert.equal('Proxy' in (web ?? {}), false);
    const one = await app.inject({ method: 'GET', url: '/v1/internal/ui/node/n1' });
    assert.equal(one.statusCode, 200);
    assert.equal((JSON.parse(one.body) as { Node: string }).Node, 'n1');
    const missing = await app.inject({ method: 'GET', url: '/v1/internal/ui/node/ghost' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.body, '');
    assert.ok(Number(missing.headers['x-consul-index']) >= 1);
  });

  it('answers a topology for ?kind= and refuses what Consul refuses', async () => {
    const { app } = await setup();
    const reply = await app.inject({ method: 'GET', url: '/v1/internal/ui/service-topology/web?kind=' });
    assert.equal(reply.statusCode, 200, reply.body);
    assert.ok(Number(reply.headers['x-consul-index']) >= 1);
    const topology = JSON.parse(reply.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(topology), [
      'Protocol',
      'TransparentProxy',
      'Upstreams',
      'Downstreams',
      'FilteredByACLs',
    ]);
    const [api] = topology['Upstreams'] as Record<string, unknown>[];
    assert.deepEqual(
      [api?.['Name'], api?.['Source'], api?.['Intention']],
      [
        'api',
        'proxy-registration',
        { DefaultAllow: true, Allowed: true, HasPermissions: false, ExternalSource: '', HasExact: false },
      ],
    );
    const noKind = await app.inject({ method: 'GET', url: '/v1/internal/ui/service-topology/web' });
    assert.deepEqual([noKind.statusCode, noKind.body], [400, 'Missing service kind']);
    const proxyKind = await app.inject({
      method: 'GET',
      url: '/v1/internal/ui/service-topology/web?kind=connect-proxy',
    });
    assert.deepEqual([proxyKind.statusCode, proxyKind.body], [400, 'Unsupported service kind "connect-proxy"']);
    const gateway = await app.inject({
      method: 'GET',
      url: '/v1/internal/ui/service-topology/gw?kind=ingress-gateway',
    });
    assert.equal(gateway.statusCode, 501);
    const noName = await app.inject({ method: 'GET', url: '/v1/internal/ui/service-topology/?kind=' });
    assert.deepEqual([noName.statusCode, noName.body], [400, 'Missing service name']);
    const overview = await app.inject({ method: 'GET', url: '/v1/internal/ui/catalog-overview' });
    assert.equal(overview.statusCode, 501, 'a Consul UI endpoint Lattice has not built says so');
    const put = await app.inject({ method: 'PUT', url: '/v1/internal/ui/services' });
    assert.equal(put.statusCode, 405);
  });
});
