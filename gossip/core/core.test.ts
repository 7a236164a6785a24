// Proves GossipCore's contract at the packet level: hostile input (random bytes, mutated, truncated, oversized,
// wrong version) is dropped and counted and never throws out of handlePacket or handleStream (a fixed-seed fuzz
// loop); a suspicion or death notice about this node is refuted with a higher incarnation; joins (and the state
// sync that follows one), meta updates and graceful leave produce the documented events.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { LAN, LOCAL } from './config.js';
import { GossipCore } from './core.js';
import { decodePacket } from './decode.js';
import { encodePacket, encodeStream } from './encode.js';
import type { PacketMessage } from './messages.js';
import type { GossipOutput, MemberEvent } from './types.js';

function makeCore(name: string, seed = 1, config = LAN): GossipCore {
  return new GossipCore(config, { rand: new SeededRand(seed), nowMs: 0, self: { name, address: name } });
}

/** Delivers packets and streams among `cores` instantly until quiet (or `rounds` runs out); returns all events. */
function exchange(cores: GossipCore[], nowMs: number, rounds = 20): Map<string, MemberEvent[]> {
  const events = new Map<string, MemberEvent[]>(cores.map((core) => [core.name, []]));
  const byName = new Map(cores.map((core) => [core.name, core]));
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    for (const core of cores) {
      const output: GossipOutput = core.takeOutput();
      events.get(core.name)!.push(...output.events);
      for (const packet of output.packets) {
        moved = true;
        byName.get(packet.to)?.handlePacket(core.name, packet.bytes, nowMs);
      }
      for (const stream of output.streams) {
        moved = true;
        const target = byName.get(stream.to);
        const response = target === undefined ? null : target.handleStream(core.name, stream.bytes, nowMs);
        core.handleStreamResponse(stream.id, response, nowMs);
      }
    }
    if (!moved) break;
  }
  return events;
}

function types(events: MemberEvent[] | undefined, member: string): string[] {
  return (events ?? []).filter((event) => event.member.name === member).map((event) => event.type);
}

describe('GossipCore hostile input', () => {
  it('drops and counts every malformed packet without throwing (fuzz, seed 4242)', () => {
    const rand = new SeededRand(4242);
    const core = makeCore('target');
    const valid: PacketMessage[] = [
      { type: 'ping', seq: 1, target: 'target', sourceName: 'x', sourceAddress: 'x' },
      { type: 'alive', incarnation: 3, node: 'peer', address: 'peer', meta: new Uint8Array(4) },
      { type: 'suspect', incarnation: 1, node: 'peer', from: 'x' },
      { type: 'user', payload: new Uint8Array(20) },
    ];
    let sent = 0;
    for (let round = 0; round < 20_000; round++) {
      let bytes: Uint8Array;
      const kind = rand.intBelow(6);
      if (kind === 0) {
        bytes = new Uint8Array(rand.intBelow(1_600));
        for (let position = 0; position < bytes.length; position++) bytes[position] = rand.intBelow(256);
      } else if (kind === 1) {
        bytes = Uint8Array.from(encodePacket(valid));
        for (let flips = 1 + rand.intBelow(4); flips > 0; flips--) {
          const position = rand.intBelow(bytes.length);
          bytes[position] = bytes[position]! ^ (1 << rand.intBelow(8));
        }
      } else if (kind === 2) {
        const whole = encodePacket(valid);
        bytes = whole.subarray(0, rand.intBelow(whole.length));
      } else if (kind === 3) {
        bytes = new Uint8Array(1_401 + rand.intBelow(64_000)).fill(1);
      } else if (kind === 4) {
        bytes = Uint8Array.from(encodePacket(valid));
        bytes[0] = 2 + rand.intBelow(254);
      } else {
        bytes = Uint8Array.from(encodePacket(valid));
        bytes[1] = 10 + rand.intBelow(246); // unknown message type
      }
      let decodable = true;
      try {
        decodePacket(bytes, LAN.packetSizeBytesMax);
      } catch {
        decodable = false;
      }
      assert.doesNotThrow(() => core.handlePacket('attacker', bytes, round));
      assert.doesNotThrow(() => core.handleStream('attacker', bytes, round));
      if (!decodable) sent++;
      core.tick(round);
      core.takeOutput();
    }
    assert.equal(core.stats.decodeFailures, sent, 'every undecodable packet counted, no valid one');
    assert.ok(sent > 15_000, `most fuzz input is hostile (${sent})`);
    assert.ok(core.stats.streamsMalformed > 15_000);
  });

  it('survives non-bytes and empty input', () => {
    const core = makeCore('target');
    assert.doesNotThrow(() => core.handlePacket('x', new Uint8Array(0), 1));
    assert.doesNotThrow(() => core.handlePacket('x', undefined as unknown as Uint8Array, 1));
    assert.equal(core.handleStream('x', null as unknown as Uint8Array, 1), null);
    assert.equal(core.stats.decodeFailures, 2);
  });
});

