// Proves /v1/health/* through fastify's inject over a scripted RpcClient: the args each read sends (tags, passing
// as ParseBool, connect), `?near` on entries, meta headers, `[]` for empty answers and `ServiceTags`/`Checks` never
// null, and Consul's 400s (missing names, invalid state, bad ?passing).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthCheck, ServiceEntry } from '../../../server/state/types.js';
import { apiWithRpc, FakeRpcClient, meta } from '../testing/fake-rpc.js';

/** inject() starts requests asynchronously: wait (bounded) until the fake has seen `count` calls. */
async function waitForCalls(rpc: FakeRpcClient, count: number): Promise<void> {
  for (let attempt = 0; attempt < 1000 && rpc.calls.length < count; attempt++) await new Promise(setImmediate);
  assert.equal(rpc.calls.length, count);
}

function check(node: string, status: HealthCheck['Status'] = 'passing'): HealthCheck {
  return {
    Node: node,
    CheckID: 'serfHealth',
    Name: 'Serf Health Status',
    Status: status,
    Notes: '',
    Output: 'Agent alive and reachable',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 3,
    ModifyIndex: 3,
  };
}

function entry(node: string): ServiceEntry {
  return {
    Node: {
      ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
      Node: node,
      Address: '10.0.0.5',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '10.0.0.5' },
      Meta: {},
      CreateIndex: 1,
      ModifyIndex: 1,
    },
    Service: {
      ID: 'web-1',
      Service: 'web',
      Tags: ['v2'],
      Address: '',
      TaggedAddresses: {},
      Meta: {},
      Port: 80,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      Kind: '',
      Proxy: null,
      Connect: null,
      SocketPath: '',
      CreateIndex: 4,
      ModifyIndex: 4,
    },
    Checks: [check(node)],
  };
}

