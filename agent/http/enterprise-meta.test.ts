// Proves Consul CE's refusal of namespaces and partitions (agent/http_ce.go parseEntMeta / parseEntMetaPartition)
// on exactly the server-backed endpoints whose Consul handlers call them: 400 with Consul's text and no RPC for
// catalog, health, coordinate update, config entries, intentions and the UI's internal endpoints; only the
// partition for catalog/nodes, the coordinate reads and raft transfer-leader (where a namespace means nothing);
// and nothing at all where Consul never looks (status, datacenters, prepared queries, txn, the CA, raft
// configuration and peers, autopilot, snapshot). The agent's own endpoints are proved in agent-routes.test.ts
// and connect-routes.test.ts; KV and session in kv-routes.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Authorizer } from '../acl/authorizer.js';
import { apiWithRpc, FakeRpcClient, testConfig } from './testing/fake-rpc.js';

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
interface Request {
  readonly method: Method;
  readonly url: string;
  readonly payload?: string;
}

const namespaceQuery = 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature';
const namespaceHeader = 'Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature';
const partitionQuery = 'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature';
const partitionHeader = 'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature';

const coordinateBody = JSON.stringify({
  Node: 'n1',
  Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
});
const intentionId = 'e9ebc19f-d481-42b1-4871-4d298d3acd5c';

/** Endpoints whose Consul handler calls parseEntMeta (or parseEntMetaNoWildcard): namespace and partition. */
const namespaced: Record<string, Request[]> = {
  catalog: [
    { method: 'PUT', url: '/v1/catalog/register', payload: '{"Node":"n1","Address":"10.0.0.1"}' },
    { method: 'PUT', url: '/v1/catalog/deregister', payload: '{"Node":"n1"}' },
    { method: 'GET', url: '/v1/catalog/services' },
    { method: 'GET', url: '/v1/catalog/service/web' },
    { method: 'GET', url: '/v1/catalog/connect/web' },
    { method: 'GET', url: '/v1/catalog/node/n1' },
    { method: 'GET', url: '/v1/catalog/node-services/n1' },
  ],
  health: [
    { method: 'GET', url: '/v1/health/node/n1' },
    { method: 'GET', url: '/v1/health/checks/web' },
    { method: 'GET', url: '/v1/health/state/any' },
    { method: 'GET', url: '/v1/health/service/web' },
    { method: 'GET', url: '/v1/health/connect/web' },
  ],
  coordinate: [{ method: 'PUT', url: '/v1/coordinate/update', payload: coordinateBody }],
  'config entries': [
    { method: 'PUT', url: '/v1/config', payload: '{"Kind":"service-defaults","Name":"web"}' },
    { method: 'GET', url: '/v1/config/service-defaults' },
    { method: 'GET', url: '/v1/config/service-defaults/web' },
    { method: 'DELETE', url: '/v1/config/service-defaults/web' },
  ],
  intentions: [
    { method: 'GET', url: '/v1/connect/intentions' },
    { method: 'POST', url: '/v1/connect/intentions', payload: '{"SourceName":"a","DestinationName":"b"}' },
    { method: 'GET', url: '/v1/connect/intentions/match?by=source&name=web' },
    { method: 'GET', url: '/v1/connect/intentions/check?source=a&destination=b' },
    { method: 'GET', url: '/v1/connect/intentions/exact?source=a&destination=b' },
    { method: 'PUT', url: '/v1/connect/intentions/exact?source=a&destination=b', payload: '{"Action":"allow"}' },
    { method: 'DELETE', url: '/v1/connect/intentions/exact?source=a&destination=b' },
    { method: 'PUT', url: `/v1/connect/intentions/${intentionId}`, payload: '{"Action":"allow"}' },
  ],
  'internal ui': [
    { method: 'GET', url: '/v1/internal/ui/nodes' },
    { method: 'GET', url: '/v1/internal/ui/node/n1' },
    { method: 'GET', url: '/v1/internal/ui/services' },
    { method: 'GET', url: '/v1/internal/ui/service-topology/web?kind=' },
  ],
};

/** Endpoints whose Consul handler calls only parseEntMetaPartition: a namespace is ignored there. */
const partitioned: Request[] = [
  { method: 'GET', url: '/v1/catalog/nodes' },
  { method: 'GET', url: '/v1/coordinate/nodes' },
  { method: 'GET', url: '/v1/coordinate/node/n1' },
  { method: 'POST', url: '/v1/operator/raft/transfer-leader' },
];

