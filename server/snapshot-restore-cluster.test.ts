// Proves a snapshot restore on a three-server cluster (memory transport, simulated time) is all-or-nothing when its
// leader dies midway: the parts are proposed back to back (none awaited), and the leader is stopped as it proposes
// the last one, after every other part entered its log, so the followers hold at most staged parts and no restore. They keep the old state, elect a leader that takes writes
// (whose first entry drops the staged part), a second restore through that leader replaces the state on every
// server, and the old leader restarted on its stores comes back to the same. The command replay this replaced left
// a catalog without its nodes here.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import type { RaftNode } from '../raft/node.js';
import { decodeCommand } from './fsm/codec.js';
import { defaultQueryOptions } from './rpc/methods.js';
import { nodes } from './state/catalog-reads.js';
import { kvsGet } from './state/kv-reads.js';
import { ServerCluster, type TestServer, testContext } from './testing/server-cluster.js';

let cluster: ServerCluster | null = null;

afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

const nodeNames = (entry: TestServer): string[] => nodes(entry.server.store).value.map((node) => node.Node);

/** Makes `raft` stop its server instead of proposing the restore's last part; counts the parts it did propose. */
function dieAtLastRestorePart(raft: RaftNode, die: () => void): { proposedParts: number } {
  const counts = { proposedParts: 0 };
  const propose = raft.propose.bind(raft);
  raft.propose = (command, options) => {
    const decoded = decodeCommand(command);
    if (decoded.type === 'restore' && decoded.request.Part < decoded.request.Parts - 1) counts.proposedParts++;
    if (decoded.type === 'restore' && decoded.request.Part === decoded.request.Parts - 1) {
      die();
      return Promise.reject(new Error('the leader died'));
    }
    return propose(command, options);
  };
  return counts;
}

describe('snapshot restore when the leader dies midway', () => {
  it('leaves every server’s old state, and a later restore succeeds everywhere', async () => {
    cluster = new ServerCluster();
    const c = cluster;
    for (const n of [2, 3, 4]) c.addServer(n);
    await c.start();
    await c.runUntil(() => c.leader() !== null, 'a leader is elected');
    const leader = c.leader() as TestServer;
    const rpc = leader.server.rpcClient();
    const register = (node: string) =>
      c.drive(rpc.call('Catalog.Register', { Node: node, Address: '10.0.0.1' }, { context: testContext }), node);
    await register('node-a');
    // Values that do not compress, so the snapshot needs three parts.
    for (let index = 0; index < 6; index++) {
      const Value = randomBytes(400 * 1024).toString('base64');
      const DirEnt = { Key: `blob/${index}`, Value };
      await c.drive(rpc.call('KVS.Apply', { Op: 'set', DirEnt }, { context: testContext }), 'blob');
    }
    const saved = await c.drive(rpc.call('Snapshot.Save', {}, { context: testContext }), 'save');
    await register('node-z');
    const followers = [...c.servers.values()].filter((entry) => entry !== leader);
    const old = nodeNames(leader);
    assert.ok(old.includes('node-z'));

    let died: Promise<void> | null = null;
    const cut = dieAtLastRestorePart(leader.server.raftNode() as RaftNode, () => {
      died = c.crash(leader.name);
    });
    await assert.rejects(
      c.drive(rpc.call('Snapshot.Restore', { Data: saved.Data }, { context: testContext }), 'the cut restore'),
    );
    await died;
    assert.ok(cut.proposedParts >= 2, `${cut.proposedParts} parts entered the log before the leader died`);
    for (const follower of followers) assert.deepEqual(nodeNames(follower), old, `${follower.name}: old state kept`);

    await c.runUntil(() => c.leader() !== null, 'a new leader is elected');
    const next = c.leader() as TestServer;
    const nextRpc = next.server.rpcClient();
    await c.drive(
      nextRpc.call('Catalog.Register', { Node: 'node-after', Address: '10.0.0.2' }, { context: testContext }),
      'a write through the new leader',
    );
    for (const follower of followers)
      await c.runUntil(() => nodeNames(follower).includes('node-after'), `${follower.name} has the later write`);
    for (const follower of followers) assert.ok(nodeNames(follower).includes('node-z'));

    await c.drive(nextRpc.call('Snapshot.Restore', { Data: saved.Data }, { context: testContext }), 'a restore');
    const restoredNames = nodeNames(next);
    assert.ok(restoredNames.includes('node-a') && !restoredNames.includes('node-z'));
    await c.restart(leader.name);
    const everyone = [...c.servers.values()];
    await c.runUntil(
      () => everyone.every((entry) => JSON.stringify(nodeNames(entry)) === JSON.stringify(restoredNames)),
      'every server, the restarted one included, on the restored state',
      60_000,
    );
    const blob = kvsGet(next.server.store, 'blob/0').value;
    for (const entry of everyone)
      assert.deepEqual(kvsGet(entry.server.store, 'blob/0').value, blob, `${entry.name}: blob/0 with its indexes`);
    const listed = await c.drive(
      nextRpc.call('Catalog.ListNodes', {}, { context: testContext, query: defaultQueryOptions }),
      'nodes',
    );
    assert.deepEqual(
      listed.value.map((node) => node.Node),
      restoredNames,
    );
  });
});
