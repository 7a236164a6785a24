// Proves the Internal endpoint over a real StateStore and the real handlers (server/testing/endpoint-rpc.ts):
// the service listing's counts (instances, distinct nodes, tags, external sources, checks with node checks once
// per node and a sidecar's checks added to its service), ConnectedWithProxy, `?filter=` applied to health entries
// before summarizing, the node dump's NodeInfo shape, and topologies: declared upstreams and downstreams judged
// by an allow intention, a deny intention and the default, intention-derived links kept only for transparent
// proxies, the kind rule, and a blocking read woken by a check update.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultQueryOptions, type QueryOptions } from '../rpc/methods.js';
import { ensureRegistration } from '../state/catalog-ops.js';
import { StateStore } from '../state/store.js';
import { endpointRpc } from '../testing/endpoint-rpc.js';
import type { UiServiceTopologySummary } from './internal-types.js';

const context = { datacenter: 'dc1', token: '' };

function sidecar(id: string, destination: string, destinationId: string, upstreams: string[], mode?: string) {
  return {
    ID: id,
    Service: `${destination}-sidecar-proxy`,
    Kind: 'connect-proxy',
    Port: 21000,
    Proxy: {
      DestinationServiceName: destination,
      DestinationServiceID: destinationId,
      ...(mode === undefined ? {} : { Mode: mode }),
      Upstreams: upstreams.map((name, position) => ({ DestinationName: name, LocalBindPort: 9000 + position })),
    },
  };
}

/**
 * n1: serfHealth passing; web-1 (tags v1, b; check passing) with a sidecar (check critical) declaring api and db;
 *     api-1 (check warning); db-1 (no checks).
 * n2: serfHealth passing; web-2 (tags v2, b; external-source k8s; check passing); api-2 with a sidecar declaring
 *     db; batch (no sidecar).
 */
function setup() {
  const store = new StateStore();
  let index = 0;
  // Agents send their datacenter with each registration; the node row keeps it.
  const register = (request: object) => ensureRegistration(store, ++index, { Datacenter: 'dc1', ...request });
  for (const [node, address] of [
    ['n1', '10.0.0.1'],
    ['n2', '10.0.0.2'],
  ] as const)
    register({
      Node: node,
      Address: address,
      Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' },
    });
  const check = (id: string, serviceId: string, status: string) => ({
    CheckID: id,
    Name: id,
    Status: status,
    ServiceID: serviceId,
  });
  register({
    Node: 'n1',
    Address: '10.0.0.1',
    Service: { ID: 'web-1', Service: 'web', Tags: ['v1', 'b'], Port: 8080 },
    Check: check('web-1-http', 'web-1', 'passing'),
  });
  register({
    Node: 'n1',
    Address: '10.0.0.1',
    Service: sidecar('web-1-sidecar', 'web', 'web-1', ['api', 'db']),
    Check: check('web-1-sidecar-alive', 'web-1-sidecar', 'critical'),
  });
  register({
    Node: 'n1',
    Address: '10.0.0.1',
    Service: { ID: 'api-1', Service: 'api', Tags: ['a'], Port: 9090 },
    Check: check('api-1-http', 'api-1', 'warning'),
  });
  register({ Node: 'n1', Address: '10.0.0.1', Service: { ID: 'db-1', Service: 'db', Port: 5432 } });
  register({
    Node: 'n2',
    Address: '10.0.0.2',
    Service: { ID: 'web-2', Service: 'web', Tags: ['v2', 'b'], Port: 8080, Meta: { 'external-source': 'k8s' } },
    Check: check('web-2-http', 'web-2', 'passing'),
  });
  register({ Node: 'n2', Address: '10.0.0.2', Service: { ID: 'api-2', Service: 'api', Port: 9090 } });
  register({ Node: 'n2', Address: '10.0.0.2', Service: sidecar('api-2-sidecar', 'api', 'api-2', ['db']) });
  register({ Node: 'n2', Address: '10.0.0.2', Service: { ID: 'batch-1', Service: 'batch', Port: 7000 } });
  const { rpc } = endpointRpc(store);
  const query = (options: Partial<QueryOptions> = {}) => ({ context, query: { ...defaultQueryOptions, ...options } });
  const intention = (source: string, destination: string, action: 'allow' | 'deny') =>
    rpc.call(
      'Intention.Apply',
      { Op: 'create', Intention: { SourceName: source, DestinationName: destination, Action: action } },
      { context },
    );
  const topology = async (service: string) =>
    (await rpc.call('Internal.ServiceTopology', { ServiceName: service, ServiceKind: '' }, query())).value;
  return { store, rpc, query, intention, topology, register };
}