describe('GossipCore membership', () => {
  it('joins through a seed and both sides see a join event', () => {
    const a = makeCore('a', 1);
    const b = makeCore('b', 2);
    b.join(['a'], 0);
    const events = exchange([a, b], 0);
    assert.deepEqual(types(events.get('a'), 'b'), ['join']);
    assert.deepEqual(types(events.get('b'), 'a'), ['join']);
    assert.deepEqual(types(events.get('b'), 'b'), ['join'], 'the first output holds a join for self');
    assert.equal(a.liveCount, 2);
    assert.equal(b.liveCount, 2);
  });

  it('after a successful join, syncs state once more when its news has gone out (not before a probe interval)', () => {
    const config = { ...LAN, pushPullIntervalMs: 0 }; // no periodic push-pull: any push-pull is the join's
    const a = makeCore('a', 1, config);
    const b = makeCore('b', 2, config);
    let nowMs = 0;
    const pushPullsAtMs: number[] = [];
    const takeOutput = b.takeOutput.bind(b);
    b.takeOutput = () => {
      const output = takeOutput();
      for (const stream of output.streams) if (stream.kind === 'push-pull') pushPullsAtMs.push(nowMs);
      return output;
    };
    b.join(['a'], nowMs);
    exchange([a, b], nowMs);
    assert.deepEqual(pushPullsAtMs, [0], 'the join itself');
    for (nowMs = 100; nowMs <= 30_000; nowMs += 100) {
      a.tick(nowMs);
      b.tick(nowMs);
      exchange([a, b], nowMs);
    }
    assert.equal(pushPullsAtMs.length, 2, 'exactly one sync after the join');
    assert.ok(pushPullsAtMs[1]! >= LAN.probeIntervalMs, `sync at ${pushPullsAtMs[1]} ms waits a probe interval`);
    assert.equal(b.broadcastsQueued, 0);
  });

  it('reports join failure when the seed does not answer', () => {
    const b = makeCore('b', 2);
    b.join(['nowhere'], 0);
    const output = b.takeOutput();
    assert.equal(output.streams.length, 1);
    b.handleStreamResponse(output.streams[0]!.id, null, 5);
    assert.deepEqual(b.takeOutput().joinResults, [{ seed: 'nowhere', ok: false }]);
  });

  it('refutes a suspicion and a death notice about itself with a higher incarnation', () => {
    const core = makeCore('me');
    core.takeOutput();
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 0, node: 'me', from: 'x' }]), 10);
    assert.equal(core.incarnation, 1);
    assert.equal(core.awarenessScore, 1, 'a refutation counts against our own health');
    core.handlePacket('x', encodePacket([{ type: 'dead', incarnation: 5, node: 'me', from: 'x' }]), 20);
    assert.equal(core.incarnation, 6, 'one past the accusation');
    assert.equal(core.member('me')!.state, 'alive');
    assert.equal(core.stats.refutations, 2);
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 2, node: 'me', from: 'x' }]), 30);
    assert.equal(core.incarnation, 6, 'a stale accusation is ignored');
  });

  it('moves a peer alive → suspect → alive on refutation, and ignores stale news', () => {
    const core = makeCore('me');
    const alive = (incarnation: number): Uint8Array =>
      encodePacket([{ type: 'alive', incarnation, node: 'p', address: 'p', meta: new Uint8Array(0) }]);
    core.handlePacket('p', alive(1), 1);
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 1, node: 'p', from: 'x' }]), 2);
    assert.equal(core.member('p')!.state, 'suspect');
    core.handlePacket('p', alive(1), 3);
    assert.equal(core.member('p')!.state, 'suspect', 'the same incarnation does not refute');
    core.handlePacket('p', alive(2), 4);
    assert.equal(core.member('p')!.state, 'alive');
    assert.deepEqual(types(core.takeOutput().events, 'p'), ['join', 'suspect', 'alive']);
  });

  it('declares a suspect failed when its suspicion runs out, and left on a graceful leave', () => {
    const core = makeCore('me');
    for (const name of ['p', 'q'])
      core.handlePacket(
        name,
        encodePacket([{ type: 'alive', incarnation: 1, node: name, address: name, meta: new Uint8Array(0) }]),
        0,
      );
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 1, node: 'p', from: 'x' }]), 1_000);
    // n = 3 → k = 0: the timeout is min = 4 s.
    core.tick(4_999);
    assert.equal(core.member('p')!.state, 'suspect');
    core.tick(5_000);
    assert.equal(core.member('p')!.state, 'dead');
    core.handlePacket('q', encodePacket([{ type: 'dead', incarnation: 1, node: 'q', from: 'q' }]), 5_001);
    assert.equal(core.member('q')!.state, 'left');
    const events = core.takeOutput().events;
    assert.deepEqual(types(events, 'p'), ['join', 'suspect', 'failed']);
    assert.deepEqual(types(events, 'q'), ['join', 'leave']);
  });

  it('restarts a suspicion when a newer incarnation of the member is accused (it refuted the old one)', () => {
    const core = makeCore('me');
    for (const name of ['p', 'q', 'r', 'x'])
      core.handlePacket(
        name,
        encodePacket([{ type: 'alive', incarnation: 0, node: name, address: name, meta: new Uint8Array(0) }]),
        0,
      );
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 0, node: 'p', from: 'x' }]), 1_000);
    core.handlePacket('q', encodePacket([{ type: 'suspect', incarnation: 1, node: 'p', from: 'q' }]), 20_000);
    assert.equal(core.member('p')!.incarnation, 1);
    // n = 5, k = 2: a fresh timer runs its max of 6 × 4 s from 20 s, not the remains of the inc-0 one.
    core.tick(25_000);
    assert.equal(core.member('p')!.state, 'suspect');
    core.tick(20_000 + 24_000);
    assert.equal(core.member('p')!.state, 'dead');
  });

  it('after a stall, waits a probe timeout for the backlog before acting on expired suspicions', () => {
    const core = makeCore('me');
    for (const name of ['p', 'q'])
      core.handlePacket(
        name,
        encodePacket([{ type: 'alive', incarnation: 0, node: name, address: name, meta: new Uint8Array(0) }]),
        0,
      );
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 0, node: 'p', from: 'x' }]), 1_000);
    let wakeupMs = core.nextWakeupMs()!;
    while (wakeupMs < 2_000) {
      core.tick(wakeupMs);
      wakeupMs = core.nextWakeupMs()!;
    }
    core.tick(30_000); // asked for about 2 s, woken at 30 s: a stall; the suspicion (4 s) ran out meanwhile
    assert.equal(core.stats.stalls, 1);
    assert.equal(core.member('p')!.state, 'suspect', 'not declared dead before the backlog is read');
    core.handlePacket(
      'p',
      encodePacket([{ type: 'alive', incarnation: 1, node: 'p', address: 'p', meta: new Uint8Array(0) }]),
      30_000,
    );
    core.tick(30_000 + LAN.probeTimeoutMs);
    assert.equal(core.member('p')!.state, 'alive', 'the refutation in the backlog counted');
  });

  it('reports a name conflict and keeps the first address', () => {
    const core = makeCore('me');
    core.handlePacket(
      'p',
      encodePacket([{ type: 'alive', incarnation: 1, node: 'p', address: 'p1', meta: new Uint8Array(0) }]),
      0,
    );
    core.handlePacket(
      'p',
      encodePacket([{ type: 'alive', incarnation: 2, node: 'p', address: 'p2', meta: new Uint8Array(0) }]),
      1,
    );
    const conflict = core.takeOutput().events.find((event) => event.type === 'conflict');
    assert.equal(conflict?.otherAddress, 'p2');
    assert.equal(core.member('p')!.address, 'p1');
    assert.equal(core.stats.conflicts, 1);
  });

  it('lets a new address reclaim a dead name after deadNodeReclaimMs', () => {
    const core = makeCore('me', 1, LOCAL);
    const alive = (incarnation: number, address: string): Uint8Array =>
      encodePacket([{ type: 'alive', incarnation, node: 'p', address, meta: new Uint8Array(0) }]);
    core.handlePacket('p', alive(1, 'p1'), 0);
    core.handlePacket('x', encodePacket([{ type: 'dead', incarnation: 1, node: 'p', from: 'x' }]), 1);
    core.handlePacket('p', alive(1, 'p2'), 2);
    assert.equal(core.member('p')!.address, 'p2');
    assert.equal(core.member('p')!.state, 'alive');
  });

  it('spreads new meta as an update with a higher incarnation', () => {
    const a = makeCore('a', 1);
    const b = makeCore('b', 2);
    b.join(['a'], 0);
    exchange([a, b], 0);
    b.setLocalMeta(Uint8Array.from([1, 2]), 10);
    for (let step = 0; step < 10; step++) {
      a.tick(10 + step * 200);
      b.tick(10 + step * 200);
    }
    const events = exchange([a, b], 2_000);
    assert.deepEqual(types(events.get('a'), 'b'), ['update']);
    assert.deepEqual([...a.member('b')!.meta], [1, 2]);
    assert.equal(a.member('b')!.incarnation, 1);
  });

  it('passes user payloads through with their own retransmit limit', () => {
    const a = makeCore('a', 1);
    const b = makeCore('b', 2);
    b.join(['a'], 0);
    exchange([a, b], 0);
    a.broadcastUser(Uint8Array.from([42]), 2);
    let received = 0;
    for (let step = 1; step <= 20; step++) {
      a.tick(step * 200);
      const output = a.takeOutput();
      for (const packet of output.packets) b.handlePacket('a', packet.bytes, step * 200);
      received += b.takeOutput().userPayloads.filter((payload) => payload.payload[0] === 42).length;
    }
    assert.equal(received, 2);
    assert.throws(() => a.broadcastUser(new Uint8Array(2_000)));
  });

  it('graceful leave: others see leave, not failed; the core stops probing', () => {
    const a = makeCore('a', 1);
    const b = makeCore('b', 2);
    b.join(['a'], 0);
    exchange([a, b], 0);
    b.leave(100);
    assert.equal(b.leaveBroadcastDone(), false);
    let seen: string[] = [];
    for (let step = 1; step <= 100 && !b.leaveBroadcastDone(); step++) {
      b.tick(100 + step * 200);
      seen = seen.concat(types(exchange([a, b], 100 + step * 200).get('a'), 'b'));
    }
    assert.ok(b.leaveBroadcastDone());
    assert.deepEqual(seen, ['leave']);
    assert.equal(a.member('b')!.state, 'left');
    assert.equal(b.member('b')!.state, 'left');
  });

  it('answers a stream ping for itself and refuses one for another name', () => {
    const core = makeCore('me');
    const ping = (target: string) =>
      encodeStream({ type: 'ping', seq: 9, target, sourceName: 'x', sourceAddress: 'x' });
    assert.ok(core.handleStream('x', ping('me'), 0) instanceof Uint8Array);
    assert.equal(core.handleStream('x', ping('other'), 0), null);
  });
});
