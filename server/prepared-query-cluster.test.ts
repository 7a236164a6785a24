// Proves prepared queries on a three-server cluster in one process (real Raft on the memory transport, a
// ManualClock): a create sent to a follower is forwarded to the leader and replicated to every server, a stale
// Execute on a follower answers from its own store, and an Execute of an unknown name rejects with the RPC
// NotFoundError (`Query not found`) that the HTTP edge turns into 404 and DNS into NXDOMAIN.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { NotFoundError } from './rpc/errors.js';
import { defaultQueryOptions } from './rpc/methods.js';
import { preparedQueryGet } from './state/prepared-query-reads.js';
import { ServerCluster, type TestServer, testContext } from './testing/server-cluster.js';

const call = { context: testContext };
const noSource = { Datacenter: '', Segment: '', Node: '', Ip: '' };

describe('prepared queries on a three-server cluster', () => {
  let cluster: ServerCluster | null = null;
  afterEach(async () => {
    await cluster?.stopAll();
    cluster = null;
  });

  it('forwards a create from a follower, replicates it, and executes on a follower', async () => {
    cluster = new ServerCluster();
    const c = cluster;
    for (const n of [2, 3, 4]) c.addServer(n);
    await c.start();
    await c.runUntil(() => c.leader() !== null, 'a leader is elected');
    const leader = c.leader() as TestServer;
    await c.drive(
      leader.server.rpcClient().call(
        'Catalog.Register',
        {
          Node: 'app-1',
          Address: '10.9.0.1',
          Service: { ID: 'web', Service: 'web', Port: 80 },
          Check: { CheckID: 'web', Name: 'web', Status: 'passing', ServiceID: 'web' },
        },
        call,
      ),
      'register web',
    );
    const follower = [...c.servers.values()].find((entry) => entry.running && !entry.server.isLeader());
    assert.ok(follower);
    const rpc = follower.server.rpcClient();
    const id = await c.drive(
      rpc.call('PreparedQuery.Apply', { Op: 'create', Query: { Name: 'web-q', Service: { Service: 'web' } } }, call),
      'create through a follower',
    );
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => preparedQueryGet(entry.server.store, id).value !== null),
      'the query is on every server',
    );
    const args = { QueryIDOrName: 'web-q', Limit: 0, Connect: false, Source: noSource, Agent: noSource };
    const stale = { ...call, query: { ...defaultQueryOptions, consistency: 'stale' as const } };
    const executed = await c.drive(rpc.call('PreparedQuery.Execute', args, stale), 'a stale execute');
    assert.deepEqual(
      executed.value.Nodes.map((entry) => entry.Node.Node),
      ['app-1'],
    );
    await assert.rejects(
      c.drive(rpc.call('PreparedQuery.Execute', { ...args, QueryIDOrName: 'nope' }, stale), 'an unknown query'),
      (error: unknown) => error instanceof NotFoundError && error.message === 'Query not found',
    );
  });
});
