// Proves the status, coordinate, operator and snapshot routes through fastify's inject over a scripted
// RpcClient: JSON strings and lists from /v1/status, coordinate reads with meta headers, 404 for a node without a
// coordinate, `?id=`/`?address=` rules on raft peer removal, autopilot health 200/429, the autopilot configuration
// (Go durations out, a lenient body with zero values for missing fields in, `?cas`), the autopilot state, and the
// snapshot round trip as bytes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoordinateEntry } from '../../../server/state/types.js';
import { apiWithRpc, FakeRpcClient, meta } from '../testing/fake-rpc.js';

const storedAutopilot = {
  CleanupDeadServers: true,
  LastContactThresholdMs: 200,
  MaxTrailingLogs: 250,
  MinQuorum: 0,
  ServerStabilizationTimeMs: 10_000,
  RedundancyZoneTag: '',
  DisableUpgradeMigration: false,
  UpgradeVersionTag: '',
};

const coordinate: CoordinateEntry = {
  Node: 'a',
  Segment: '',
  Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
};

describe('/v1/status', () => {
  it('answers the leader as a JSON string and the peers as a list', async () => {
    const rpc = new FakeRpcClient()
      .on('Status.Leader', () => '10.0.0.1:8300')
      .on('Status.Peers', () => ['10.0.0.1:8300', '10.0.0.2:8300']);
    const app = await apiWithRpc(rpc);
    const leader = await app.inject({ url: '/v1/status/leader' });
    assert.equal(leader.body, '"10.0.0.1:8300"');
    assert.match(String(leader.headers['content-type']), /^application\/json/);
    assert.deepEqual((await app.inject({ url: '/v1/status/peers' })).json(), ['10.0.0.1:8300', '10.0.0.2:8300']);
  });
  it('answers "" without a leader', async () => {
    const rpc = new FakeRpcClient().on('Status.Leader', () => '');
    assert.equal((await (await apiWithRpc(rpc)).inject({ url: '/v1/status/leader' })).body, '""');
  });
});

