// Proves the driver's order on a real three-node cluster (ManualClock, in-memory transport): a leader's append
// leaves while its own write is still in flight (Raft thesis §10.2.1), yet the leader counts itself toward the
// commit only once that write landed; an entry both followers stored is committed without the leader's disk and
// is applied and answered while the leader's write still hangs; a follower acknowledges an entry only after its
// own write landed; a leader starts its own write of an entry only after the turn that sent it ended (so the
// transport's flush of the append comes first); a commit index broadcast rides on the next append when one
// follows within commitOnlyHoldMs, and is sent alone after it otherwise. Stores are gated by hand, so the test sees exactly which side ran first.

import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import type { Entry, RaftMessage } from './core/types.js';
import { commitOnlyHoldMs } from './driver.js';
import type { LogStore } from './storage/log-store.js';
import { encodeKvCommand } from './testing/kv-fsm.js';
import { type ClusterMember, MemoryCluster } from './testing/memory-cluster.js';
import type { RaftTransport } from './transport/transport.js';

/** Holds every storeEntries call on `store` until open() is called; records start and end in `events`. */
function gateStore(store: LogStore, events: string[], label: string): { open: () => void } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const storeEntries = store.storeEntries.bind(store);
  store.storeEntries = async (entries: readonly Entry[]) => {
    const last = entries[entries.length - 1]?.index;
    events.push(`${label} persist-start ${last}`);
    await gate;
    await storeEntries(entries);
    events.push(`${label} persist-done ${last}`);
  };
  return { open: () => open() };
}

/** Records the appends (with their last index) and acks (with their index) `transport` sends. */
function recordSends(transport: RaftTransport, events: string[], label: string): void {
  const send = transport.send.bind(transport);
  transport.send = (message: RaftMessage) => {
    const last = message.entries[message.entries.length - 1]?.index;
    if (message.type === 'append' && last !== undefined) events.push(`${label} send ${last}`);
    if (message.type === 'append-response') events.push(`${label} ack ${message.index}`);
    return send(message);
  };
}

let cluster: MemoryCluster;
afterEach(async () => {
  await cluster.stopAll();
});

async function settledLeader(): Promise<ClusterMember> {
  cluster = new MemoryCluster(['n1', 'n2', 'n3']);
  await cluster.start();
  const leader = await cluster.electLeader();
  await cluster.runPromise(leader.node.barrier(), 'first barrier');
  return leader;
}

it('sends an entry before the leader persisted it, and with one follower counts the leader only after its write', async () => {
  const leader = await settledLeader();
  const events: string[] = [];
  const gate = gateStore(leader.logStore, events, 'leader');
  recordSends(leader.transport, events, 'leader');
  const [slow, fast] = [...cluster.members.values()].filter((member) => member.id !== leader.id) as [
    ClusterMember,
    ClusterMember,
  ];
  const slowGate = gateStore(slow.logStore, events, 'slow follower');

  let resolvedIndex: number | null = null;
  const proposal = leader.node.propose(encodeKvCommand({ op: 'put', key: 'k', value: 'v' })).then((result) => {
    resolvedIndex = result.index;
    events.push(`resolved ${result.index}`);
    return result;
  });
  await cluster.runUntil(() => events.some((event) => event.startsWith('leader persist-start')), 'persist started');
  const index = leader.node.stats().lastIndex;
  // While the leader's write hangs (for less than an election timeout) the entry reaches one follower's disk:
  // one of three is no quorum, so the leader applies and answers only once its own write is done.
  await cluster.runUntil(() => fast.logStore.lastIndex() >= index, 'a follower stored the entry');
  await cluster.runFor(50);
  assert.equal(resolvedIndex, null);
  assert.equal(leader.fsm.get('k'), undefined);
  assert.ok(events.includes(`leader send ${index}`), `not sent while persisting: ${events.join(', ')}`);
  gate.open();
  const result = await cluster.runPromise(proposal, 'proposal');
  assert.equal(result.index, index);
  const persisted = events.indexOf(`leader persist-done ${index}`);
  assert.ok(persisted >= 0 && events.indexOf(`resolved ${index}`) > persisted, `order was: ${events.join(', ')}`);
  assert.equal(leader.fsm.get('k'), 'v');
  slowGate.open();
});

