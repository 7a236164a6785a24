// Proves that leaves travel in Serf's push-pull state (serf's LeftMembers and leave intents), on the deterministic
// harness over many seeds: a member that missed the force-leave broadcast, or a graceful leave's broadcast, and so
// holds the node failed, moves it to left at its next push-pull; a force-leave with prune that it missed removes
// the member there too; and a carried leave about a node that has since come back (a higher incarnation) is not
// applied. Every failure names its seed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePacket, LOCAL, type PacketMessage } from '../core/index.js';
import { decodeSerfMessage } from './messages.js';
import { type HarnessNode, SerfHarness } from './testing/serf-harness.js';

const SEEDS = Array.from({ length: 20 }, (_, index) => 100 + index);
/** The deaf member waits at most this long for a push-pull: two of its own intervals and margin. */
const PUSH_PULL_WAIT_MS = 3 * LOCAL.pushPullIntervalMs;

const statusOf = (node: HarnessNode, name: string) => node.serf.member(name)?.status;

function messagesIn(bytes: Uint8Array): PacketMessage[] {
  try {
    return decodePacket(bytes, 65_536);
  } catch {
    return [];
  }
}

function carriesLeaveIntent(bytes: Uint8Array, node: string): boolean {
  return messagesIn(bytes).some((message) => {
    if (message.type !== 'user') return false;
    try {
      const serf = decodeSerfMessage(message.payload);
      return serf.type === 'leave-intent' && serf.node === node;
    } catch {
      return false;
    }
  });
}

const carriesLeaveOf = (bytes: Uint8Array, node: string) =>
  messagesIn(bytes).some((message) => message.type === 'dead' && message.node === node && message.from === node);

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

/** Runs `check` and, on failure, rethrows with the seed in front so the run can be replayed. */
function forSeed(seed: number, check: () => void): void {
  try {
    check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`seed ${seed}: ${message}`, { cause: error });
  }
}

/** Cuts `victim` off (no leave) and runs until every other member holds it failed; returns those members. */
function failNode(harness: SerfHarness, nodes: HarnessNode[], victim: string): HarnessNode[] {
  harness.node(victim).down = true;
  const others = nodes.filter((node) => node.name !== victim);
  harness.runUntilTrue(
    () => others.every((node) => statusOf(node, victim) === 'failed'),
    `${victim} failed everywhere`,
  );
  return others;
}

/**
 * Makes `deaf` miss every packet `carries` matches and take part in no push-pull until the returned function is
 * called: it then syncs again and can learn only through push-pull what it missed.
 */
function missBroadcast(harness: SerfHarness, deaf: HarnessNode, carries: (bytes: Uint8Array) => boolean): () => void {
  let pushPullsBlocked = true;
  harness.drop = (kind, from, to, bytes) =>
    kind === 'stream' ? pushPullsBlocked && (from === deaf || to === deaf) : to === deaf && carries(bytes);
  return () => {
    pushPullsBlocked = false;
  };
}

