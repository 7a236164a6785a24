// Proves the server runtime end to end in one process: three Servers with bootstrap_expect=3 form one cluster
// from the (fake) LAN pool, writes sent to any server reach the leader and every replica, reads honour their
// consistency mode, `?filter=` and the datacenter, a blocking read waits for a change and not before, the leader
// reconciles gossip membership into the catalog, a late server joins as a non-voter and is promoted, and a
// snapshot saved and restored brings the catalog back; stale reads carry last contact; autopilot removes a
// failed server after its grace and takes it back as a voter when it restarts. Real Raft on the memory
// transport; time is a ManualClock.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { autopilotFields } from './autopilot.js';
import { BadRequestError, NoPathToDatacenterError, PermissionDeniedError, WriteRefusedError } from './rpc/errors.js';
import { defaultQueryOptions, type QueryOptions } from './rpc/methods.js';
import type { Server } from './server.js';
import { autopilotConfig } from './state/autopilot-ops.js';
import { getNode, nodes, serviceNodes } from './state/catalog-reads.js';
import { nodeChecks } from './state/health-reads.js';
import { ServerCluster, testContext, testNodeId } from './testing/server-cluster.js';

const stale: QueryOptions = { ...defaultQueryOptions, consistency: 'stale' };

async function formedCluster(): Promise<ServerCluster> {
  const cluster = new ServerCluster();
  for (const n of [2, 3, 4]) cluster.addServer(n);
  await cluster.start();
  await cluster.runUntil(() => cluster.leader() !== null, 'a leader is elected');
  return cluster;
}

const registerWeb = (node: string, address: string, status: 'passing' | 'critical' = 'passing') => ({
  Node: node,
  Address: address,
  Service: { ID: 'web-1', Service: 'web', Port: 8080, Tags: ['v1'] },
  Check: { CheckID: 'web-alive', Name: 'web alive', Status: status, ServiceID: 'web-1' },
});

