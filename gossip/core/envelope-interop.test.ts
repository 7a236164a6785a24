// Proves that pools mixing nodes from before version-2 stream envelopes with nodes that send them keep syncing:
// a new node joins through an old seed (the old node refuses the envelope, counted; the new one asks again in
// version 1 and remembers), pushes and pulls with it in version 1 from then on until the old member changes (an
// upgrade's restart), answers an old node's version-1 request in version 1, and compresses between new nodes.
// An "old node" here is a core that sends version 1 only and refuses, as the old decoder did, any stream whose
// first byte is not 1.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { LAN } from './config.js';
import { GossipCore } from './core.js';
import { STREAM_ENVELOPE_VERSION, WIRE_VERSION } from './messages.js';

interface Node {
  readonly core: GossipCore;
  readonly old: boolean;
  /** First byte of every stream this node received. */
  readonly versionsReceived: number[];
  /** Streams this node refused as an unknown version (an old node's decoder). */
  refused: number;
}

function makeNode(name: string, seed: number, old = false): Node {
  const config = { ...LAN, streamCompressionLevel: old ? 0 : LAN.streamCompressionLevel };
  const core = new GossipCore(config, { rand: new SeededRand(seed), nowMs: 0, self: { name, address: name } });
  return { core, old, versionsReceived: [], refused: 0 };
}

/** The node's answer to a stream; an old node refuses anything but version 1 (null: closes unanswered). */
function serve(node: Node, from: string, bytes: Uint8Array, nowMs: number): Uint8Array | null {
  node.versionsReceived.push(bytes[0]!);
  if (node.old && bytes[0] !== WIRE_VERSION) {
    node.refused++;
    return null;
  }
  return node.core.handleStream(from, bytes, nowMs);
}

/** Delivers packets and streams among `nodes` until quiet, as a driver would (a refusal is a peer close). */
function exchange(nodes: Node[], nowMs: number, rounds = 30): void {
  const byName = new Map(nodes.map((node) => [node.core.name, node]));
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    for (const node of nodes) {
      const output = node.core.takeOutput();
      for (const packet of output.packets) {
        moved = true;
        byName.get(packet.to)?.core.handlePacket(node.core.name, packet.bytes, nowMs);
      }
      for (const stream of output.streams) {
        moved = true;
        const target = byName.get(stream.to);
        const response = target === undefined ? null : serve(target, node.core.name, stream.bytes, nowMs);
        node.core.handleStreamResponse(stream.id, response, nowMs, target !== undefined && response === null);
      }
    }
    if (!moved) break;
  }
}

/** Runs both nodes' timers from `fromMs` to `toMs` in 100 ms steps, exchanging after each. */
function run(nodes: Node[], fromMs: number, toMs: number): void {
  for (let nowMs = fromMs; nowMs <= toMs; nowMs += 100) {
    for (const node of nodes) node.core.tick(nowMs);
    exchange(nodes, nowMs);
  }
}