describe('GET /v1/health/service/:name', () => {
  const passingTable: [string, boolean][] = [
    ['', false],
    ['?passing', true],
    ['?passing=1', true],
    ['?passing=true', true],
    ['?passing=false', false],
    ['?passing=0', false],
  ];
  for (const [query, expected] of passingTable)
    it(`sends PassingOnly ${expected} for "${query}"`, async () => {
      const rpc = new FakeRpcClient().on('Health.ServiceNodes', () => ({ value: [entry('a')], meta: meta(12) }));
      const response = await (await apiWithRpc(rpc)).inject({ url: `/v1/health/service/web${query}` });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['x-consul-index'], '12');
      assert.equal((rpc.calls[0]?.args as { PassingOnly: boolean } | undefined)?.PassingOnly, expected);
    });

  it('refuses a junk ?passing with 400', async () => {
    const rpc = new FakeRpcClient();
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/health/service/web?passing=maybe' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.body, 'Invalid value for ?passing');
    assert.equal(rpc.calls.length, 0);
  });

  it('passes repeated tags and the connect flag, and presents entries', async () => {
    const rpc = new FakeRpcClient().on('Health.ServiceNodes', () => ({ value: [entry('a')], meta: meta(12) }));
    const app = await apiWithRpc(rpc);
    const body = (await app.inject({ url: '/v1/health/service/web?tag=v2&tag=x' })).json();
    assert.equal(body[0].Node.Node, 'a');
    assert.deepEqual(body[0].Service.Tags, ['v2']);
    assert.equal('Proxy' in body[0].Service, false);
    assert.equal(body[0].Checks[0].Status, 'passing');
    await app.inject({ url: '/v1/health/connect/web' });
    assert.deepEqual(
      rpc.callsOf('Health.ServiceNodes').map((call) => call.args),
      [
        { ServiceName: 'web', ServiceTags: ['v2', 'x'], PassingOnly: false, Connect: false },
        { ServiceName: 'web', ServiceTags: [], PassingOnly: false, Connect: true },
      ],
    );
  });

  it('sorts entries by ?near', async () => {
    const rpc = new FakeRpcClient()
      .on('Health.ServiceNodes', () => ({ value: [entry('far'), entry('close')], meta: meta(2) }))
      .on('Coordinate.ListNodes', () => ({
        value: [
          { Node: 'me', Segment: '', Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0, Height: 0 } },
          {
            Node: 'close',
            Segment: '',
            Coord: { Vec: [0.001, 0, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0, Height: 0 },
          },
          { Node: 'far', Segment: '', Coord: { Vec: [0.2, 0, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0, Height: 0 } },
        ],
        meta: meta(1),
      }));
    const body = (await (await apiWithRpc(rpc)).inject({ url: '/v1/health/service/web?near=me' })).json();
    assert.deepEqual(
      body.map((row: ServiceEntry) => row.Node.Node),
      ['close', 'far'],
    );
  });

  it('lets identical blocking watchers share one RPC and one body, and still honours ?pretty', async () => {
    let release: () => void = () => undefined;
    const rpc = new FakeRpcClient().on(
      'Health.ServiceNodes',
      () =>
        new Promise((resolve) => {
          release = () => resolve({ value: [entry('a')], meta: meta(13) });
        }),
    );
    const app = await apiWithRpc(rpc);
    const url = '/v1/health/service/web?index=12&wait=30s';
    const watchers = [app.inject({ url }), app.inject({ url }), app.inject({ url: `${url}&pretty` })];
    await waitForCalls(rpc, 1);
    release();
    const [one, two, pretty] = await Promise.all(watchers);
    assert.equal(rpc.calls.length, 1);
    assert.equal(one?.body, two?.body);
    assert.equal(one?.headers['x-consul-index'], '13');
    assert.equal(one?.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(pretty?.body ?? ''), JSON.parse(one?.body ?? ''));
    assert.match(pretty?.body ?? '', /^\[\n {4}\{/);
  });

  it('answers [] when nothing matches', async () => {
    const rpc = new FakeRpcClient().on('Health.ServiceNodes', () => ({ value: [], meta: meta(5) }));
    assert.equal((await (await apiWithRpc(rpc)).inject({ url: '/v1/health/service/none' })).body, '[]');
  });
});

describe('health checks', () => {
  it('by node, by service and by state', async () => {
    const rpc = new FakeRpcClient()
      .on('Health.NodeChecks', () => ({ value: [check('a')], meta: meta(3) }))
      .on('Health.ServiceChecks', () => ({ value: [], meta: meta(4) }))
      .on('Health.ChecksInState', () => ({ value: [check('a', 'critical')], meta: meta(5) }));
    const app = await apiWithRpc(rpc);
    const byNode = await app.inject({ url: '/v1/health/node/a' });
    assert.equal(byNode.json()[0].CheckID, 'serfHealth');
    assert.equal(byNode.headers['x-consul-index'], '3');
    assert.equal((await app.inject({ url: '/v1/health/checks/web' })).body, '[]');
    for (const state of ['any', 'passing', 'warning', 'critical']) {
      const response = await app.inject({ url: `/v1/health/state/${state}` });
      assert.equal(response.statusCode, 200, state);
    }
    assert.deepEqual(
      rpc.callsOf('Health.ChecksInState').map((call) => call.args),
      [{ State: 'any' }, { State: 'passing' }, { State: 'warning' }, { State: 'critical' }],
    );
  });

  const bad: [string, string][] = [
    ['/v1/health/state/unknown', 'Invalid state: unknown'],
    ['/v1/health/state/', 'Missing check state'],
    ['/v1/health/node/', 'Missing node name'],
    ['/v1/health/checks/', 'Missing service name'],
    ['/v1/health/service/', 'Missing service name'],
  ];
  for (const [url, text] of bad)
    it(`${url} → 400 ${text}`, async () => {
      const response = await (await apiWithRpc(new FakeRpcClient())).inject({ url });
      assert.equal(response.statusCode, 400);
      assert.equal(response.body, text);
    });

  it('answers PUT with 405', async () => {
    const response = await (await apiWithRpc(new FakeRpcClient())).inject({
      method: 'PUT',
      url: '/v1/health/service/web',
    });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'OPTIONS,GET');
  });
});