describe('leaves carried in push-pull', () => {
  it(`a member that missed a force-leave broadcast moves the node to left at a push-pull (seeds ${SEEDS[0]}..${SEEDS.at(-1)})`, () => {
    for (const seed of SEEDS) {
      forSeed(seed, () => {
        const harness = new SerfHarness(seed);
        const nodes = formCluster(harness, ['a', 'b', 'c', 'd', 'e']);
        const others = failNode(harness, nodes, 'e');
        const deaf = harness.node('d');
        // d loses every packet carrying the intent, and takes part in no push-pull until the broadcast is over.
        const allowPushPulls = missBroadcast(harness, deaf, (bytes) => carriesLeaveIntent(bytes, 'e'));
        harness.nowMs += 0.4; // a real clock's times are fractional: the intent's age must still travel
        harness.node('a').serf.forceLeave('e', false, harness.nowMs);
        harness.run(5_000);
        assert.equal(statusOf(deaf, 'e'), 'failed', 'd missed the broadcast (the test drops it)');
        allowPushPulls();
        // Others may have missed the broadcast too (a small pool gossips each message only a few times).
        harness.runUntilTrue(
          () => others.every((node) => statusOf(node, 'e') === 'left'),
          'e left on every member',
          PUSH_PULL_WAIT_MS,
        );
        const leaves = deaf.events.filter((event) => event.type === 'member-leave' && event.member.name === 'e');
        assert.equal(leaves.length, 1, 'd reported the forced leave once');
        for (const node of others) assert.equal(node.serf.counters.remoteStatesRefused, 0, `${node.name} refused none`);
      });
    }
  });

  it(`a member that missed a graceful leave, and declared the node failed, moves it to left at a push-pull (seeds ${SEEDS[0]}..${SEEDS.at(-1)})`, () => {
    for (const seed of SEEDS) {
      forSeed(seed, () => {
        const harness = new SerfHarness(seed);
        const nodes = formCluster(harness, ['a', 'b', 'c', 'd', 'e']);
        const [leaver, deaf] = [harness.node('e'), harness.node('d')];
        const allowPushPulls = missBroadcast(harness, deaf, (bytes) => carriesLeaveOf(bytes, 'e'));
        leaver.serf.leave(harness.nowMs);
        harness.runUntilTrue(() => leaver.serf.leaveBroadcastDone(), 'the leave is sent');
        leaver.down = true;
        const others = nodes.filter((node) => node !== leaver && node !== deaf);
        harness.runUntilTrue(
          () => others.every((node) => statusOf(node, 'e') === 'left') && statusOf(deaf, 'e') === 'failed',
          'e left on a, b, c and failed on d (which missed the leave)',
        );
        allowPushPulls();
        harness.runUntilTrue(() => statusOf(deaf, 'e') === 'left', 'd moves e to left', PUSH_PULL_WAIT_MS);
        for (const node of others) assert.equal(statusOf(node, 'e'), 'left', `${node.name} holds e left`);
      });
    }
  });

  it(`a member that missed a force-leave with prune forgets the node at a push-pull (seeds ${SEEDS[0]}..${SEEDS.at(-1)})`, () => {
    for (const seed of SEEDS) {
      forSeed(seed, () => {
        const harness = new SerfHarness(seed);
        const nodes = formCluster(harness, ['a', 'b', 'c', 'd', 'e']);
        const others = failNode(harness, nodes, 'e');
        const deaf = harness.node('d');
        const allowPushPulls = missBroadcast(harness, deaf, (bytes) => carriesLeaveIntent(bytes, 'e'));
        harness.node('b').serf.forceLeave('e', true, harness.nowMs);
        assert.equal(harness.node('b').serf.member('e'), undefined, 'the issuer forgets e at once');
        harness.run(5_000);
        assert.equal(statusOf(deaf, 'e'), 'failed', 'd missed the broadcast (the test drops it)');
        allowPushPulls();
        harness.runUntilTrue(
          () => others.every((node) => node.serf.member('e') === undefined),
          'e forgotten by every member',
          PUSH_PULL_WAIT_MS,
        );
      });
    }
  });

  it('does not apply a carried leave intent to a node that came back since (a higher incarnation)', () => {
    const harness = new SerfHarness(7);
    const nodes = formCluster(harness, ['a', 'b', 'c', 'd']);
    const others = failNode(harness, nodes, 'd');
    harness.node('a').serf.forceLeave('d', false, harness.nowMs);
    harness.runUntilTrue(() => others.every((node) => statusOf(node, 'd') === 'left'), 'd left everywhere');
    // d comes back (it refutes its death with a higher incarnation), then f joins: f never saw the intent and
    // receives it in the join's push-pull, about an earlier life of d.
    const d = harness.node('d');
    d.down = false;
    d.serf.join([harness.node('a').address], harness.nowMs);
    harness.runUntilTrue(() => nodes.every((node) => statusOf(node, 'd') === 'alive'), 'd alive everywhere again');
    const f = harness.add('f');
    f.serf.join([harness.node('b').address], harness.nowMs);
    harness.runUntilTrue(() => statusOf(f, 'd') === 'alive', 'f sees d alive');
    assert.ok(f.serf.counters.leavesStale > 0, 'f received the intent and set it aside');
    // d fails again: that is a failure, not the old forced leave.
    d.down = true;
    const survivors = [...others, f];
    harness.runUntilTrue(() => survivors.every((node) => statusOf(node, 'd') === 'failed'), 'd failed again');
    harness.run(2 * LOCAL.pushPullIntervalMs);
    for (const node of survivors) assert.equal(statusOf(node, 'd'), 'failed', `${node.name} holds d failed`);
  });
});
