// Proves the RawNode's main paths on a perfect in-memory network: election with pre-vote, replication and
// commit, check-quorum step-down, ReadIndex, leadership transfer, membership changes and snapshot catch-up,
// plus the Ready/advance contract. Each case drives TestCluster by ticks and asserts state and marks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { raftConfig } from './config.js';
import { TestCluster } from './test-cluster.js';
import { emptyMessage } from './types.js';

const text = new TextEncoder();

describe('RawNode', () => {
  it('elects exactly one leader and replicates a proposal to all', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    const leader = cluster.member(leaderId).node;
    const result = leader.propose(text.encode('x=1'));
    assert.equal(result.kind, 'accepted');
    cluster.deliver();
    for (const member of cluster.members.values()) {
      const last = member.applied[member.applied.length - 1]!;
      assert.equal(new TextDecoder().decode(last.data), 'x=1');
      assert.equal(member.node.term, leader.term);
    }
    const leaders = [...cluster.members.values()].filter((member) => member.node.role === 'leader');
    assert.equal(leaders.length, 1);
  });

  it('refuses proposals on followers with the leader hint', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    const followerId = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    const result = cluster.member(followerId).node.propose(text.encode('nope'));
    assert.deepEqual(result, { kind: 'not-leader', leaderId });
  });

  it('makes an isolated leader step down by check-quorum, and pre-vote keeps its term from spreading', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    const oldTerm = cluster.member(leaderId).node.term;
    cluster.isolate(leaderId);
    cluster.tick(cluster.members.keys(), 40);
    assert.notEqual(cluster.member(leaderId).node.role, 'leader');
    assert.ok((cluster.member(leaderId).node.status().marks['check-quorum.stepped-down'] ?? 0) >= 1);
    // The isolated node pre-campaigns but cannot win a pre-vote, so its term does not grow.
    assert.ok(cluster.member(leaderId).node.term <= oldTerm + 1);
    assert.ok((cluster.member(leaderId).node.status().marks['role.pre-candidate'] ?? 0) >= 1);
    cluster.heal();
    cluster.tick(cluster.members.keys(), 30);
    const newLeader = cluster.leader();
    assert.ok(newLeader !== null);
    const terms = new Set([...cluster.members.values()].map((member) => member.node.term));
    assert.equal(terms.size, 1);
  });

  it('rejects a pre-vote from a node with a stale log, so its term never grows', () => {
    const cluster = new TestCluster(['a', 'b', 'c'], raftConfig({ checkQuorum: false }));
    const leaderId = cluster.electLeader();
    const staleId = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    cluster.isolate(staleId);
    cluster.member(leaderId).node.propose(text.encode('missed'));
    cluster.deliver();
    cluster.heal();
    const termBefore = cluster.member(staleId).node.term;
    const stale = cluster.member(staleId).node;
    for (let count = 0; count < 40 && stale.role === 'follower'; count++) stale.tick();
    assert.equal(stale.role, 'pre-candidate');
    cluster.deliver();
    const rejections = [...cluster.members.values()].reduce(
      (total, member) => total + (member.node.status().marks['pre-vote.rejected'] ?? 0),
      0,
    );
    assert.ok(rejections >= 1, 'a voter with a newer log rejected the pre-vote');
    assert.equal(cluster.member(staleId).node.term, termBefore);
  });

  it('keeps its election timer running when it refuses a stale candidate, so the up-to-date voter campaigns', () => {
    // Seed 2: a timer restarted by the refused request would need 14 more ticks here, past the bound below.
    const cluster = new TestCluster(['a', 'b', 'c'], raftConfig({ preVote: false, checkQuorum: false }), 2);
    const leaderId = cluster.electLeader();
    cluster.deliver();
    const [staleId, upToDateId] = ['a', 'b', 'c'].filter((id) => id !== leaderId) as [string, string];
    cluster.isolate(staleId);
    cluster.member(leaderId).node.propose(text.encode('missed'));
    cluster.deliver();
    cluster.heal();
    cluster.isolate(leaderId);
    const upToDate = cluster.member(upToDateId).node;
    // Nine ticks without the leader: one short of the shortest election timeout.
    cluster.tick([upToDateId], 9);
    assert.equal(upToDate.role, 'follower');
    const stale = cluster.member(staleId).node;
    for (let count = 0; count < 40 && stale.role === 'follower'; count++) stale.tick();
    assert.equal(stale.role, 'candidate');
    cluster.deliver();
    assert.equal(upToDate.term, stale.term, 'the refused vote request moved the voter to its term');
    assert.equal(upToDate.role, 'follower');
    // The refused request did not restart the timer: at most 19 ticks in all (the longest timeout) elapse.
    for (let count = 0; count < 10 && upToDate.role === 'follower'; count++) cluster.tick([upToDateId]);
    assert.notEqual(upToDate.role, 'follower');
  });

  it('answers ReadIndex on the leader and on a follower after a heartbeat round', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    cluster.deliver();
    const followerId = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    assert.equal(cluster.member(leaderId).node.readIndex(text.encode('r1')), 'accepted');
    assert.equal(cluster.member(followerId).node.readIndex(text.encode('r2')), 'accepted');
    cluster.deliver();
    const commit = cluster.member(leaderId).node.committedIndex;
    assert.deepEqual(cluster.member(leaderId).readIndexes, [{ index: commit, context: 'r1' }]);
    assert.deepEqual(cluster.member(followerId).readIndexes, [{ index: commit, context: 'r2' }]);
  });

  it('transfers leadership and refuses proposals while transferring', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    cluster.deliver();
    const target = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    const leader = cluster.member(leaderId).node;
    // Cut the target off so the transfer stays pending, and check proposals are refused meanwhile.
    cluster.isolate(target);
    leader.propose(text.encode('behind'));
    cluster.deliver();
    assert.equal(leader.transferLeadership(target), 'accepted');
    assert.equal(leader.propose(text.encode('x')).kind, 'transferring');
    cluster.heal();
    cluster.tick([leaderId], 1);
    cluster.deliver();
    assert.equal(cluster.leader(), target);
    assert.equal(leader.role, 'follower');
  });

  it('adds a learner, promotes it, and removes a voter, one change at a time', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    cluster.deliver();
    cluster.addMember('d', new SeededRand(99));
    const leader = cluster.member(leaderId).node;
    const added = leader.proposeConfChange({ type: 'add-learner', nodeId: 'd', address: 'd:8300' });
    assert.equal(added.kind, 'accepted');
    // A second change before the first commits is refused.
    const early = leader.proposeConfChange({ type: 'remove', nodeId: 'c', address: '' });
    assert.equal(early.kind, 'rejected');
    cluster.tick(cluster.members.keys(), 3);
    assert.deepEqual(cluster.member('d').node.status().conf, { voters: ['a', 'b', 'c'], learners: ['d'] });
    assert.equal(leader.proposeConfChange({ type: 'add-voter', nodeId: 'd', address: 'd:8300' }).kind, 'accepted');
    cluster.tick(cluster.members.keys(), 3);
    assert.deepEqual(leader.status().conf, { voters: ['a', 'b', 'c', 'd'], learners: [] });
    const victim = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    assert.equal(leader.proposeConfChange({ type: 'remove', nodeId: victim, address: '' }).kind, 'accepted');
    cluster.tick(cluster.members.keys(), 3);
    assert.equal(leader.status().conf.voters.includes(victim), false);
    assert.equal(cluster.member('d').applied.length, leader.appliedIndex);
  });

  it('sends a snapshot to a follower that needs compacted entries', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    const laggard = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    cluster.isolate(laggard);
    const leaderMember = cluster.member(leaderId);
    for (let count = 0; count < 20; count++) leaderMember.node.propose(text.encode(`v${count}`));
    cluster.deliver();
    const applied = leaderMember.node.appliedIndex;
    const meta = leaderMember.node.snapshotMetaAt(applied);
    leaderMember.storage.setSnapshot(meta);
    leaderMember.storage.compact(applied);
    cluster.heal();
    cluster.tick(cluster.members.keys(), 5);
    const snapshotSent = leaderMember.node.status().marks['snapshot.sent'] ?? 0;
    assert.ok(snapshotSent >= 1);
    leaderMember.node.reportSnapshot(laggard, 'ok');
    cluster.tick(cluster.members.keys(), 5);
    assert.equal(cluster.member(laggard).storage.snapshotMeta()?.index, applied);
    assert.equal(cluster.member(laggard).node.appliedIndex, leaderMember.node.appliedIndex);
  });

  it('counts and drops malformed messages instead of throwing', () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leaderId = cluster.electLeader();
    const followerId = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
    const follower = cluster.member(followerId).node;
    const term = follower.term;
    const gap = { index: 9, term, type: 'normal' as const, data: new Uint8Array(0) };
    follower.step({ ...emptyMessage, type: 'append', from: leaderId, to: followerId, term, index: 4, entries: [gap] });
    follower.step({ ...emptyMessage, type: 'bogus' as 'append', from: leaderId, to: followerId, term });
    assert.equal(follower.status().marks['step.malformed'], 2);
    assert.equal(follower.lastIndex, cluster.member(leaderId).node.lastIndex);
  });

  it('asserts that advance gets the Ready it handed out', () => {
    const cluster = new TestCluster(['a']);
    const node = cluster.member('a').node;
    node.tick();
    assert.throws(() => node.advance({ ...node.ready() }), /different Ready/);
  });
});