/** A topology row reduced to what the assertions look at. */
const link = (row: UiServiceTopologySummary) => ({
  name: row.Name,
  source: row.Source,
  allowed: row.Intention.Allowed,
  exact: row.Intention.HasExact,
  instances: row.InstanceCount,
});

describe('Internal.ServiceDump (/v1/internal/ui/services)', () => {
  it('summarizes every service in one read, with Consul’s counts and fields', async () => {
    const { rpc, query } = setup();
    const { value, meta } = await rpc.call('Internal.ServiceDump', {}, query());
    assert.ok(meta.index >= 1);
    assert.deepEqual(
      value.map((row) => row.Name),
      ['api', 'api-sidecar-proxy', 'batch', 'db', 'web', 'web-sidecar-proxy'],
    );
    const web = value.find((row) => row.Name === 'web');
    assert.deepEqual(web, {
      Name: 'web',
      Datacenter: 'dc1',
      Tags: ['b', 'v1', 'v2'],
      Nodes: ['n1', 'n2'],
      ExternalSources: ['k8s'],
      InstanceCount: 2,
      // serfHealth on n1 and n2 (once each), web-1-http, web-2-http; the sidecar's critical check counts too.
      ChecksPassing: 4,
      ChecksWarning: 0,
      ChecksCritical: 1,
      GatewayConfig: {},
      TransparentProxy: false,
      ConnectNative: false,
      ConnectedWithProxy: true,
      ConnectedWithGateway: false,
    });
    const proxy = value.find((row) => row.Name === 'web-sidecar-proxy');
    assert.equal(proxy?.Kind, 'connect-proxy');
    assert.equal(proxy?.Tags, null, 'no tags is null, as Go’s nil slice');
    assert.deepEqual([proxy?.InstanceCount, proxy?.ChecksPassing, proxy?.ChecksCritical], [1, 1, 1]);
    assert.equal(proxy?.ConnectedWithProxy, false);
    const api = value.find((row) => row.Name === 'api');
    assert.deepEqual(
      [api?.InstanceCount, api?.Nodes, api?.ChecksPassing, api?.ChecksWarning, api?.ConnectedWithProxy],
      [2, ['n1', 'n2'], 2, 1, true],
    );
    const again = await rpc.call('Internal.ServiceDump', {}, query());
    assert.equal(again.value, value, 'an unchanged store answers the same listing object (encoded once)');
    const db = value.find((row) => row.Name === 'db');
    assert.deepEqual([db?.InstanceCount, db?.ExternalSources, db?.ConnectedWithProxy], [1, null, false]);
  });

  it('applies ?filter= to the health entries before summarizing', async () => {
    const { rpc, query } = setup();
    const { value } = await rpc.call('Internal.ServiceDump', {}, query({ filter: 'Node.Node == "n2"' }));
    const web = value.find((row) => row.Name === 'web');
    assert.deepEqual([web?.InstanceCount, web?.Nodes, web?.ConnectedWithProxy], [1, ['n2'], false]);
    assert.equal(
      value.some((row) => row.Name === 'db'),
      false,
    );
    await assert.rejects(
      rpc.call('Internal.ServiceDump', {}, query({ filter: 'Node.Node ==' })),
      (error: Error & { code?: string }) => error.code === 'ERR_BAD_REQUEST',
    );
  });

  it('answers a blocking read when a check changes', async () => {
    const { rpc, query, register } = setup();
    const first = await rpc.call('Internal.ServiceDump', {}, query());
    const waiting = rpc.call('Internal.ServiceDump', {}, query({ minQueryIndex: first.meta.index }));
    register({
      Node: 'n1',
      Address: '10.0.0.1',
      Service: { ID: 'db-1', Service: 'db', Port: 5432 },
      Check: { CheckID: 'db-1-tcp', Name: 'tcp', Status: 'critical', ServiceID: 'db-1' },
    });
    const woken = await waiting;
    assert.ok(woken.meta.index > first.meta.index);
    assert.equal(woken.value.find((row) => row.Name === 'db')?.ChecksCritical, 1);
  });
});