it('applies and answers an entry both followers stored while the leader is still writing it', async () => {
  const leader = await settledLeader();
  const events: string[] = [];
  const gate = gateStore(leader.logStore, events, 'leader');
  const proposal = leader.node.propose(encodeKvCommand({ op: 'put', key: 'k', value: 'v' })).then((result) => {
    events.push(`resolved ${result.index}`);
    return result;
  });
  await cluster.runUntil(() => events.some((event) => event.startsWith('leader persist-start')), 'persist started');
  const index = leader.node.stats().lastIndex;
  // Two followers of three are a quorum: the entry is committed on their disks whatever happens to the leader
  // (Raft thesis §10.2.1), so its answer does not wait for the leader's own write.
  const result = await cluster.runPromise(proposal, 'proposal');
  assert.equal(result.index, index);
  assert.equal(leader.fsm.get('k'), 'v');
  assert.ok(!events.includes(`leader persist-done ${index}`), `order was: ${events.join(', ')}`);
  gate.open();
  await cluster.runUntil(() => events.includes(`leader persist-done ${index}`), 'leader write landed');
  assert.equal(leader.node.stats().appliedIndex, index);
});

it("starts the leader's own write of an entry only after the turn that sent it, behind the transport's flush", async () => {
  const leader = await settledLeader();
  const events: string[] = [];
  const gate = gateStore(leader.logStore, events, 'leader');
  const send = leader.transport.send.bind(leader.transport);
  leader.transport.send = (message: RaftMessage) => {
    const last = message.entries[message.entries.length - 1]?.index;
    if (message.type === 'append' && last !== undefined) {
      events.push(`leader send ${last}`);
      // As Node's HTTP/2 session does: what a turn wrote goes out from an immediate queued at the write.
      setImmediate(() => events.push(`leader flush ${last}`));
    }
    return send(message);
  };
  const proposal = leader.node.propose(encodeKvCommand({ op: 'put', key: 'k', value: 'v' }));
  const index = leader.node.stats().lastIndex;
  await cluster.runUntil(() => events.includes(`leader persist-start ${index}`), 'persist started');
  const firstFlush = events.indexOf(`leader flush ${index}`);
  assert.ok(events.indexOf(`leader send ${index}`) < firstFlush, `order was: ${events.join(', ')}`);
  assert.ok(firstFlush < events.indexOf(`leader persist-start ${index}`), `order was: ${events.join(', ')}`);
  gate.open();
  await cluster.runPromise(proposal, 'proposal');
});

it('acknowledges an entry on a follower only after the follower persisted it', async () => {
  const leader = await settledLeader();
  const follower = [...cluster.members.values()].find((member) => member.id !== leader.id)!;
  const events: string[] = [];
  const gate = gateStore(follower.logStore, events, 'follower');
  recordSends(follower.transport, events, 'follower');
  const proposal = leader.node.propose(encodeKvCommand({ op: 'put', key: 'k', value: 'v' }));
  await cluster.runUntil(() => events.some((event) => event.startsWith('follower persist-start')), 'persist started');
  const index = leader.node.stats().lastIndex;
  await cluster.runFor(50);
  assert.ok(!events.includes(`follower ack ${index}`), `acknowledged before persisting: ${events.join(', ')}`);
  gate.open();
  await cluster.runPromise(proposal, 'proposal');
  await cluster.runUntil(() => events.includes(`follower ack ${index}`), 'follower acknowledged');
  assert.ok(events.indexOf(`follower ack ${index}`) > events.indexOf(`follower persist-done ${index}`));
});

it('carries a commit index on the next append instead of a message of its own, and sends it alone when none follows', async () => {
  const leader = await settledLeader();
  const followers = [...cluster.members.values()].filter((member) => member.id !== leader.id);
  const appends: { to: string; entries: number; commit: number }[] = [];
  const send = leader.transport.send.bind(leader.transport);
  leader.transport.send = (message: RaftMessage) => {
    if (message.type === 'append')
      appends.push({ to: message.to, entries: message.entries.length, commit: message.commit });
    return send(message);
  };
  const first = await cluster.runPromise(
    leader.node.propose(encodeKvCommand({ op: 'put', key: 'a', value: '1' })),
    'first write',
  );
  // A second write right away (one client's next request): its append tells the followers the first committed.
  const second = await cluster.runPromise(
    leader.node.propose(encodeKvCommand({ op: 'put', key: 'b', value: '2' })),
    'second write',
  );
  const carried = appends.filter((append) => append.entries > 0 && append.commit >= first.index);
  assert.deepEqual(carried.map((append) => append.to).sort(), followers.map((member) => member.id).sort());
  assert.deepEqual(
    appends.filter((append) => append.entries === 0 && append.commit === first.index),
    [],
    'no message of its own for the first commit',
  );
  // Nothing follows the second: after commitOnlyHoldMs its commit goes alone, and the followers apply it.
  await cluster.runUntil(
    () => followers.every((member) => member.node.stats().appliedIndex >= second.index),
    'followers apply the last write',
    commitOnlyHoldMs * 4,
  );
  assert.ok(appends.some((append) => append.entries === 0 && append.commit === second.index));
});
