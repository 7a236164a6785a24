// Proves force-leave in the Serf layer on the deterministic harness (hand-moved time, no sockets): a leave intent
// moves a failed member to left on every member, once each (intents are de-duplicated); with prune the member is
// forgotten at once; a suspect becomes left on its failed verdict; an alive node ignores an intent about itself;
// and the leave-intent message round-trips and is decoded strictly.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSerfMessage, encodeSerfMessage, SerfDecodeError, SerfMessageType } from './messages.js';
import { type HarnessNode, SerfHarness } from './testing/serf-harness.js';

const statusOf = (node: HarnessNode, name: string) => node.serf.member(name)?.status;
const memberEvents = (node: HarnessNode, type: 'member-leave' | 'member-reap', name: string) =>
  node.events.filter((event) => event.type === type && event.member.name === name).length;

function formCluster(harness: SerfHarness, names: string[]): HarnessNode[] {
  const nodes = names.map((name) => harness.add(name));
  for (const node of nodes.slice(1)) node.serf.join([nodes[0]!.address], harness.nowMs);
  harness.flush();
  harness.runUntilTrue(
    () => nodes.every((node) => names.every((name) => statusOf(node, name) === 'alive')),
    'every node sees every other alive',
  );
  return nodes;
}

/** Cuts `victim` off and runs until every other node holds it failed. */
function failNode(harness: SerfHarness, nodes: HarnessNode[], victim: string): HarnessNode[] {
  harness.node(victim).down = true;
  const others = nodes.filter((node) => node.name !== victim);
  harness.runUntilTrue(
    () => others.every((node) => statusOf(node, victim) === 'failed'),
    `${victim} failed everywhere`,
  );
  return others;
}

describe('Serf force-leave', () => {
  it('moves a failed member to left on every member, each once, and keeps it until the tombstone', () => {
    const harness = new SerfHarness(41);
    const nodes = formCluster(harness, ['a', 'b', 'c', 'd', 'e']);
    const others = failNode(harness, nodes, 'e');
    const clockBefore = others[0]!.serf.clock.time();
    others[0]!.serf.forceLeave('e', false, harness.nowMs);
    assert.equal(statusOf(others[0]!, 'e'), 'left', 'the issuer applies its own intent at once');
    assert.ok(others[0]!.serf.clock.time() > clockBefore, 'the intent took a Lamport time');
    harness.runUntilTrue(() => others.every((node) => statusOf(node, 'e') === 'left'), 'e left everywhere');
    harness.run(10_000);
    for (const node of others) {
      assert.equal(memberEvents(node, 'member-leave', 'e'), 1, `${node.name} saw one forced leave`);
      assert.equal(statusOf(node, 'e'), 'left');
      assert.equal(memberEvents(node, 'member-reap', 'e'), 0);
    }
    assert.ok(
      others.some((node) => node.serf.counters.leaveIntentsDuplicate > 0),
      'the re-broadcast intent came back and was dropped',
    );
  });

  it('with prune, forgets the member everywhere at once', () => {
    const harness = new SerfHarness(42);
    const nodes = formCluster(harness, ['a', 'b', 'c', 'd']);
    const others = failNode(harness, nodes, 'd');
    others[1]!.serf.forceLeave('d', true, harness.nowMs);
    harness.runUntilTrue(() => others.every((node) => node.serf.member('d') === undefined), 'd gone everywhere');
    harness.run(10_000);
    for (const node of others) {
      assert.equal(node.serf.member('d'), undefined);
      assert.equal(memberEvents(node, 'member-reap', 'd'), 1, `${node.name} reaped d once`);
    }
  });

  it('prunes a member that an earlier intent already moved to left', () => {
    const harness = new SerfHarness(43);
    const nodes = formCluster(harness, ['a', 'b', 'c']);
    const others = failNode(harness, nodes, 'c');
    others[0]!.serf.forceLeave('c', false, harness.nowMs);
    harness.runUntilTrue(() => others.every((node) => statusOf(node, 'c') === 'left'), 'c left everywhere');
    others[1]!.serf.forceLeave('c', true, harness.nowMs);
    harness.runUntilTrue(() => others.every((node) => node.serf.member('c') === undefined), 'c pruned everywhere');
  });

  it('turns a suspect into left when the failed verdict comes, not failed', () => {
    const harness = new SerfHarness(44);
    const nodes = formCluster(harness, ['a', 'b', 'c', 'd']);
    harness.node('d').down = true;
    const others = nodes.filter((node) => node.name !== 'd');
    let issuer: HarnessNode | undefined;
    harness.runUntilTrue(
      () => {
        issuer = others.find((node) => node.serf.core.member('d')?.state === 'suspect');
        return issuer !== undefined;
      },
      'someone suspects d',
      120_000,
      10,
    );
    issuer!.serf.forceLeave('d', false, harness.nowMs);
    assert.equal(statusOf(issuer!, 'd'), 'leaving');
    harness.runUntilTrue(() => others.every((node) => statusOf(node, 'd') === 'left'), 'd left everywhere');
    assert.equal(
      issuer!.events.filter((event) => event.type === 'member-failed' && event.member.name === 'd').length,
      0,
      'the verdict on a force-left suspect is a leave, not a failure',
    );
  });

  it('leaves an alive node alive: the node ignores an intent about itself', () => {
    const harness = new SerfHarness(45);
    const nodes = formCluster(harness, ['a', 'b', 'c']);
    nodes[0]!.serf.forceLeave('b', false, harness.nowMs);
    harness.run(10_000);
    for (const node of nodes) assert.equal(statusOf(node, 'b'), 'alive', `${node.name} still sees b alive`);
    assert.ok(nodes[1]!.serf.counters.leaveIntentsRefuted > 0);
    assert.equal(memberEvents(nodes[2]!, 'member-leave', 'b'), 0);
  });

  it('round-trips the leave intent and decodes it strictly', () => {
    const message = { type: 'leave-intent', ltime: 7, node: 'n3', prune: true } as const;
    assert.deepEqual(decodeSerfMessage(encodeSerfMessage(message)), message);
    const bad = Buffer.from(encodeSerfMessage({ ...message, node: '' }));
    assert.throws(() => decodeSerfMessage(bad), SerfDecodeError);
    assert.equal(bad[0], SerfMessageType.leaveIntent);
  });
});
