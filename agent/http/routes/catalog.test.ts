// Proves /v1/catalog/* through fastify's inject over a scripted RpcClient: each read sends the query-meta headers
// and passes index/wait/consistency/node-meta/filter/tags to the right RPC, `?near` sorts by coordinates, bodies
// decode leniently (python-consul's lower-case keys, node-consul's IntervalDuration), JSON types and empties match
// Consul's ([]/{}; null only for an unknown node), and bad input gets Consul's 400 texts and 405s.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoLeaderError, NoPathToDatacenterError } from '../../../server/rpc/errors.js';
import type { CatalogService, Node, NodeService } from '../../../server/state/types.js';
import { apiWithRpc, FakeRpcClient, meta } from '../testing/fake-rpc.js';

function node(name: string): Node {
  return {
    ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
    Node: name,
    Address: '10.0.0.5',
    Datacenter: 'dc1',
    TaggedAddresses: { lan: '10.0.0.5' },
    Meta: {},
    CreateIndex: 5,
    ModifyIndex: 6,
  };
}

function nodeService(id: string): NodeService {
  return {
    ID: id,
    Service: 'web',
    Tags: [],
    Address: '',
    TaggedAddresses: {},
    Meta: {},
    Port: 8080,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Kind: '',
    Proxy: null,
    Connect: null,
    SocketPath: '',
    CreateIndex: 7,
    ModifyIndex: 7,
  };
}

function catalogService(nodeName: string): CatalogService {
  return {
    ID: '',
    Node: nodeName,
    Address: '10.0.0.5',
    Datacenter: 'dc1',
    TaggedAddresses: {},
    NodeMeta: {},
    ServiceKind: '',
    ServiceID: `web-${nodeName}`,
    ServiceName: 'web',
    ServiceTags: ['v2'],
    ServiceAddress: '',
    ServiceTaggedAddresses: {},
    ServiceWeights: { Passing: 1, Warning: 1 },
    ServiceMeta: {},
    ServicePort: 8080,
    ServiceSocketPath: '',
    ServiceEnableTagOverride: false,
    ServiceProxy: null,
    ServiceConnect: null,
    CreateIndex: 9,
    ModifyIndex: 9,
  };
}

