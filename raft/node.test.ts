// Proves RaftNode's API on a three-node in-process cluster driven by a ManualClock: proposals resolve after
// commit and apply on every member, followers refuse with a leader hint, reads are linearizable, a deposed
// leader rejects what it had pending, leadership transfers, membership changes one server at a time, snapshots
// compact the log and catch up a restarted follower through InstallSnapshot, a restart replays state, and a
// storage failure stops the node with a fatal event.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { AbortError, ShutdownError } from '../lib/errors.js';
import { CorruptLogError, LeadershipLostError, NotLeaderError } from './errors.js';
import { encodeKvCommand } from './testing/kv-fsm.js';
import { type ClusterMember, MemoryCluster } from './testing/memory-cluster.js';

const put = (key: string, value: string) => encodeKvCommand({ op: 'put', key, value });

describe('RaftNode', () => {
  let cluster: MemoryCluster;
  afterEach(async () => {
    await cluster.stopAll();
  });

  it('commits and applies a proposal on every member', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    const result = await cluster.runPromise(leader.node.propose(put('a', '1')), 'proposal');
    assert.ok(result.index > 3);
    assert.deepEqual(result.response, { index: result.index });
    assert.equal(leader.fsm.get('a'), '1');
    await cluster.runUntil(
      () => [...cluster.members.values()].every((member) => member.fsm.get('a') === '1'),
      'every member applied',
    );
    const events: string[] = [];
    leader.node.on('role-change', ({ role }) => events.push(role));
    assert.equal(leader.node.stats().role, 'leader');
  });

  it('refuses proposals on a follower with the leader as hint', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    await cluster.runUntil(
      () => [...cluster.members.values()].every((member) => member.node.leaderId() === leader.id),
      'everyone knows the leader',
    );
    const follower = [...cluster.members.values()].find((member) => member !== leader) as ClusterMember;
    const error = await follower.node.propose(put('x', 'y')).catch((caught: unknown) => caught);
    assert.ok(error instanceof NotLeaderError);
    assert.equal(error.leaderAddress, `memory://${leader.id}`);
    assert.equal(error.leaderId, leader.id);
  });

  it('serves linearizable reads and barriers after the writes before them', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    const writes = Array.from({ length: 20 }, (_, position) => leader.node.propose(put(`k${position}`, 'v')));
    const results = await cluster.runPromise(Promise.all(writes), 'writes');
    const lastIndex = Math.max(...results.map((result) => result.index));
    const readIndex = await cluster.runPromise(leader.node.read(), 'read');
    assert.ok(readIndex >= lastIndex);
    const follower = [...cluster.members.values()].find((member) => member !== leader) as ClusterMember;
    const followerRead = await cluster.runPromise(follower.node.read(), 'follower read');
    assert.ok(followerRead >= lastIndex);
    assert.equal(follower.fsm.get('k19'), 'v');
    const barrier = await cluster.runPromise(leader.node.barrier(), 'barrier');
    assert.ok(barrier > lastIndex);
  });

  it('rejects pending proposals of a deposed leader and elects a new one', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    const leaderChanges: (string | null)[] = [];
    for (const member of cluster.members.values()) {
      member.node.on('leader-change', ({ leaderId }) => leaderChanges.push(leaderId));
    }
    cluster.network.isolate(leader.id);
    const pending = leader.node.propose(put('lost', '?'));
    const outcome = await cluster.runPromise(pending, 'deposed proposal').catch((error: unknown) => error);
    assert.ok(outcome instanceof LeadershipLostError, `got ${String(outcome)}`);
    await cluster.runUntil(() => {
      const current = cluster.leader();
      return current !== null && current !== leader;
    }, 'a new leader');
    assert.ok(leaderChanges.some((id) => id !== null && id !== leader.id));
    cluster.network.heal();
    const next = cluster.leader() as ClusterMember;
    await cluster.runPromise(next.node.propose(put('after', 'ok')), 'proposal to the new leader');
    await cluster.runUntil(() => leader.fsm.get('after') === 'ok', 'the old leader catches up');
  });

  it('transfers leadership to a chosen server', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    const target = [...cluster.members.values()].find((member) => member !== leader) as ClusterMember;
    const newLeader = await cluster.runPromise(leader.node.transferLeadership(target.id), 'transfer');
    assert.equal(newLeader, target.id);
    await cluster.runUntil(() => target.node.isLeader(), 'target leads');
  });

  it('adds a nonvoter, promotes it to voter and removes a server', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    await cluster.runPromise(leader.node.propose(put('before', 'join')), 'write');
    const joiner = cluster.addMember('n4', false);
    await cluster.start(['n4']);
    await cluster.runPromise(leader.node.addNonvoter('n4', 'memory://n4'), 'add nonvoter');
    await cluster.runUntil(() => joiner.fsm.get('before') === 'join', 'nonvoter catches up');
    assert.deepEqual(leader.node.stats().nonvoters, ['n4']);
    await cluster.runPromise(leader.node.addVoter('n4', 'memory://n4'), 'promote');
    assert.ok(leader.node.stats().voters.includes('n4'));
    const removed = [...cluster.members.values()].find(
      (member) => member !== leader && member !== joiner,
    ) as ClusterMember;
    await cluster.runPromise(leader.node.removeServer(removed.id), 'remove');
    assert.ok(!leader.node.stats().voters.includes(removed.id));
  });

  it('snapshots, compacts, and catches up a restarted follower through InstallSnapshot', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3'], { snapshotThreshold: 20, trailingLogs: 5 });
    await cluster.start();
    const leader = await cluster.electLeader();
    const lagging = [...cluster.members.values()].find((member) => member !== leader) as ClusterMember;
    await cluster.crash(lagging.id);
    for (let round = 0; round < 4; round++) {
      const writes = Array.from({ length: 25 }, (_, position) =>
        leader.node.propose(put(`r${round}-${position}`, 'v')),
      );
      await cluster.runPromise(Promise.all(writes), 'writes');
    }
    await cluster.runUntil(() => leader.node.stats().snapshotIndex > 50, 'leader snapshot');
    assert.ok(leader.logStore.firstIndex() > 40, `log compacted, first index ${leader.logStore.firstIndex()}`);
    await cluster.restart(lagging.id);
    await cluster.runUntil(() => lagging.fsm.get('r3-24') === 'v', 'lagging follower caught up');
    assert.ok(lagging.node.stats().snapshotsInstalled >= 1);
    assert.equal(lagging.fsm.size, 100);
  });

  it('replays the latest snapshot plus the log tail on restart', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3'], { snapshotThreshold: 10, trailingLogs: 2 });
    await cluster.start();
    const leader = await cluster.electLeader();
    for (let position = 0; position < 30; position++) {
      await cluster.runPromise(leader.node.propose(put(`k${position}`, String(position))), 'write');
    }
    await cluster.runUntil(() => leader.node.stats().snapshotIndex > 0, 'snapshot');
    for (const id of cluster.ids) await cluster.crash(id);
    for (const id of cluster.ids) await cluster.restart(id);
    const next = await cluster.electLeader();
    await cluster.runPromise(next.node.barrier(), 'barrier after restart');
    for (const member of cluster.members.values()) {
      await cluster.runUntil(() => member.fsm.size === 30, `${member.id} replayed everything`);
      assert.equal(member.fsm.get('k29'), '29');
    }
  });

  it('rejects with AbortError on abort and ShutdownError on stop', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(leader.node.propose(put('a', 'b'), { signal: controller.signal }), AbortError);
    cluster.network.isolate(leader.id);
    const pending = leader.node.propose(put('c', 'd'));
    await cluster.crash(leader.id);
    await assert.rejects(pending, ShutdownError);
    await assert.rejects(leader.node.propose(put('e', 'f')), ShutdownError);
  });

  it('stops with a fatal event and ShutdownError when storage fails', async () => {
    cluster = new MemoryCluster(['n1', 'n2', 'n3']);
    await cluster.start();
    const leader = await cluster.electLeader();
    const fatal: unknown[] = [];
    leader.node.on('fatal', ({ error }) => fatal.push(error));
    leader.logStore.storeEntries = async () => {
      throw new CorruptLogError('disk on fire');
    };
    const outcome = await cluster
      .runPromise(leader.node.propose(put('a', 'b')), 'failing proposal')
      .catch((e: unknown) => e);
    assert.ok(outcome instanceof ShutdownError, `got ${String(outcome)}`);
    assert.ok(outcome.cause instanceof CorruptLogError);
    assert.equal(fatal.length, 1);
    await assert.rejects(leader.node.propose(put('c', 'd')), ShutdownError);
  });
});