describe('/v1/coordinate', () => {
  it('lists node coordinates with meta headers and filters by ?segment', async () => {
    const rpc = new FakeRpcClient().on('Coordinate.ListNodes', () => ({
      value: [coordinate, { ...coordinate, Node: 'b', Segment: 'alpha' }],
      meta: meta(30),
    }));
    const app = await apiWithRpc(rpc);
    const all = await app.inject({ url: '/v1/coordinate/nodes' });
    assert.equal(all.headers['x-consul-index'], '30');
    assert.equal(all.json().length, 2);
    assert.deepEqual(
      (await app.inject({ url: '/v1/coordinate/nodes?segment=alpha' }))
        .json()
        .map((entry: CoordinateEntry) => entry.Node),
      ['b'],
    );
  });
  it('answers 404 with index headers for a node without a coordinate', async () => {
    const rpc = new FakeRpcClient().on('Coordinate.Node', () => ({ value: [], meta: meta(31) }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/coordinate/node/ghost' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.body, '');
    assert.equal(response.headers['x-consul-index'], '31');
  });
  it("lists each datacenter with its servers' WAN coordinates, as the servers answer", async () => {
    const maps = [{ Datacenter: 'dc1', AreaID: 'wan', Coordinates: [{ Node: 's1', Coord: coordinate.Coord }] }];
    const rpc = new FakeRpcClient().on('Coordinate.ListDatacenters', () => maps);
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/coordinate/datacenters' });
    assert.deepEqual(response.json(), maps);
  });
  it('writes an update and answers an empty 200', async () => {
    const rpc = new FakeRpcClient().on('Coordinate.Update', () => true);
    const response = await (await apiWithRpc(rpc)).inject({
      method: 'PUT',
      url: '/v1/coordinate/update',
      payload: JSON.stringify({ node: 'a', coord: coordinate.Coord }),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assert.deepEqual(rpc.calls[0]?.args, { Node: 'a', Coord: coordinate.Coord });
  });
});

describe('/v1/operator', () => {
  it('answers the raft configuration', async () => {
    const server = {
      ID: 'id-1',
      Node: 'a',
      Address: '10.0.0.1:8300',
      Leader: true,
      ProtocolVersion: '3',
      Voter: true,
      LastIndex: 10,
    };
    const rpc = new FakeRpcClient().on('Operator.RaftGetConfiguration', () => ({
      value: { Servers: [server], Index: 10 },
      meta: meta(10),
    }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/operator/raft/configuration?stale' });
    assert.deepEqual(response.json(), { Servers: [server], Index: 10 });
    assert.equal(rpc.calls[0]?.options.query?.consistency, 'stale');
  });

  const peerCases: [string, number, string][] = [
    ['', 400, "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove"],
    ['?id=a&address=b', 400, 'Must specify only one of ?id or ?address'],
    ['?id=id-2', 200, ''],
    ['?address=10.0.0.2:8300', 200, ''],
  ];
  for (const [query, status, text] of peerCases)
    it(`DELETE raft/peer${query} → ${status}`, async () => {
      const rpc = new FakeRpcClient().on('Operator.RaftRemovePeer', () => true);
      const response = await (await apiWithRpc(rpc)).inject({
        method: 'DELETE',
        url: `/v1/operator/raft/peer${query}`,
      });
      assert.equal(response.statusCode, status);
      assert.equal(response.body, text);
      assert.equal(rpc.calls.length, status === 200 ? 1 : 0);
    });

  it('answers autopilot health 200 when healthy and 429 when not', async () => {
    for (const healthy of [true, false]) {
      const rpc = new FakeRpcClient().on('Operator.AutopilotServerHealth', () => ({
        Healthy: healthy,
        FailureTolerance: healthy ? 1 : 0,
        Servers: [],
      }));
      const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/operator/autopilot/health' });
      assert.equal(response.statusCode, healthy ? 200 : 429);
      assert.equal(response.json().Healthy, healthy);
    }
  });

  it('reads the autopilot configuration with Go durations and index headers', async () => {
    const rpc = new FakeRpcClient().on('Operator.AutopilotGetConfiguration', () => ({
      value: { ...storedAutopilot, CreateIndex: 4, ModifyIndex: 9 },
      meta: meta(9),
    }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/operator/autopilot/configuration' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-consul-index'], '9');
    assert.deepEqual(response.json(), {
      CleanupDeadServers: true,
      LastContactThreshold: '200ms',
      MaxTrailingLogs: 250,
      MinQuorum: 0,
      ServerStabilizationTime: '10s',
      RedundancyZoneTag: '',
      DisableUpgradeMigration: false,
      UpgradeVersionTag: '',
      CreateIndex: 4,
      ModifyIndex: 9,
    });
  });

  it("answers 500 with Consul's text before the leader wrote the configuration", async () => {
    const rpc = new FakeRpcClient().on('Operator.AutopilotGetConfiguration', () => ({ value: null, meta: meta(1) }));
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/operator/autopilot/configuration' });
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'autopilot config not initialized yet');
  });

  it('sets the configuration from a lenient body, zero values for missing fields, with ?cas', async () => {
    const rpc = new FakeRpcClient().on('Operator.AutopilotSetConfiguration', (args) => args.CAS !== true);
    const app = await apiWithRpc(rpc);
    const plain = await app.inject({
      method: 'PUT',
      url: '/v1/operator/autopilot/configuration',
      payload: { cleanup_dead_servers: true, LastContactThreshold: '1s', ServerStabilizationTime: 5e9 },
    });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, 'true');
    const cas = await app.inject({
      method: 'PUT',
      url: '/v1/operator/autopilot/configuration?cas=12',
      payload: { MaxTrailingLogs: 10 },
    });
    assert.equal(cas.body, 'false');
    assert.deepEqual(
      rpc.callsOf('Operator.AutopilotSetConfiguration').map((call) => call.args),
      [
        {
          Config: {
            ...storedAutopilot,
            LastContactThresholdMs: 1000,
            MaxTrailingLogs: 0,
            ServerStabilizationTimeMs: 5000,
          },
        },
        {
          Config: {
            ...storedAutopilot,
            CleanupDeadServers: false,
            LastContactThresholdMs: 0,
            MaxTrailingLogs: 10,
            ServerStabilizationTimeMs: 0,
          },
          CAS: true,
          CasIndex: 12,
        },
      ],
    );
  });

  it('refuses a bad body or ?cas without calling the servers', async () => {
    const rpc = new FakeRpcClient().on('Operator.AutopilotSetConfiguration', () => true);
    const app = await apiWithRpc(rpc);
    for (const [url, payload] of [
      ['/v1/operator/autopilot/configuration?cas=x', {}],
      ['/v1/operator/autopilot/configuration', { MaxTrailingLogs: 'many' }],
      ['/v1/operator/autopilot/configuration', { MaxTrailingLogs: -1 }],
      ['/v1/operator/autopilot/configuration', { LastContactThreshold: 'soon' }],
    ] as const) {
      const response = await app.inject({ method: 'PUT', url, payload });
      assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)}`);
    }
    assert.equal(rpc.calls.length, 0);
  });

  it('answers the autopilot state from the leader, 200 even when unhealthy', async () => {
    const state = {
      Healthy: false,
      FailureTolerance: 0,
      OptimisticFailureTolerance: 0,
      Servers: {},
      Leader: 'l',
      Voters: ['l'],
    };
    const rpc = new FakeRpcClient().on('Operator.AutopilotState', () => state);
    const response = await (await apiWithRpc(rpc)).inject({ url: '/v1/operator/autopilot/state?dc=dc1' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), state);
    assert.equal(rpc.callsOf('Operator.AutopilotState').length, 1);
  });
});

describe('/v1/snapshot', () => {
  it('saves as bytes with an index and restores the same bytes', async () => {
    const data = new Uint8Array([1, 2, 3, 250]);
    let restored: Uint8Array | null = null;
    const rpc = new FakeRpcClient()
      .on('Snapshot.Save', () => ({ Index: 77, Term: 2, Data: data }))
      .on('Snapshot.Restore', (args) => {
        restored = args.Data;
        return { Index: 80, NodesRestored: 1 };
      });
    const app = await apiWithRpc(rpc);
    const saved = await app.inject({ url: '/v1/snapshot' });
    assert.equal(saved.statusCode, 200);
    assert.equal(saved.headers['content-type'], 'application/octet-stream');
    assert.equal(saved.headers['x-consul-index'], '77');
    assert.deepEqual([...saved.rawPayload], [...data]);
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/snapshot',
      payload: saved.rawPayload,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(put.statusCode, 200);
    assert.deepEqual([...(restored ?? [])], [...data]);
  });
  it('refuses an empty restore body', async () => {
    const response = await (await apiWithRpc(new FakeRpcClient())).inject({ method: 'PUT', url: '/v1/snapshot' });
    assert.equal(response.statusCode, 400);
  });
});
