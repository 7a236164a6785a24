// Proves the driver's order on a real three-node cluster (ManualClock, in-memory transport): an entry leaves in
// an append message only after the leader's LogStore reports it durable, and a proposal resolves only after its
// entry is applied. The leader's store is gated by hand, so the test sees exactly which side ran first.

import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import type { Entry, RaftMessage } from './core/types.js';
import { encodeKvCommand } from './testing/kv-fsm.js';
import { MemoryCluster } from './testing/memory-cluster.js';

let cluster: MemoryCluster;
afterEach(async () => {
  await cluster.stopAll();
});

it('sends an entry only after the leader persisted it, and resolves the proposal only after applying it', async () => {
  cluster = new MemoryCluster(['n1', 'n2', 'n3']);
  await cluster.start();
  const leader = await cluster.electLeader();
  await cluster.runPromise(leader.node.barrier(), 'first barrier');

  const events: string[] = [];
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const store = leader.logStore;
  const storeEntries = store.storeEntries.bind(store);
  store.storeEntries = async (entries: readonly Entry[]) => {
    const last = entries[entries.length - 1]?.index;
    events.push(`persist-start ${last}`);
    await gate;
    await storeEntries(entries);
    events.push(`persist-done ${last}`);
  };
  const transport = leader.transport;
  const send = transport.send.bind(transport);
  transport.send = (message: RaftMessage) => {
    const last = message.entries[message.entries.length - 1]?.index;
    if (message.type === 'append' && last !== undefined) events.push(`send ${last}`);
    return send(message);
  };

  let resolvedIndex: number | null = null;
  const proposal = leader.node.propose(encodeKvCommand({ op: 'put', key: 'k', value: 'v' })).then((result) => {
    resolvedIndex = result.index;
    events.push(`resolved ${result.index}`);
    return result;
  });
  await cluster.runUntil(() => events.some((event) => event.startsWith('persist-start')), 'persist started');
  // While the disk write hangs (for less than an election timeout), time passes but the entry does not leave.
  await cluster.runFor(50);
  assert.equal(resolvedIndex, null);
  assert.ok(!events.some((event) => event.startsWith('send')), `sent before persisting: ${events.join(', ')}`);
  openGate();
  const result = await cluster.runPromise(proposal, 'proposal');
  const persisted = events.indexOf(`persist-done ${result.index}`);
  const sent = events.indexOf(`send ${result.index}`);
  assert.ok(persisted >= 0 && sent > persisted, `order was: ${events.join(', ')}`);
  assert.equal(leader.fsm.get('k'), 'v');
  assert.ok(events.indexOf(`resolved ${result.index}`) > sent);
});
