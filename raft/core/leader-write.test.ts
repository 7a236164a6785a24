// Proves the leader's write overlaps replication (Raft thesis §10.2.1) without weakening commit: a leader's appends
// leave before its own entries are durable (Ready.leaderMessages, takeLeaderMessages), the leader counts itself
// toward the quorum only after advance() says its write landed, entries that commit meanwhile are handed out for
// applying once (takeCommittedEntries), and votes and follower acks still wait for the persist. The simulator
// covers crashes in that window; these cases pin the rule itself.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { raftConfig } from './config.js';
import type { RawNode } from './raw-node.js';
import { TestCluster } from './test-cluster.js';
import type { RaftMessage } from './types.js';

const text = new TextEncoder();

/** A follower receives `message`, persists its Ready at once and returns what it sends back. */
function followerAnswers(cluster: TestCluster, message: RaftMessage): RaftMessage[] {
  const member = cluster.member(message.to);
  member.node.step(message);
  const ready = member.node.ready();
  assert.deepEqual(ready.leaderMessages, [], 'a follower sends nothing before persisting');
  member.storage.append(ready.entries);
  member.node.advance(ready);
  return [...ready.messages];
}

function settledLeader(): { cluster: TestCluster; leaderId: string; leader: RawNode; followers: string[] } {
  const cluster = new TestCluster(['a', 'b', 'c']);
  const leaderId = cluster.electLeader();
  cluster.deliver();
  const leader = cluster.member(leaderId).node;
  return { cluster, leaderId, leader, followers: ['a', 'b', 'c'].filter((id) => id !== leaderId) };
}

describe('the leader writes while it replicates', () => {
  it('sends its appends before persisting and counts itself only after advance', () => {
    const { cluster, leaderId, leader, followers } = settledLeader();
    const proposed = leader.propose(text.encode('x=1'));
    assert.equal(proposed.kind, 'accepted');
    const index = proposed.kind === 'accepted' ? proposed.index : 0;
    const ready = leader.ready();
    assert.deepEqual(
      ready.leaderMessages.map((message) => [message.type, message.to, message.entries.length]),
      followers.map((id) => ['append', id, 1]),
    );
    assert.deepEqual(ready.messages, []);
    assert.deepEqual(
      ready.entries.map((entry) => entry.index),
      [index],
    );
    // One follower acknowledges while the leader's own write is still in flight: one durable copy of three.
    const [ack] = followerAnswers(cluster, ready.leaderMessages[0]!);
    assert.equal(ack?.type, 'append-response');
    leader.step(ack!);
    assert.ok(leader.committedIndex < index, 'the leader must not count an entry it has not written');
    // Its write lands: two durable copies of three commit the entry, and the next Ready applies it.
    cluster.member(leaderId).storage.append(ready.entries);
    leader.advance(ready);
    assert.equal(leader.committedIndex, index);
    const next = leader.ready();
    assert.deepEqual(
      next.committedEntries.map((entry) => entry.index),
      [index],
    );
  });

  it('commits on two followers acknowledgements even before its own write lands', () => {
    const { cluster, leader } = settledLeader();
    const proposed = leader.propose(text.encode('x=1'));
    const index = proposed.kind === 'accepted' ? proposed.index : 0;
    const ready = leader.ready();
    for (const message of ready.leaderMessages) for (const ack of followerAnswers(cluster, message)) leader.step(ack);
    assert.equal(leader.committedIndex, index);
  });

  it('hands out entries that commit while a Ready is being persisted once, for applying before its write lands', () => {
    const { cluster, leaderId, leader } = settledLeader();
    const proposed = leader.propose(text.encode('x=1'));
    const index = proposed.kind === 'accepted' ? proposed.index : 0;
    const ready = leader.ready();
    assert.deepEqual(leader.takeCommittedEntries(), [], 'nothing is committed yet');
    for (const message of ready.leaderMessages) for (const ack of followerAnswers(cluster, message)) leader.step(ack);
    assert.deepEqual(
      leader.takeCommittedEntries().map((entry) => entry.index),
      [index],
    );
    assert.deepEqual(leader.takeCommittedEntries(), [], 'each entry is handed out once');
    cluster.member(leaderId).storage.append(ready.entries);
    leader.advance(ready);
    assert.equal(leader.appliedIndex, index);
    assert.ok(!leader.hasReady() || leader.ready().committedEntries.length === 0, 'the next Ready repeats nothing');
  });

  it('hands out no committed entries while no Ready is out: the next Ready carries them', () => {
    const { cluster, leaderId, leader } = settledLeader();
    const proposed = leader.propose(text.encode('x=1'));
    const index = proposed.kind === 'accepted' ? proposed.index : 0;
    const ready = leader.ready();
    for (const message of ready.leaderMessages) for (const ack of followerAnswers(cluster, message)) leader.step(ack);
    cluster.member(leaderId).storage.append(ready.entries);
    leader.advance(ready);
    assert.deepEqual(leader.takeCommittedEntries(), []);
    assert.deepEqual(
      leader.ready().committedEntries.map((entry) => entry.index),
      [index],
    );
  });

  it('hands out appends for proposals made while a Ready is being persisted', () => {
    const { leader, followers } = settledLeader();
    leader.propose(text.encode('x=1'));
    const ready = leader.ready();
    leader.propose(text.encode('y=2'));
    const early = leader.takeLeaderMessages();
    assert.deepEqual(
      early.map((message) => [message.to, message.entries.map((entry) => new TextDecoder().decode(entry.data))]),
      followers.map((id) => [id, ['y=2']]),
    );
    assert.deepEqual(leader.takeLeaderMessages(), []);
    leader.advance(ready);
  });

  it('keeps vote requests and votes until the term and vote are persisted', () => {
    const cluster = new TestCluster(['a', 'b', 'c'], raftConfig({ preVote: false }));
    const candidate = cluster.member('a').node;
    for (let count = 0; count < 40 && candidate.role === 'follower'; count++) candidate.tick();
    assert.equal(candidate.role, 'candidate');
    const ready = candidate.ready();
    assert.deepEqual(ready.leaderMessages, []);
    assert.deepEqual(
      ready.messages.map((message) => message.type),
      ['vote', 'vote'],
    );
    const voter = cluster.member('b').node;
    voter.step(ready.messages.find((message) => message.to === 'b')!);
    const answer = voter.ready();
    assert.deepEqual(answer.leaderMessages, []);
    assert.equal(answer.hardState?.vote, 'a');
    assert.deepEqual(
      answer.messages.map((message) => [message.type, message.reject]),
      [['vote-response', false]],
    );
  });

  it('lets a single voter commit only once its write landed', () => {
    const cluster = new TestCluster(['a']);
    const leaderId = cluster.electLeader();
    cluster.deliver();
    const leader = cluster.member(leaderId).node;
    const proposed = leader.propose(text.encode('solo'));
    const index = proposed.kind === 'accepted' ? proposed.index : 0;
    const ready = leader.ready();
    assert.ok(leader.committedIndex < index);
    cluster.member(leaderId).storage.append(ready.entries);
    leader.advance(ready);
    assert.equal(leader.committedIndex, index);
  });
});