describe('version-2 stream envelopes in a mixed pool', () => {
  it('between new nodes: the join and its answer both go deflated', () => {
    const a = makeNode('a', 1);
    const b = makeNode('b', 2);
    b.core.join(['a'], 0);
    exchange([a, b], 0);
    assert.equal(a.core.liveCount, 2);
    assert.equal(b.core.liveCount, 2);
    assert.deepEqual(a.versionsReceived, [STREAM_ENVELOPE_VERSION]);
    assert.deepEqual(b.core.stats.pushPullsEnveloped, 1);
    assert.deepEqual(a.core.stats.pushPullsEnveloped, 1, 'the answer mirrors the request');
    assert.equal(b.core.stats.envelopeRetries, 0);
  });

  it('a new node joins through an old seed, then syncs with it in version 1 until the old member changes', () => {
    const old = makeNode('old', 1, true);
    const fresh = makeNode('fresh', 2);
    fresh.core.join(['old'], 0);
    exchange([old, fresh], 0);
    assert.equal(old.refused, 1, 'the old node refused the envelope once');
    assert.equal(fresh.core.stats.envelopeRetries, 1);
    assert.equal(fresh.core.liveCount, 2, 'the version-1 retry joined');
    assert.equal(old.core.liveCount, 2);
    assert.deepEqual(old.versionsReceived, [STREAM_ENVELOPE_VERSION, WIRE_VERSION]);

    // Periodic and post-join syncs for two minutes: version 1 only, no more refusals.
    run([old, fresh], 100, 120_000);
    assert.ok(old.versionsReceived.length >= 4, `${old.versionsReceived.length} streams reached the old node`);
    assert.equal(old.refused, 1);
    assert.ok(old.versionsReceived.slice(1).every((version) => version === WIRE_VERSION));
    assert.equal(old.core.stats.streamsMalformed, 0, 'the old node understood every answer it got');

    // The old member changes (as its upgrade's restart would): the new node tries an envelope again.
    old.core.setLocalMeta(Uint8Array.from([1]), 120_100);
    const before = old.versionsReceived.length;
    run([old, fresh], 120_100, 240_000);
    assert.equal(old.refused, 2, 'one more refusal after the change, then version 1 again');
    assert.equal(old.versionsReceived[before], STREAM_ENVELOPE_VERSION);
    assert.ok(old.versionsReceived.slice(before + 1).every((version) => version === WIRE_VERSION));
    assert.equal(fresh.core.stats.envelopesRefused, 0);
  });

  it('an old node syncing with a new one gets version-1 answers it reads', () => {
    const old = makeNode('old', 1, true);
    const fresh = makeNode('fresh', 2);
    old.core.join(['fresh'], 0);
    exchange([old, fresh], 0);
    assert.equal(old.core.liveCount, 2);
    assert.equal(fresh.core.stats.pushPullsEnveloped, 0, 'the answer to a version-1 join is version 1');
    run([old, fresh], 100, 120_000);
    assert.equal(old.core.stats.streamsMalformed, 0, 'the old node read every answer');
    // The new node's own first sync to it still tries an envelope, once.
    assert.ok(old.refused <= 1);
    assert.equal(fresh.core.stats.envelopeRetries, old.refused);
    assert.equal(old.versionsReceived.filter((version) => version !== WIRE_VERSION).length, old.refused);
  });

  it('does not retry a push-pull that failed without a peer close (unreachable, timed out)', () => {
    const fresh = makeNode('fresh', 2);
    fresh.core.join(['nobody'], 0);
    const [stream] = fresh.core.takeOutput().streams;
    fresh.core.handleStreamResponse(stream!.id, null, 10);
    const output = fresh.core.takeOutput();
    assert.deepEqual(output.streams, []);
    assert.deepEqual(output.joinResults, [{ seed: 'nobody', ok: false }]);
    assert.equal(fresh.core.stats.envelopeRetries, 0);
  });

  it('drops and counts a malformed envelope, sent as a request or as an answer', () => {
    const fresh = makeNode('fresh', 2);
    const bomb = Uint8Array.from([STREAM_ENVELOPE_VERSION, 1, 0, 0, 16, 0, 0xff, 0xff]);
    assert.equal(fresh.core.handleStream('x', bomb, 1), null);
    fresh.core.join(['seed'], 2);
    const [stream] = fresh.core.takeOutput().streams;
    fresh.core.handleStreamResponse(stream!.id, bomb, 3);
    assert.deepEqual(fresh.core.takeOutput().joinResults, [{ seed: 'seed', ok: false }]);
    assert.equal(fresh.core.stats.envelopesRefused, 2);
    assert.equal(fresh.core.stats.streamsMalformed, 2);
  });

  it('with compression off, sends version 1 and still reads envelopes', () => {
    const plainOnly = makeNode('plain', 1, false);
    const off = new GossipCore(
      { ...LAN, streamCompressionLevel: 0 },
      { rand: new SeededRand(3), nowMs: 0, self: { name: 'off', address: 'off' } },
    );
    off.join(['plain'], 0);
    const [request] = off.takeOutput().streams;
    assert.equal(request!.bytes[0], WIRE_VERSION);
    const answer = plainOnly.core.handleStream('off', request!.bytes, 0);
    assert.equal(answer![0], WIRE_VERSION);
    plainOnly.core.join(['off'], 1);
    const [enveloped] = plainOnly.core.takeOutput().streams;
    assert.equal(enveloped!.bytes[0], STREAM_ENVELOPE_VERSION);
    assert.equal(off.handleStream('plain', enveloped!.bytes, 1)![0], WIRE_VERSION, 'answers in version 1');
    assert.equal(off.stats.streamsMalformed, 0);
  });
});