describe('Internal.NodeDump and Internal.NodeInfo (/v1/internal/ui/nodes, /node/:node)', () => {
  it('lists each node with its services and checks, in Consul’s NodeInfo fields', async () => {
    const { rpc, query } = setup();
    const { value } = await rpc.call('Internal.NodeDump', {}, query());
    assert.deepEqual(
      value.map((node) => node.Node),
      ['n1', 'n2'],
    );
    const n1 = value[0];
    assert.deepEqual(Object.keys(n1 ?? {}), ['ID', 'Node', 'Address', 'TaggedAddresses', 'Meta', 'Services', 'Checks']);
    assert.deepEqual(n1?.Services.map((service) => service.ID).sort(), ['api-1', 'db-1', 'web-1', 'web-1-sidecar']);
    assert.equal(n1?.Checks.length, 4);
    const filtered = await rpc.call('Internal.NodeDump', {}, query({ filter: 'Address == "10.0.0.2"' }));
    assert.deepEqual(
      filtered.value.map((node) => node.Node),
      ['n2'],
    );
    const one = await rpc.call('Internal.NodeInfo', { Node: 'n2' }, query());
    assert.deepEqual(
      one.value.map((node) => node.Services.length),
      [4],
    );
    assert.deepEqual((await rpc.call('Internal.NodeInfo', { Node: 'ghost' }, query())).value, []);
  });
});

describe('Internal.ServiceTopology (/v1/internal/ui/service-topology/:service)', () => {
  it('takes upstreams from the sidecar registrations, judged by an allow and a deny intention', async () => {
    const { intention, topology } = setup();
    await intention('web', 'api', 'allow');
    await intention('web', 'db', 'deny');
    const web = await topology('web');
    assert.deepEqual(web.Upstreams.map(link), [
      { name: 'api', source: 'proxy-registration', allowed: true, exact: true, instances: 2 },
      { name: 'db', source: 'proxy-registration', allowed: false, exact: true, instances: 1 },
    ]);
    assert.deepEqual(web.Downstreams, []);
    assert.deepEqual([web.Protocol, web.TransparentProxy, web.FilteredByACLs], ['tcp', false, false]);
    assert.deepEqual(web.Upstreams[1]?.Intention, {
      DefaultAllow: true,
      Allowed: false,
      HasPermissions: false,
      ExternalSource: '',
      HasExact: true,
    });
    const api = web.Upstreams[0];
    assert.equal(api?.Kind, undefined, 'sidecars are summarized into their service, not listed');
    assert.deepEqual([api?.ChecksWarning, api?.Nodes], [1, ['n1', 'n2']]);
  });

  it('takes downstreams from sidecars that declare the service; intentions add only transparent ones', async () => {
    const { intention, topology, register } = setup();
    await intention('web', 'db', 'deny');
    const db = await topology('db');
    assert.deepEqual(db.Downstreams.map(link), [
      { name: 'api', source: 'proxy-registration', allowed: true, exact: false, instances: 2 },
      { name: 'web', source: 'proxy-registration', allowed: false, exact: true, instances: 2 },
    ]);
    // batch may reach db by the default, but without a transparent proxy it cannot dial what it does not declare.
    register({
      Node: 'n2',
      Address: '10.0.0.2',
      Service: sidecar('batch-sidecar', 'batch', 'batch-1', [], 'transparent'),
    });
    const after = await topology('db');
    assert.deepEqual(
      after.Downstreams.map(link).find((row) => row.name === 'batch'),
      { name: 'batch', source: 'default-allow', allowed: true, exact: false, instances: 1 },
    );
    const batch = await topology('batch');
    assert.equal(batch.TransparentProxy, true);
    assert.deepEqual(
      batch.Upstreams.map((row) => [row.Name, row.Source]),
      [],
      'intention-derived upstreams need a transparent proxy on the upstream too',
    );
  });

  it('refuses a kind Consul does not draw and a missing name', async () => {
    const { rpc, query } = setup();
    await assert.rejects(
      rpc.call('Internal.ServiceTopology', { ServiceName: 'web', ServiceKind: 'connect-proxy' }, query()),
      /Unsupported service kind "connect-proxy"/,
    );
    await assert.rejects(
      rpc.call('Internal.ServiceTopology', { ServiceName: '', ServiceKind: '' }, query()),
      /Missing ServiceName/,
    );
  });
});
