// Proves the merge-delegate hook on the deterministic Serf harness: a push-pull state the receiver refuses merges
// nothing on either side and the joiner's join fails with the receiver's text; a state the joiner refuses merges
// nothing there and its join fails with its own text; an alive message the delegate refuses is ignored, so a
// member gossiped by a peer never enters the refusing node's list; and members the delegate accepts merge as before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMergeDelegate } from './merge-delegate.js';
import type { SerfEvent } from './serf.js';
import { type HarnessNode, SerfHarness } from './testing/serf-harness.js';

/** Refuses members tagged with another datacenter, as Consul's LAN delegate does. */
const onlyDatacenter =
  (datacenter: string): SerfMergeDelegate =>
  (members) => {
    for (const member of members)
      if (member.tags['dc'] !== datacenter)
        return `Member '${member.name}' part of wrong datacenter '${member.tags['dc']}'`;
    return null;
  };

const names = (node: HarnessNode) =>
  node.serf
    .memberList()
    .map((member) => member.name)
    .sort();

function joinResults(node: HarnessNode): Extract<SerfEvent, { type: 'join-result' }>[] {
  return node.events.filter(
    (event): event is Extract<SerfEvent, { type: 'join-result' }> => event.type === 'join-result',
  );
}

describe('serf merge delegate', () => {
  it('a receiver that refuses the joiner state merges nothing and the join fails with its reason', () => {
    const harness = new SerfHarness(7);
    const x1 = harness.add('x1', { tags: { dc: 'dc1' }, mergeDelegate: onlyDatacenter('dc1') });
    const x2 = harness.add('x2', { tags: { dc: 'dc1' }, mergeDelegate: onlyDatacenter('dc1') });
    x2.serf.join([x1.address], harness.nowMs);
    harness.flush();
    const y1 = harness.add('y1.dc2', { tags: { dc: 'dc2' } });
    y1.serf.join([x1.address], harness.nowMs);
    harness.run(5_000);
    assert.deepEqual(joinResults(y1), [
      {
        type: 'join-result',
        seed: x1.address,
        ok: false,
        reconnect: false,
        refusal: "Member 'y1.dc2' part of wrong datacenter 'dc2'",
      },
    ]);
    assert.deepEqual(names(x1), ['x1', 'x2']);
    assert.deepEqual(names(x2), ['x1', 'x2']);
    assert.deepEqual(names(y1), ['y1.dc2'], 'the joiner merged nothing of the refusing seed');
  });

  it('a joiner that refuses the seed answer merges nothing and its join fails with its own reason', () => {
    const harness = new SerfHarness(8);
    const x1 = harness.add('x1', { tags: { dc: 'dc1' } });
    const y1 = harness.add('y1', { tags: { dc: 'dc2' }, mergeDelegate: onlyDatacenter('dc2') });
    y1.serf.join([x1.address], harness.nowMs);
    harness.flush();
    const [result] = joinResults(y1);
    assert.equal(result?.ok, false);
    assert.equal(result?.refusal, "Member 'x1' part of wrong datacenter 'dc1'");
    assert.deepEqual(names(y1), ['y1']);
  });

  it('ignores an alive message for a member the delegate refuses, and keeps refusing it in push-pulls', () => {
    const harness = new SerfHarness(9);
    const a = harness.add('a', { tags: { dc: 'dc1' }, mergeDelegate: onlyDatacenter('dc1') });
    const b = harness.add('b', { tags: { dc: 'dc1' } });
    b.serf.join([a.address], harness.nowMs);
    harness.flush();
    assert.deepEqual(names(a), ['a', 'b']);
    // c joins through b, which has no delegate: b gossips c's alive message on to a.
    const c = harness.add('c', { tags: { dc: 'dc9' } });
    c.serf.join([b.address], harness.nowMs);
    harness.run(3_000);
    assert.deepEqual(names(b), ['a', 'b', 'c']);
    assert.deepEqual(names(a), ['a', 'b'], 'a never took c in');
    assert.ok(
      !a.events.some((event) => event.type === 'member-join' && event.member.name === 'c'),
      'no join event for the refused member',
    );
  });

  it('merges members the delegate accepts as before', () => {
    const harness = new SerfHarness(10);
    const x1 = harness.add('x1', { tags: { dc: 'dc1' }, mergeDelegate: onlyDatacenter('dc1') });
    const x2 = harness.add('x2', { tags: { dc: 'dc1' }, mergeDelegate: onlyDatacenter('dc1') });
    x2.serf.join([x1.address], harness.nowMs);
    harness.run(2_000);
    assert.deepEqual(joinResults(x2), [{ type: 'join-result', seed: x1.address, ok: true, reconnect: false }]);
    assert.deepEqual(names(x1), ['x1', 'x2']);
  });
});