/** Endpoints whose Consul handler never parses enterprise meta. */
const unscoped: Request[] = [
  { method: 'GET', url: '/v1/catalog/datacenters' },
  { method: 'GET', url: '/v1/coordinate/datacenters' },
  { method: 'GET', url: '/v1/status/leader' },
  { method: 'GET', url: '/v1/status/peers' },
  { method: 'GET', url: '/v1/operator/raft/configuration' },
  { method: 'DELETE', url: '/v1/operator/raft/peer?id=s2' },
  { method: 'GET', url: '/v1/operator/autopilot/configuration' },
  { method: 'GET', url: '/v1/operator/autopilot/health' },
  { method: 'GET', url: '/v1/query' },
  { method: 'POST', url: '/v1/query', payload: '{"Name":"q","Service":{"Service":"web"}}' },
  { method: 'GET', url: '/v1/query/q/execute' },
  { method: 'PUT', url: '/v1/txn', payload: '[{"KV":{"Verb":"get","Key":"k"}}]' },
  { method: 'GET', url: '/v1/connect/ca/roots' },
  { method: 'GET', url: '/v1/connect/ca/configuration' },
  { method: 'GET', url: `/v1/connect/intentions/${intentionId}` },
  { method: 'DELETE', url: `/v1/connect/intentions/${intentionId}` },
  { method: 'GET', url: '/v1/snapshot' },
];

const withQuery = (url: string, query: string): string => `${url}${url.includes('?') ? '&' : '?'}${query}`;

async function send(request: Request, extra: { query?: string; headers?: Record<string, string> } = {}) {
  const rpc = new FakeRpcClient();
  const app = await apiWithRpc(rpc);
  try {
    const response = await app.inject({
      method: request.method,
      url: extra.query === undefined ? request.url : withQuery(request.url, extra.query),
      ...(request.payload === undefined ? {} : { payload: request.payload }),
      headers: { 'content-type': 'application/json', ...extra.headers },
    });
    return { status: response.statusCode, body: response.body, calls: rpc.calls.length };
  } finally {
    await app.close();
  }
}

const label = (request: Request) => `${request.method} ${request.url}`;

describe('namespaces and partitions on server-backed endpoints (Consul CE parseEntMeta)', () => {
  for (const [group, requests] of Object.entries(namespaced)) {
    it(`${group}: refuses ?ns and X-Consul-Partition with 400 and Consul's text, before any RPC`, async () => {
      for (const request of requests) {
        assert.deepEqual(await send(request, { query: 'ns=team-a' }), { status: 400, body: namespaceQuery, calls: 0 });
        assert.deepEqual(await send(request, { headers: { 'x-consul-partition': 'p1' } }), {
          status: 400,
          body: partitionHeader,
          calls: 0,
        });
      }
    });
  }

  it('partition-only endpoints refuse a partition but serve a namespace as Consul CE does (it never reads it)', async () => {
    for (const request of partitioned) {
      assert.deepEqual(await send(request, { query: 'partition=p1' }), { status: 400, body: partitionQuery, calls: 0 });
      for (const extra of [{ query: 'ns=team-a' }, { headers: { 'x-consul-namespace': 'team-a' } }]) {
        const served = await send(request, extra);
        assert.ok(served.calls > 0, `${label(request)} with ${JSON.stringify(extra)} reached the servers`);
        assert.ok(!served.body.includes('Enterprise feature'), `${label(request)}: ${served.body}`);
      }
    }
  });

  it('endpoints Consul never scopes ignore ?ns, ?partition and both headers', async () => {
    const everything = {
      query: 'ns=team-a&partition=p1',
      headers: { 'x-consul-namespace': 'team-a', 'x-consul-partition': 'p1' },
    };
    for (const request of unscoped) {
      const served = await send(request, everything);
      assert.ok(!served.body.includes('Enterprise feature'), `${label(request)}: ${served.status} ${served.body}`);
    }
  });

  it("checks in Consul's order (namespace header, ?ns, partition header, ?partition); an empty value is none", async () => {
    const services: Request = { method: 'GET', url: '/v1/catalog/services' };
    const all = { 'x-consul-namespace': 'a', 'x-consul-partition': 'b' };
    assert.equal((await send(services, { query: 'ns=a&partition=b', headers: all })).body, namespaceHeader);
    assert.equal((await send(services, { query: 'ns=a&partition=b' })).body, namespaceQuery);
    assert.equal(
      (await send(services, { query: 'partition=b', headers: { 'x-consul-partition': 'b' } })).body,
      partitionHeader,
    );
    const empty = await send(services, { query: 'ns=&partition=', headers: { 'x-consul-namespace': '' } });
    assert.ok(empty.calls > 0 && !empty.body.includes('Enterprise feature'), empty.body);
  });

  it('refuses before the ACL check, as Consul parses the namespace before resolving the token', async () => {
    const denyAll: Authorizer = { allows: () => false };
    const app = await apiWithRpc(new FakeRpcClient(), testConfig(), denyAll);
    try {
      const refused = await app.inject({ url: '/v1/health/checks/web?ns=team-a' });
      assert.deepEqual([refused.statusCode, refused.body], [400, namespaceQuery]);
      assert.equal((await app.inject({ url: '/v1/health/checks/web' })).statusCode, 403);
    } finally {
      await app.close();
    }
  });
});
