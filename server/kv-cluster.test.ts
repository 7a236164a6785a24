// Proves KV and sessions on a three-server cluster in one process (real Raft on the memory transport, a
// ManualClock): KV and session writes sent to a follower are forwarded and replicated; a TTL session's lock is
// released by the *new* leader after the old leader crashes (timers re-armed on leadership gain, invalidation
// after 2 × TTL); and concurrent CAS increments through every server, with the leader crashed mid-race, lose no
// acknowledged write (the final value is at least the acknowledged count and at most acknowledged plus the calls
// whose outcome was lost with the leader).

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { defaultQueryOptions } from './rpc/methods.js';
import { kvsGet, sessionGet } from './state/kv-reads.js';
import { ServerCluster, type TestServer, testContext } from './testing/server-cluster.js';

const call = { context: testContext };
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const unb64 = (text: string | null | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

async function formedCluster(): Promise<ServerCluster> {
  const cluster = new ServerCluster();
  for (const n of [2, 3, 4]) cluster.addServer(n);
  await cluster.start();
  await cluster.runUntil(() => cluster.leader() !== null, 'a leader is elected');
  // A node outside the LAN pool and without serfHealth: reconcile leaves it alone, sessions bind to nothing.
  const leader = cluster.leader() as TestServer;
  await cluster.drive(
    leader.server.rpcClient().call('Catalog.Register', { Node: 'app-1', Address: '10.9.0.1' }, call),
    'register app-1',
  );
  return cluster;
}

const followerOf = (cluster: ServerCluster): TestServer => {
  const follower = [...cluster.servers.values()].find((entry) => entry.running && !entry.server.isLeader());
  assert.ok(follower);
  return follower;
};

describe('KV and sessions on a three-server cluster', () => {
  let cluster: ServerCluster | null = null;
  afterEach(async () => {
    await cluster?.stopAll();
    cluster = null;
  });

  it('forwards KV and session writes from a follower and replicates them', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const rpc = followerOf(c).server.rpcClient();
    const id = await c.drive(
      rpc.call('Session.Apply', { Op: 'create', Session: { Node: 'app-1', NodeChecks: [], LockDelay: 0 } }, call),
      'session create',
    );
    const locked = await c.drive(
      rpc.call('KVS.Apply', { Op: 'lock', DirEnt: { Key: 'svc/leader', Value: b64('me'), Session: id } }, call),
      'lock',
    );
    assert.equal(locked, true);
    await c.runUntil(
      () => [...c.servers.values()].every((entry) => kvsGet(entry.server.store, 'svc/leader').value?.Session === id),
      'the lock is on every server',
    );
    const read = await c.drive(
      rpc.call('KVS.Get', { Key: 'svc/leader' }, { ...call, query: defaultQueryOptions }),
      'a default read through the leader',
    );
    assert.equal(unb64(read.value?.Value), 'me');
  });

  it('lets the new leader expire a TTL session after the old leader crashed', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const leader = c.leader() as TestServer;
    const rpc = leader.server.rpcClient();
    const id = await c.drive(
      rpc.call('Session.Apply', { Op: 'create', Session: { Node: 'app-1', NodeChecks: [], TTL: '10s' } }, call),
      'session create',
    );
    await c.drive(rpc.call('KVS.Apply', { Op: 'lock', DirEnt: { Key: 'ttl/lock', Session: id } }, call), 'lock');
    await c.crash(leader.name);
    await c.runUntil(() => c.leader() !== null, 'a new leader');
    const next = c.leader() as TestServer;
    assert.notEqual(next.name, leader.name);
    await c.runUntil(
      () => sessionGet(next.server.store, id).value === null,
      'the new leader invalidates the session after 2 × TTL',
      60_000,
      50,
    );
    assert.equal(kvsGet(next.server.store, 'ttl/lock').value?.Session, '');
  });

  it('loses no acknowledged CAS increment when the leader crashes mid-race', async () => {
    cluster = await formedCluster();
    const c = cluster;
    const key = 'race/counter';
    const first = c.leader() as TestServer;
    await c.drive(
      first.server.rpcClient().call('KVS.Apply', { Op: 'set', DirEnt: { Key: key, Value: b64('0') } }, call),
      'seed',
    );
    let acknowledged = 0;
    let unknown = 0;
    let crashed = false;
    const client = async (server: TestServer): Promise<void> => {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (!server.running) return;
        const rpc = server.server.rpcClient();
        try {
          const read = await rpc.call('KVS.Get', { Key: key }, { ...call, query: defaultQueryOptions });
          const value = Number(unb64(read.value?.Value));
          const next = { Key: key, Value: b64(String(value + 1)), ModifyIndex: read.value?.ModifyIndex ?? 0 };
          try {
            if (await rpc.call('KVS.Apply', { Op: 'cas', DirEnt: next }, call)) acknowledged++;
          } catch {
            unknown++; // committed or not: the leader went away with the answer
          }
        } catch {
          // The read failed: nothing was written.
        }
        if (!crashed && acknowledged >= 5) {
          crashed = true;
          await c.crash(first.name);
        }
      }
    };
    const servers = [...c.servers.values()];
    await c.drive(Promise.all(servers.flatMap((server) => [client(server), client(server)])), 'the race', 120_000);
    await c.runUntil(() => c.leader() !== null, 'a leader after the race');
    const survivor = c.leader() as TestServer;
    const final = await c.drive(
      survivor.server
        .rpcClient()
        .call('KVS.Get', { Key: key }, { ...call, query: { ...defaultQueryOptions, consistency: 'consistent' } }),
      'the final read',
    );
    const value = Number(unb64(final.value?.Value));
    assert.ok(crashed, 'the leader was crashed during the race');
    assert.ok(value >= acknowledged, `final ${value} < acknowledged ${acknowledged}`);
    assert.ok(value <= acknowledged + unknown, `final ${value} > acknowledged ${acknowledged} + unknown ${unknown}`);
  });
});
