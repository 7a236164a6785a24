// Proves the SWIM probe cycle packet by packet on one core: a direct ping, then after the probe timeout indirect
// pings through k helpers plus a stream ping, then a suspicion when nobody answers (with the awareness penalty
// set by missing nacks), an RTT sample on a direct ack, the buddy system, and the helper side relaying an
// indirect ping with an ack or a nack.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { LAN } from './config.js';
import { GossipCore } from './core.js';
import { decodePacket } from './decode.js';
import { encodePacket } from './encode.js';
import type { PacketMessage } from './messages.js';
import type { GossipOutput } from './types.js';

const EMPTY = new Uint8Array(0);

function coreWithPeers(peers: string[]): GossipCore {
  const core = new GossipCore(LAN, { rand: new SeededRand(5), nowMs: 0, self: { name: 'me', address: 'me' } });
  for (const name of peers)
    core.handlePacket(
      name,
      encodePacket([{ type: 'alive', incarnation: 0, node: name, address: name, meta: EMPTY }]),
      0,
    );
  core.takeOutput();
  return core;
}

/** Every message in the output's packets, with its destination. */
function sent(output: GossipOutput): { to: string; message: PacketMessage }[] {
  return output.packets.flatMap((packet) =>
    decodePacket(packet.bytes, LAN.packetSizeBytesMax).map((message) => ({ to: packet.to, message })),
  );
}

/** Ticks until the core sends a ping (the start of a probe); returns it and when it went. */
function runToProbe(core: GossipCore): { target: string; seq: number; atMs: number } {
  for (let step = 0; step < 100; step++) {
    const atMs = core.nextWakeupMs()!;
    core.tick(atMs);
    const ping = sent(core.takeOutput()).find(({ message }) => message.type === 'ping');
    if (ping !== undefined && ping.message.type === 'ping') return { target: ping.to, seq: ping.message.seq, atMs };
  }
  assert.fail('no probe started');
}