function coordinate(nodeName: string, x: number) {
  return {
    Node: nodeName,
    Segment: '',
    Coord: { Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
  };
}

describe('catalog reads', () => {
  it('send the meta headers and pass every query option to the RPC', async () => {
    const rpc = new FakeRpcClient().on('Catalog.ListNodes', () => ({
      value: [node('a')],
      meta: meta(42, false, 12.6),
    }));
    const app = await apiWithRpc(rpc);
    const response = await app.inject({
      url: '/v1/catalog/nodes?index=41&wait=120000ms&stale=&node-meta=rack:r1&node-meta=os:linux&filter=Node%20%3D%3D%20%22a%22&dc=dc1',
      headers: { 'x-consul-token': 'tok' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-consul-index'], '42');
    assert.equal(response.headers['x-consul-knownleader'], 'false');
    assert.equal(response.headers['x-consul-lastcontact'], '13');
    assert.equal(response.headers['x-consul-effective-consistency'], 'stale');
    assert.equal(response.headers['x-consul-default-acl-policy'], 'allow');
    assert.deepEqual(response.json(), [node('a')]);
    const [call] = rpc.calls;
    assert.deepEqual(call?.options.context, { datacenter: 'dc1', token: 'tok' });
    assert.deepEqual(call?.options.query, {
      minQueryIndex: 41,
      maxQueryTimeMs: 120_000,
      consistency: 'stale',
      filter: 'Node == "a"',
      nodeMeta: { rack: 'r1', os: 'linux' },
    });
    assert.ok(call?.options.signal instanceof AbortSignal);
  });

  it('report the consistency mode used, ?cached as a miss, and indent under ?pretty', async () => {
    const rpc = new FakeRpcClient().on('Catalog.ListServices', () => ({ value: { web: ['v2'] }, meta: meta(4) }));
    const app = await apiWithRpc(rpc);
    const consistent = await app.inject({ url: '/v1/catalog/services?consistent' });
    assert.equal(consistent.headers['x-consul-effective-consistency'], 'consistent');
    assert.equal(rpc.calls[0]?.options.query?.consistency, 'consistent');
    const cached = await app.inject({ url: '/v1/catalog/services?cached' });
    assert.equal(cached.headers['x-cache'], 'MISS');
    assert.equal(cached.headers['x-consul-effective-consistency'], 'leader');
    const pretty = await app.inject({ url: '/v1/catalog/services?pretty' });
    assert.equal(pretty.body, '{\n    "web": [\n        "v2"\n    ]\n}\n');
    const conflicting = await app.inject({ url: '/v1/catalog/services?cached&consistent' });
    assert.equal(conflicting.statusCode, 400);
    assert.equal(conflicting.body, 'Cannot specify ?cached with ?consistent, conflicting semantics.');
  });

  it('sort by ?near=_agent using the coordinates', async () => {
    const rpc = new FakeRpcClient()
      .on('Catalog.ListNodes', () => ({
        value: [node('far'), node('none'), node('test-host'), node('near')],
        meta: meta(3),
      }))
      .on('Coordinate.ListNodes', () => ({
        value: [coordinate('test-host', 0), coordinate('near', 0.01), coordinate('far', 0.3)],
        meta: meta(2),
      }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/catalog/nodes?near=_agent' });
    assert.deepEqual(
      response.json().map((row: Node) => row.Node),
      ['test-host', 'near', 'far', 'none'],
    );
  });

  it('answer empty lists and maps, never null', async () => {
    const rpc = new FakeRpcClient()
      .on('Catalog.ListNodes', () => ({ value: [], meta: meta(0) }))
      .on('Catalog.ListServices', () => ({ value: {}, meta: meta(1) }))
      .on('Catalog.ServiceNodes', () => ({ value: [], meta: meta(1) }));
    const app = await apiWithRpc(rpc);
    const nodes = await app.inject({ url: '/v1/catalog/nodes' });
    assert.equal(nodes.body, '[]');
    assert.equal(nodes.headers['x-consul-index'], '1');
    assert.equal((await app.inject({ url: '/v1/catalog/services' })).body, '{}');
    assert.equal((await app.inject({ url: '/v1/catalog/service/nothing' })).body, '[]');
  });

  it('pass repeated ?tag and the connect flag to Catalog.ServiceNodes', async () => {
    const rpc = new FakeRpcClient().on('Catalog.ServiceNodes', () => ({ value: [catalogService('a')], meta: meta(9) }));
    const app = await apiWithRpc(rpc);
    const response = await app.inject({ url: '/v1/catalog/service/web?tag=v2&tag=primary' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.json()[0].ServicePort, 8080);
    await app.inject({ url: '/v1/catalog/connect/web' });
    assert.deepEqual(
      rpc.callsOf('Catalog.ServiceNodes').map((call) => call.args),
      [
        { ServiceName: 'web', ServiceTags: ['v2', 'primary'], Connect: false },
        { ServiceName: 'web', ServiceTags: [], Connect: true },
      ],
    );
  });

  it('answer null for an unknown node, with the index headers', async () => {
    const rpc = new FakeRpcClient().on('Catalog.NodeServices', () => ({ value: null, meta: meta(17) }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/catalog/node/ghost' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'null');
    assert.equal(response.headers['x-consul-index'], '17');
  });

  it('answer a node with its services as a map (catalog/node) and a list (node-services)', async () => {
    const rpc = new FakeRpcClient().on('Catalog.NodeServices', () => ({
      value: { Node: node('a'), Services: [nodeService('web-1')] },
      meta: meta(8),
    }));
    const app = await apiWithRpc(rpc);
    const byMap = (await app.inject({ url: '/v1/catalog/node/a' })).json();
    assert.deepEqual(Object.keys(byMap.Services), ['web-1']);
    const service = byMap.Services['web-1'];
    assert.deepEqual(service.Tags, []);
    assert.deepEqual(service.Meta, {});
    assert.equal(typeof service.Port, 'number');
    // omitempty fields stay out when empty
    for (const field of ['Kind', 'Proxy', 'Connect', 'SocketPath']) assert.equal(field in service, false, field);
    const byList = (await app.inject({ url: '/v1/catalog/node-services/a' })).json();
    assert.equal(byList.Services[0].ID, 'web-1');
    assert.equal(byList.Node.Node, 'a');
  });

  it('answer services with IDs named like Object.prototype members in the catalog/node map', async () => {
    const ids = ['__proto__', 'constructor', 'hasOwnProperty'];
    const rpc = new FakeRpcClient().on('Catalog.NodeServices', () => ({
      value: { Node: node('a'), Services: ids.map(nodeService) },
      meta: meta(8),
    }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/catalog/node/a' });
    const services = JSON.parse(response.body).Services as object;
    assert.deepEqual(Object.keys(services), ids);
    for (const id of ids) assert.equal(Object.getOwnPropertyDescriptor(services, id)?.value.ID, id);
  });

  it('answer the datacenters without index headers', async () => {
    const rpc = new FakeRpcClient().on('Catalog.ListDatacenters', () => ['dc1', 'dc2']);
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/catalog/datacenters' });
    assert.deepEqual(response.json(), ['dc1', 'dc2']);
    assert.equal(response.headers['x-consul-index'], undefined);
  });
});

describe('catalog writes', () => {
  it("decode python-consul's lower-case body and answer true", async () => {
    const rpc = new FakeRpcClient().on('Catalog.Register', () => true);
    const response = await (await apiWithRpc(rpc)).inject({
      method: 'PUT',
      url: '/v1/catalog/register',
      payload: JSON.stringify({
        node: 'n1',
        address: '10.0.0.9',
        service: { service: 'web', port: 80, tags: ['a'] },
        check: { name: 'c', status: 'passing', serviceid: 'web' },
        WriteRequest: { Token: 'x' },
      }),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'true');
    assert.deepEqual(rpc.calls[0]?.args, {
      Node: 'n1',
      Address: '10.0.0.9',
      Datacenter: 'dc1',
      Service: { Service: 'web', Port: 80, Tags: ['a'] },
      Check: { Name: 'c', Status: 'passing', ServiceID: 'web' },
    });
  });

  it("accept node-consul's IntervalDuration spellings and nanosecond numbers", async () => {
    const rpc = new FakeRpcClient().on('Catalog.Register', () => true);
    await (await apiWithRpc(rpc)).inject({
      method: 'PUT',
      url: '/v1/catalog/register',
      headers: { 'content-type': 'application/json' },
      payload: {
        Node: 'n1',
        Address: '10.0.0.9',
        Checks: [
          { CheckID: 'h', Name: 'h', Definition: { HTTP: 'http://x', IntervalDuration: '10s', TimeoutDuration: 1e9 } },
        ],
      },
    });
    const args = rpc.calls[0]?.args as { Checks: { Definition: unknown }[] };
    assert.deepEqual(args.Checks[0]?.Definition, { HTTP: 'http://x', Interval: '10s', Timeout: '1s' });
  });

  it('route a write to the datacenter in its body', async () => {
    const rpc = new FakeRpcClient().on('Catalog.Deregister', () => true);
    const response = await (await apiWithRpc(rpc)).inject({
      method: 'PUT',
      url: '/v1/catalog/deregister',
      payload: JSON.stringify({ Node: 'n1', ServiceID: 'web', Datacenter: 'dc2' }),
    });
    assert.equal(response.body, 'true');
    assert.deepEqual(rpc.calls[0]?.options.context, { datacenter: 'dc2', token: '' });
    assert.deepEqual(rpc.calls[0]?.args, { Node: 'n1', ServiceID: 'web', Datacenter: 'dc2' });
  });

  it('refuse a body of the wrong types with 400 before any RPC', async () => {
    const rpc = new FakeRpcClient().on('Catalog.Register', () => true);
    const response = await (await apiWithRpc(rpc)).inject({
      method: 'PUT',
      url: '/v1/catalog/register',
      payload: JSON.stringify({ Node: 'n1', Service: { Service: 'web', Port: '80' } }),
    });
    assert.equal(response.statusCode, 400);
    assert.equal(
      response.body,
      'Request decode failed: cannot unmarshal string into field Service.Port of type integer',
    );
    assert.equal(rpc.calls.length, 0);
  });
});

describe('catalog errors', () => {
  const cases: [string, string][] = [
    ['/v1/catalog/nodes?wait=forever', 'Invalid wait time'],
    ['/v1/catalog/nodes?index=-3', 'Invalid index'],
    ['/v1/catalog/nodes?stale&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['/v1/catalog/service/', 'Missing service name'],
    ['/v1/catalog/node/', 'Missing node name'],
  ];
  for (const [url, text] of cases)
    it(`${url} → 400 ${text}`, async () => {
      const rpc = new FakeRpcClient();
      const response = await (await apiWithRpc(rpc)).inject({ url });
      assert.equal(response.statusCode, 400);
      assert.equal(response.body, text);
      assert.equal(rpc.calls.length, 0);
    });

  it('refuse a bad filter with the go-bexpr text', async () => {
    const response = await (await apiWithRpc(new FakeRpcClient())).inject({
      url: '/v1/catalog/nodes?filter=Node%20%3D%3D',
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /^Failed to create boolean expression evaluator: /);
  });

  // go-bexpr's CreateFilter checks selectors against the reply type: an unknown field is a 400, not an empty list.
  const unknownSelectors: ReadonlyArray<readonly [url: string, named: string]> = [
    ['/v1/catalog/service/web?filter=Bogus==1', 'Bogus'],
    ['/v1/catalog/nodes?filter=Meta.rack==r1%20and%20Nope==1', 'Nope'],
    ['/v1/catalog/services?filter=ServiceMeta.x==1%20or%20Service.Bogus==1', 'Service'],
    ['/v1/catalog/node/n1?filter=Port.x==1', 'Port.x'],
    ['/v1/catalog/connect/web?filter=servicename==web', 'servicename'],
    ['/v1/health/service/web?filter=Service.Bogus==1', 'Service.Bogus'],
    ['/v1/health/state/any?filter=Checks.Status==passing', 'Checks'],
    ['/v1/coordinate/nodes?filter=Coord.Nope==1', 'Coord.Nope'],
    ['/v1/internal/ui/nodes?filter=Services.Bogus==1', 'Services.Bogus'],
    ['/v1/internal/ui/services?filter=ServiceName==web', 'ServiceName'],
  ];
  for (const [url, named] of unknownSelectors)
    it(`refuse ${url} naming no field with 400 Selector "${named}" is not valid`, async () => {
      const rpc = new FakeRpcClient();
      const response = await (await apiWithRpc(rpc)).inject({ url });
      assert.equal(response.statusCode, 400);
      assert.equal(
        response.body,
        `Failed to create boolean expression evaluator: Selector ${JSON.stringify(named)} is not valid`,
      );
      assert.equal(rpc.calls.length, 0);
    });

  it('pass filters that name real fields, map keys and list elements', async () => {
    const rpc = new FakeRpcClient().on('Catalog.ServiceNodes', () => ({ value: [], meta: meta(3) }));
    const app = await apiWithRpc(rpc);
    const expression = 'ServiceMeta.anything == x and ServiceTags.0 == v2 and ServiceWeights.Passing == 1';
    const response = await app.inject({ url: `/v1/catalog/service/web?filter=${encodeURIComponent(expression)}` });
    assert.equal(response.statusCode, 200);
  });

  it("pass the servers' failures on with Consul's text and status", async () => {
    const rpc = new FakeRpcClient()
      .on('Catalog.ListNodes', () => {
        throw new NoLeaderError();
      })
      .on('Catalog.ListServices', () => {
        throw new NoPathToDatacenterError('dc9');
      });
    const app = await apiWithRpc(rpc);
    const noLeader = await app.inject({ url: '/v1/catalog/nodes' });
    assert.equal(noLeader.statusCode, 500);
    assert.equal(noLeader.body, 'No cluster leader');
    const noPath = await app.inject({ url: '/v1/catalog/services?dc=dc9' });
    assert.equal(noPath.statusCode, 500);
    assert.equal(noPath.body, 'No path to datacenter');
  });

  it("answer paths that name no endpoint with Consul's 404", async () => {
    const app = await apiWithRpc(new FakeRpcClient());
    for (const url of ['/v1/catalog/bogus', '/v1/health/bogus/x', '/v1/status/nope', '/v1/operator/raft/x']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.body, 'Invalid URL path: not a recognized HTTP API endpoint');
    }
    // A subtree root without its slash is ServeMux's 301 to the subtree, as in Consul.
    for (const url of ['/v1/catalog/service', '/v1/health/service?dc=dc1']) {
      const response = await app.inject({ url });
      assert.deepEqual([response.statusCode, response.headers.location], [301, url.replace(/(\?|$)/, '/$1')], url);
    }
  });

  it('answer wrong methods with 405 and Allow', async () => {
    const app = await apiWithRpc(new FakeRpcClient());
    const put = await app.inject({ method: 'PUT', url: '/v1/catalog/nodes' });
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers.allow, 'OPTIONS,GET');
    const get = await app.inject({ method: 'GET', url: '/v1/catalog/register' });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'OPTIONS,PUT');
    assert.equal(get.body, 'method GET not allowed');
  });
});