describe('Server', () => {
  let cluster: ServerCluster | null = null;
  afterEach(async () => {
    await cluster?.stopAll();
    cluster = null;
  });

  it('bootstraps once from bootstrap_expect and every server agrees on three voters', async () => {
    cluster = await formedCluster();
    const c = cluster;
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => entry.server.raftStats().PeerCount === 3),
      'every server has three peers',
    );
    const leaders = [...c.servers.values()].filter((entry) => entry.server.isLeader());
    assert.equal(leaders.length, 1);
    const peers = await c.get('server-2').server.rpcClient().call('Status.Peers', {}, { context: testContext });
    assert.deepEqual([...peers].sort(), ['10.0.0.2:8300', '10.0.0.3:8300', '10.0.0.4:8300']);
  });

  it('forwards a write from a follower and replicates it to every server', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const follower = [...c.servers.values()].find((entry) => !entry.server.isLeader());
    assert.ok(follower);
    await c.drive(
      follower.server.rpcClient().call('Catalog.Register', registerWeb('node-a', '10.0.1.1'), { context: testContext }),
      'the register is applied',
    );
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => serviceNodes(entry.server.store, 'web').value.length === 1),
      'the registration is on every server',
    );
    const fromFollower = await c.drive(
      follower.server
        .rpcClient()
        .call(
          'Health.ServiceNodes',
          { ServiceName: 'web', ServiceTags: [], PassingOnly: false, Connect: false },
          { context: testContext, query: defaultQueryOptions },
        ),
      'default read (forwarded to the leader)',
    );
    assert.equal(fromFollower.value.length, 1);
    assert.equal(fromFollower.value[0]?.Service.Service, 'web');
    assert.equal(fromFollower.meta.knownLeader, true);
    assert.ok(fromFollower.meta.index >= 1);
  });

  it('holds a write forwarded to a leader that just died until the new leader takes it (rpc_hold_timeout)', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const oldLeader = c.leader();
    assert.ok(oldLeader);
    const follower = [...c.servers.values()].find((entry) => entry !== oldLeader);
    assert.ok(follower);
    await c.crash(oldLeader.name);
    // The follower still names the dead leader until an election decides: its first forward is refused.
    assert.equal(follower.server.raftNode()?.leaderAddress(), oldLeader.address);
    await c.drive(
      follower.server.rpcClient().call('Catalog.Register', registerWeb('node-a', '10.0.1.1'), { context: testContext }),
      'the forwarded write lands on the new leader',
    );
    const newLeader = c.leader();
    assert.ok(newLeader && newLeader !== oldLeader);
    assert.equal(serviceNodes(newLeader.server.store, 'web').value.length, 1);
  });

  it('refuses a bad write, a bad filter and an unknown datacenter with typed errors', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = c.get('server-3').server.rpcClient();
    await assert.rejects(
      c.drive(rpc.call('Catalog.Register', { Node: 'x' } as never, { context: testContext }), 'bad write'),
      WriteRefusedError,
    );
    await assert.rejects(
      c.drive(
        rpc.call('Catalog.ListNodes', {}, { context: testContext, query: { ...stale, filter: 'Node ==' } }),
        'bad filter',
      ),
      BadRequestError,
    );
    await assert.rejects(
      c.drive(
        rpc.call('Catalog.ListNodes', {}, { context: { ...testContext, datacenter: 'dc9' }, query: stale }),
        'dc',
      ),
      (error: unknown) => error instanceof NoPathToDatacenterError && error.message === 'No path to datacenter',
    );
  });

  it('applies ?filter= and ?node-meta= on the server', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = c.get('server-2').server.rpcClient();
    await c.drive(
      rpc.call(
        'Catalog.Register',
        { ...registerWeb('node-a', '10.0.1.1'), NodeMeta: { rack: 'a' } },
        { context: testContext },
      ),
      'a',
    );
    await c.drive(
      rpc.call(
        'Catalog.Register',
        { ...registerWeb('node-b', '10.0.1.2'), NodeMeta: { rack: 'b' } },
        { context: testContext },
      ),
      'b',
    );
    const filtered = await c.drive(
      rpc.call(
        'Catalog.ListNodes',
        {},
        { context: testContext, query: { ...defaultQueryOptions, filter: 'Meta.rack == "b"' } },
      ),
      'filtered read',
    );
    assert.deepEqual(
      filtered.value.map((node) => node.Node),
      ['node-b'],
    );
    const byMeta = await c.drive(
      rpc.call(
        'Catalog.ServiceNodes',
        { ServiceName: 'web', ServiceTags: [], Connect: false },
        {
          context: testContext,
          query: { ...defaultQueryOptions, nodeMeta: { rack: 'a' } },
        },
      ),
      'node-meta read',
    );
    assert.deepEqual(
      byMeta.value.map((row) => row.Node),
      ['node-a'],
    );
    await c.drive(
      rpc.call(
        'Catalog.Register',
        { Node: 'node-c', Address: '10.0.1.3', Service: { Service: 'db', Tags: ['primary'] } },
        { context: testContext },
      ),
      'db',
    );
    const filteredServices = await c.drive(
      rpc.call(
        'Catalog.ListServices',
        {},
        {
          context: testContext,
          query: { ...defaultQueryOptions, filter: 'NodeMeta.rack == "b" or ServiceName == "db"' },
        },
      ),
      'filtered services',
    );
    assert.deepEqual(filteredServices.value, { web: ['v1'], db: ['primary'] });
  });

  it('answers a blocking read after a change to its rows, and not before', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = c.get('server-4').server.rpcClient();
    await c.drive(rpc.call('Catalog.Register', registerWeb('node-a', '10.0.1.1'), { context: testContext }), 'seed');
    const args = { ServiceName: 'web', ServiceTags: [], PassingOnly: false, Connect: false };
    const first = await c.drive(
      rpc.call('Health.ServiceNodes', args, { context: testContext, query: defaultQueryOptions }),
      'first',
    );
    let answered = false;
    const waiting = rpc
      .call('Health.ServiceNodes', args, {
        context: testContext,
        query: { ...defaultQueryOptions, minQueryIndex: first.meta.index, maxQueryTimeMs: 60_000 },
      })
      .finally(() => {
        answered = true;
      });
    // An unrelated write: the web rows do not change, so the watcher keeps waiting.
    await c.drive(
      rpc.call('Catalog.Register', { Node: 'other', Address: '10.0.9.9' }, { context: testContext }),
      'other',
    );
    await c.runUntil(() => c.leader() !== null, 'settle', 200);
    assert.equal(answered, false);
    await c.drive(
      rpc.call('Catalog.Register', registerWeb('node-a', '10.0.1.1', 'critical'), { context: testContext }),
      'web check goes critical',
    );
    const reply = await c.drive(waiting, 'the blocking read returns');
    assert.ok(reply.meta.index > first.meta.index);
    assert.equal(reply.value[0]?.Checks.find((check) => check.CheckID === 'web-alive')?.Status, 'critical');
  });

  it('reconciles gossip members into the catalog: alive, failed, left', async () => {
    cluster = await formedCluster();
    const c = cluster;
    c.addClient('client-5', '10.0.0.5');
    const everywhere = (predicate: (store: Server['store']) => boolean): boolean =>
      [...c.servers.values()].every((entry) => predicate(entry.server.store));
    const serf = (store: Server['store'], node: string) =>
      nodeChecks(store, node).value.find((check) => check.CheckID === 'serfHealth');
    await c.runUntil(
      () => everywhere((store) => serf(store, 'client-5')?.Status === 'passing'),
      'client-5 is registered with serfHealth passing on every server',
    );
    assert.equal(serf(c.get('server-2').server.store, 'client-5')?.Output, 'Agent alive and reachable');
    await c.runUntil(
      () => everywhere((store) => serviceNodes(store, 'consul').value.length === 3),
      'the three servers carry the consul service',
    );
    c.pool.setStatus('client-5', 'failed');
    await c.runUntil(
      () => everywhere((store) => serf(store, 'client-5')?.Status === 'critical'),
      'client-5 serfHealth critical on every server',
    );
    assert.equal(serf(c.get('server-3').server.store, 'client-5')?.Output, 'Agent not live or unreachable');
    c.pool.setStatus('client-5', 'left');
    await c.runUntil(
      () => everywhere((store) => getNode(store, 'client-5').value === null),
      'client-5 deregistered after leaving',
    );
  });

  it('adds a late server as a non-voter and promotes it once stable', async () => {
    cluster = await formedCluster();
    const c = cluster;
    c.addServer(5);
    await c.start(['server-5']);
    await c.runUntil(
      () => {
        const raft = c.leader()?.server.raftNode();
        return raft?.configuration().voters.includes(testNodeId(5)) ?? false;
      },
      'server-5 becomes a voter',
      60_000,
    );
    const health = await c.drive(
      c.get('server-2').server.rpcClient().call('Operator.AutopilotServerHealth', {}, { context: testContext }),
      'autopilot health',
    );
    assert.equal(health.Servers.length, 4);
  });

  it("keeps the autopilot configuration in Raft: the leader writes the agent's, a CAS set applies once and rules", async () => {
    cluster = await formedCluster();
    const c = cluster;
    const follower = [...c.servers.values()].find((entry) => !entry.server.isLeader());
    assert.ok(follower);
    const rpc = follower.server.rpcClient();
    const read = () =>
      c.drive(
        rpc.call('Operator.AutopilotGetConfiguration', {}, { context: testContext, query: defaultQueryOptions }),
        'autopilot configuration read (forwarded)',
      );
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => autopilotConfig(entry.server.store).value !== null),
      'the leader wrote the initial configuration on every server',
    );
    const initial = (await read()).value;
    assert.ok(initial);
    const { CreateIndex: _c, ModifyIndex: _m, ...fields } = initial;
    assert.deepEqual(fields, autopilotFields(follower.server.config.autopilot));
    const slow = { ...fields, ServerStabilizationTimeMs: 3_600_000 };
    const set = (casIndex: number) =>
      c.drive(
        rpc.call(
          'Operator.AutopilotSetConfiguration',
          { Config: slow, CAS: true, CasIndex: casIndex },
          { context: testContext },
        ),
        'autopilot configuration set',
      );
    assert.equal(await set(initial.ModifyIndex), true);
    assert.equal(await set(initial.ModifyIndex), false, 'the CAS index is stale now');
    const changed = (await read()).value;
    assert.equal(changed?.ServerStabilizationTimeMs, 3_600_000);
    assert.equal(changed?.CreateIndex, initial.CreateIndex);
    // With an hour of stabilization, a late server stays a non-voter well past the configured one.
    c.addServer(5);
    await c.start(['server-5']);
    await c.runUntil(
      () => c.leader()?.server.raftNode()?.configuration().nonvoters.includes(testNodeId(5)) ?? false,
      'server-5 joins as a non-voter',
      60_000,
    );
    await assert.rejects(
      c.runUntil(
        () => c.leader()?.server.raftNode()?.configuration().voters.includes(testNodeId(5)) ?? false,
        'server-5 becomes a voter',
        30_000,
      ),
      /simulated 30000 ms without/,
    );
  });

  it('saves a snapshot and restores it through Raft', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = c.get('server-3').server.rpcClient();
    await c.drive(rpc.call('Catalog.Register', registerWeb('node-a', '10.0.1.1'), { context: testContext }), 'a');
    const saved = await c.drive(rpc.call('Snapshot.Save', {}, { context: testContext }), 'save');
    assert.ok(saved.Index > 0);
    await c.drive(rpc.call('Catalog.Deregister', { Node: 'node-a' }, { context: testContext }), 'delete');
    await c.drive(rpc.call('Catalog.Register', { Node: 'node-z', Address: '10.0.3.3' }, { context: testContext }), 'z');
    const restored = await c.drive(
      rpc.call('Snapshot.Restore', { Data: saved.Data }, { context: testContext }),
      'restore',
    );
    assert.ok(restored.Index > saved.Index);
    const nodes = await c.drive(
      rpc.call('Catalog.ListNodes', {}, { context: testContext, query: defaultQueryOptions }),
      'nodes',
    );
    const names = nodes.value.map((node) => node.Node);
    assert.ok(names.includes('node-a'));
    assert.ok(!names.includes('node-z'));
    const web = await c.drive(
      rpc.call(
        'Health.ServiceNodes',
        { ServiceName: 'web', ServiceTags: [], PassingOnly: false, Connect: false },
        { context: testContext, query: defaultQueryOptions },
      ),
      'web after the restore',
    );
    assert.deepEqual(
      web.value.flatMap((entry) => entry.Checks.map((check) => check.CheckID)),
      ['web-alive'],
    );
    await assert.rejects(
      c.drive(rpc.call('Snapshot.Restore', { Data: new Uint8Array([1, 2, 3]) }, { context: testContext }), 'garbage'),
      BadRequestError,
    );
  });

  it('reports stale reads with last contact and known leader, from a follower', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const follower = [...c.servers.values()].find((entry) => !entry.server.isLeader());
    assert.ok(follower);
    await c.runUntil(() => follower.server.raftStats().LastContactMs >= 0, 'the follower heard from the leader');
    const reply = await c.drive(
      follower.server.rpcClient().call('Catalog.ListNodes', {}, { context: testContext, query: stale }),
      'stale read',
    );
    assert.equal(reply.meta.knownLeader, true);
    assert.ok(reply.meta.lastContactMs >= 0);
    assert.ok(reply.meta.index >= 1);
    const leader = c.leader();
    assert.ok(leader);
    const fromLeader = await c.drive(
      leader.server.rpcClient().call('Catalog.ListNodes', {}, { context: testContext, query: stale }),
      'stale read on the leader',
    );
    assert.equal(fromLeader.meta.lastContactMs, 0);
  });

  it('removes a failed server after the grace, then takes it back as a voter when it restarts', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const victim = [...c.servers.values()].find((entry) => !entry.server.isLeader());
    assert.ok(victim);
    await c.crash(victim.name);
    c.pool.setStatus(victim.name, 'failed');
    const configuration = () => c.leader()?.server.raftNode()?.configuration();
    await c.runUntil(
      () => configuration() !== undefined && !configuration()?.voters.includes(victim.id),
      'autopilot removes the dead server',
      60_000,
    );
    assert.equal(configuration()?.voters.length, 2);
    await c.restart(victim.name);
    c.pool.setStatus(victim.name, 'alive');
    await c.runUntil(
      () => configuration()?.voters.includes(victim.id) ?? false,
      'the restarted server is a voter again',
      60_000,
    );
    await c.drive(
      c
        .get(victim.name)
        .server.rpcClient()
        .call('Catalog.Register', { Node: 'late', Address: '10.5.5.5' }, { context: testContext }),
      'a write through the restarted server',
    );
    await c.runUntil(() => getNode(c.get(victim.name).server.store, 'late').value !== null, 'it applies new writes');
  });

  it('asks the authorizer with each method’s rule before running it', async () => {
    const asked: string[] = [];
    cluster = new ServerCluster(7, {
      allows: (request) => {
        asked.push(`${request.resource}:${request.access}:${request.name}`);
        return request.resource !== 'operator';
      },
    });
    const c = cluster;
    for (const n of [2, 3, 4]) c.addServer(n);
    await c.start();
    await c.runUntil(() => c.leader() !== null, 'a leader is elected');
    const rpc = c.get('server-2').server.rpcClient();
    await c.drive(rpc.call('Catalog.Register', { Node: 'n1', Address: '10.1.1.1' }, { context: testContext }), 'write');
    assert.ok(asked.includes('node:write:n1'));
    await assert.rejects(
      c.drive(rpc.call('Snapshot.Save', {}, { context: testContext }), 'denied'),
      PermissionDeniedError,
    );
  });

  it('hands leadership over on leave', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const leader = c.leader();
    assert.ok(leader);
    await c.drive(leader.server.leave(), 'leave');
    await c.runUntil(() => c.leader() !== null && c.leader()?.name !== leader.name, 'another server leads');
  });

  it('answers a consistent blocking read after a change, confirming leadership again', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = c.get('server-3').server.rpcClient();
    // The leader's reconcile registers the three servers' nodes: let it finish, so only our write wakes the read.
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => nodes(entry.server.store).value.length === 3),
      'every server node is in the catalog',
    );
    const consistent: QueryOptions = { ...defaultQueryOptions, consistency: 'consistent' };
    const first = await c.drive(
      rpc.call('Catalog.ListNodes', {}, { context: testContext, query: consistent }),
      'first',
    );
    const waiting = rpc.call(
      'Catalog.ListNodes',
      {},
      {
        context: testContext,
        query: { ...consistent, minQueryIndex: first.meta.index, maxQueryTimeMs: 60_000 },
      },
    );
    await c.drive(
      rpc.call('Catalog.Register', { Node: 'new', Address: '10.7.7.7' }, { context: testContext }),
      'write',
    );
    const reply = await c.drive(waiting, 'the consistent blocking read returns');
    assert.ok(reply.meta.index > first.meta.index);
    assert.ok(reply.value.some((node) => node.Node === 'new'));
  });

  it('never bootstraps twice: a full restart resumes from Raft state and keeps the catalog', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = c.get('server-2').server.rpcClient();
    await c.drive(rpc.call('Catalog.Register', { Node: 'kept', Address: '10.6.6.6' }, { context: testContext }), 'w');
    const lastIndexes = new Map(
      [...c.servers.values()].map((entry) => [entry.name, entry.stores.logStore.lastIndex()]),
    );
    for (const entry of c.servers.values()) await c.crash(entry.name);
    for (const entry of c.servers.values()) await c.restart(entry.name);
    await c.runUntil(() => c.leader() !== null, 'a leader after the restart');
    for (const entry of c.servers.values()) {
      assert.ok(entry.stores.logStore.firstIndex() <= 1, 'the log was not rewritten by a second bootstrap');
      assert.ok(entry.stores.logStore.lastIndex() >= (lastIndexes.get(entry.name) ?? 0));
    }
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => getNode(entry.server.store, 'kept').value !== null),
      'the catalog is rebuilt on every server',
    );
  });
});