describe('probe cycle', () => {
  it('goes direct ping → indirect pings and a stream ping → suspicion, penalising missing nacks', () => {
    const core = coreWithPeers(['a', 'b', 'c', 'd', 'e']);
    const probe = runToProbe(core);
    core.tick(probe.atMs + LAN.probeTimeoutMs);
    const output = core.takeOutput();
    const indirect = sent(output).filter(({ message }) => message.type === 'indirect-ping');
    assert.equal(indirect.length, LAN.indirectChecks);
    assert.ok(
      indirect.every(
        ({ to, message }) => to !== probe.target && message.type === 'indirect-ping' && message.target === probe.target,
      ),
    );
    assert.equal(output.streams.length, 1, 'a stream (TCP) fallback ping');
    assert.equal(output.streams[0]!.kind, 'ping');
    assert.equal(output.streams[0]!.to, probe.target);
    // One helper answers with a nack: two nacks missing → awareness +2.
    core.handlePacket(indirect[0]!.to, encodePacket([{ type: 'nack', seq: probe.seq }]), probe.atMs + 600);
    core.handleStreamResponse(output.streams[0]!.id, null, probe.atMs + 700);
    core.tick(probe.atMs + LAN.probeIntervalMs);
    assert.equal(core.member(probe.target)!.state, 'suspect');
    assert.equal(core.awarenessScore, 2);
    assert.equal(core.stats.probesFailed, 1);
  });

  it('on a degraded node: a failing probe waits (score + 1) intervals, a succeeding one keeps the plain interval', () => {
    const core = coreWithPeers(['a', 'b', 'c', 'd', 'e']);
    // Three refutations: awareness score 3, so a probe may take 4 intervals before it suspects.
    for (const incarnation of [0, 1, 2])
      core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation, node: 'me', from: 'x' }]), 0);
    core.takeOutput();
    assert.equal(core.awarenessScore, 3);
    const failing = runToProbe(core);
    const longProbeEndsMs = failing.atMs + 4 * LAN.probeIntervalMs;
    // Step through every wake-up before that (gossip rounds, the indirect stage), as a driver would.
    for (let wakeMs = core.nextWakeupMs()!; wakeMs < longProbeEndsMs; wakeMs = core.nextWakeupMs()!) {
      core.tick(wakeMs);
      assert.ok(
        !sent(core.takeOutput()).some(({ message }) => message.type === 'ping' && message.target !== failing.target),
        `no other probe while the long one runs (at ${wakeMs} ms)`,
      );
    }
    assert.equal(core.member(failing.target)!.state, 'alive', 'still waiting for an ack until 4 intervals passed');
    const next = runToProbe(core);
    assert.equal(core.member(failing.target)!.state, 'suspect');
    assert.equal(next.atMs, longProbeEndsMs, 'the next probe starts when the long one ends');
    // Acked at once (score drops by one), the following probe comes one plain interval later, as memberlist's
    // probe ticker fires regardless of the score: a degraded node that is answered keeps probing at full rate.
    core.handlePacket(next.target, encodePacket([{ type: 'ack', seq: next.seq, payload: EMPTY }]), next.atMs + 2);
    core.takeOutput();
    assert.ok(core.awarenessScore > 0, 'still degraded');
    assert.equal(runToProbe(core).atMs, next.atMs + LAN.probeIntervalMs);
  });

  it('records the RTT of a direct ack and lowers the awareness score', () => {
    const core = coreWithPeers(['a', 'b']);
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 0, node: 'me', from: 'x' }]), 0);
    assert.equal(core.awarenessScore, 1);
    core.takeOutput();
    const probe = runToProbe(core);
    core.handlePacket(
      probe.target,
      encodePacket([{ type: 'ack', seq: probe.seq, payload: Uint8Array.from([7]) }]),
      probe.atMs + 3,
    );
    const rtts = core.takeOutput().rtts;
    assert.deepEqual(
      rtts.map(({ member, rttMs, payload }) => ({ member, rttMs, payload: [...payload] })),
      [{ member: probe.target, rttMs: 3, payload: [7] }],
    );
    assert.equal(core.awarenessScore, 0);
  });

  it('a stream ack ends the probe without suspicion', () => {
    const core = coreWithPeers(['a', 'b', 'c']);
    const probe = runToProbe(core);
    core.tick(probe.atMs + LAN.probeTimeoutMs);
    const stream = core.takeOutput().streams[0]!;
    const target = new GossipCore(LAN, {
      rand: new SeededRand(1),
      nowMs: 0,
      self: { name: probe.target, address: probe.target },
    });
    core.handleStreamResponse(stream.id, target.handleStream('me', stream.bytes, probe.atMs + 600), probe.atMs + 601);
    core.tick(probe.atMs + LAN.probeIntervalMs);
    assert.equal(core.member(probe.target)!.state, 'alive');
  });

  it('buddy system: a probe of a suspect carries the suspicion to it', () => {
    const core = coreWithPeers(['a']);
    core.handlePacket('x', encodePacket([{ type: 'suspect', incarnation: 0, node: 'a', from: 'x' }]), 0);
    core.takeOutput();
    for (let step = 0; step < 100; step++) {
      core.tick(core.nextWakeupMs()!);
      const messages = sent(core.takeOutput())
        .filter(({ to }) => to === 'a')
        .map(({ message }) => message.type);
      if (messages.includes('ping')) {
        assert.ok(messages.includes('suspect'), `sent ${messages.join(', ')}`);
        return;
      }
    }
    assert.fail('never probed a');
  });
});

describe('indirect ping relay', () => {
  it('forwards the target ack to the requester under the requester sequence number', () => {
    const core = coreWithPeers(['req', 'target']);
    const request: PacketMessage = {
      type: 'indirect-ping',
      seq: 77,
      target: 'target',
      targetAddress: 'target',
      wantNack: true,
      sourceName: 'req',
      sourceAddress: 'req',
    };
    core.handlePacket('req', encodePacket([request]), 100);
    const ping = sent(core.takeOutput()).find(({ message }) => message.type === 'ping')!;
    assert.equal(ping.to, 'target');
    assert.equal(ping.message.type === 'ping' && ping.message.target, 'target');
    const relaySeq = ping.message.type === 'ping' ? ping.message.seq : -1;
    core.handlePacket('target', encodePacket([{ type: 'ack', seq: relaySeq, payload: EMPTY }]), 110);
    const forwarded = sent(core.takeOutput()).filter(({ message }) => message.type === 'ack');
    assert.deepEqual(
      forwarded.map(({ to, message }) => [to, message.type === 'ack' && message.seq]),
      [['req', 77]],
    );
  });

  it('sends a nack when the target stays silent past the probe timeout', () => {
    const core = coreWithPeers(['req', 'target']);
    core.handlePacket(
      'req',
      encodePacket([
        {
          type: 'indirect-ping',
          seq: 78,
          target: 'target',
          targetAddress: 'target',
          wantNack: true,
          sourceName: 'req',
          sourceAddress: 'req',
        },
      ]),
      100,
    );
    core.takeOutput();
    core.tick(100 + LAN.probeTimeoutMs);
    const nacks = sent(core.takeOutput()).filter(({ message }) => message.type === 'nack');
    assert.deepEqual(
      nacks.map(({ to, message }) => [to, message.type === 'nack' && message.seq]),
      [['req', 78]],
    );
  });
});
