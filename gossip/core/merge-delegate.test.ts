// Proves the core's merge-delegate hook and its wire answer: a refused push-pull request is answered
// `push-pull-refused` with the reason (cut to 1,024 UTF-8 bytes on a character boundary) and merges nothing; the
// requester's join result carries the reason; a refused alive packet is ignored and counted; the refusal decodes
// strictly (trailing bytes, bad UTF-8).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { LAN } from './config.js';
import { GossipCore } from './core.js';
import { decodeStream } from './decode.js';
import { encodePacket, encodeStream } from './encode.js';
import { GossipDecodeError, REFUSAL_SIZE_BYTES_MAX } from './messages.js';
import type { MergeDelegate } from './types.js';

const refuseNamed =
  (refused: string): MergeDelegate =>
  (members) =>
    members.some((member) => member.name === refused) ? `Member '${refused}' is not welcome` : null;

function core(name: string, seed: number, mergeDelegate?: MergeDelegate): GossipCore {
  return new GossipCore(LAN, {
    rand: new SeededRand(seed),
    nowMs: 0,
    self: { name, address: name },
    ...(mergeDelegate ? { mergeDelegate } : {}),
  });
}

describe('gossip core merge delegate', () => {
  it('answers a refused push-pull with the reason, merges nothing, and fails the join with it', () => {
    const seed = core('seed', 1, refuseNamed('joiner'));
    const joiner = core('joiner', 2);
    seed.takeOutput();
    joiner.takeOutput();
    joiner.join(['seed'], 0);
    const [request] = joiner.takeOutput().streams;
    assert.ok(request);
    const answer = seed.handleStream('joiner', request.bytes, 0);
    assert.ok(answer);
    assert.deepEqual(decodeStream(answer, LAN.streamSizeBytesMax), {
      type: 'push-pull-refused',
      reason: "Member 'joiner' is not welcome",
    });
    joiner.handleStreamResponse(request.id, answer, 0);
    assert.deepEqual(joiner.takeOutput().joinResults, [
      { seed: 'seed', ok: false, refusal: "Member 'joiner' is not welcome" },
    ]);
    assert.deepEqual(
      seed.members().map((member) => member.name),
      ['seed'],
    );
    assert.deepEqual(
      joiner.members().map((member) => member.name),
      ['joiner'],
    );
    assert.equal(seed.stats.pushPullsRefused, 1);
  });

  it('a joiner refusing the answer merges nothing and reports its own reason', () => {
    const seed = core('seed', 3);
    const joiner = core('joiner', 4, refuseNamed('seed'));
    joiner.takeOutput();
    joiner.join(['seed'], 0);
    const [request] = joiner.takeOutput().streams;
    assert.ok(request);
    joiner.handleStreamResponse(request.id, seed.handleStream('joiner', request.bytes, 0), 0);
    assert.deepEqual(joiner.takeOutput().joinResults, [
      { seed: 'seed', ok: false, refusal: "Member 'seed' is not welcome" },
    ]);
    assert.deepEqual(
      joiner.members().map((member) => member.name),
      ['joiner'],
    );
    assert.equal(joiner.stats.pushPullsRefused, 1);
  });

  it('ignores a refused alive packet and counts it; accepts others', () => {
    const node = core('node', 5, refuseNamed('intruder'));
    node.takeOutput();
    const alive = (name: string) =>
      encodePacket([{ type: 'alive', incarnation: 1, node: name, address: `${name}:1`, meta: new Uint8Array(0) }]);
    node.handlePacket('peer', alive('intruder'), 0);
    node.handlePacket('peer', alive('friend'), 0);
    assert.deepEqual(
      node
        .members()
        .map((member) => member.name)
        .sort(),
      ['friend', 'node'],
    );
    assert.equal(node.stats.alivesRefused, 1);
  });

  it('judges an alive only when it carries news: repeats of a held incarnation skip the delegate', () => {
    const judged: string[] = [];
    const node = core('node', 6, (members) => {
      judged.push(...members.map((member) => member.name));
      return null;
    });
    node.takeOutput();
    const alive = (incarnation: number) =>
      encodePacket([{ type: 'alive', incarnation, node: 'friend', address: 'friend:1', meta: new Uint8Array(0) }]);
    node.handlePacket('peer', alive(1), 0);
    node.handlePacket('peer', alive(1), 0);
    node.handlePacket('peer', alive(1), 0);
    assert.deepEqual(judged, ['friend']);
    node.handlePacket('peer', alive(2), 0);
    assert.deepEqual(judged, ['friend', 'friend']);
  });

  it('cuts a long reason on a character boundary and decodes the refusal strictly', () => {
    const reason = `Member '${'é'.repeat(REFUSAL_SIZE_BYTES_MAX)}'`;
    const decoded = decodeStream(encodeStream({ type: 'push-pull-refused', reason }), LAN.streamSizeBytesMax);
    assert.equal(decoded.type, 'push-pull-refused');
    const cut = decoded.type === 'push-pull-refused' ? decoded.reason : '';
    assert.ok(reason.startsWith(cut));
    assert.ok(new TextEncoder().encode(cut).length <= REFUSAL_SIZE_BYTES_MAX);
    assert.ok(new TextEncoder().encode(cut).length >= REFUSAL_SIZE_BYTES_MAX - 1);
    const bytes = encodeStream({ type: 'push-pull-refused', reason: 'no' });
    assert.throws(() => decodeStream(Buffer.concat([bytes, Buffer.from([0])]), 65_536), GossipDecodeError);
    const badUtf8 = Buffer.from(bytes);
    badUtf8[4] = 0xff;
    assert.throws(() => decodeStream(badUtf8, 65_536), GossipDecodeError);
  });

  it('a refusal sent as a request is ignored (closed unanswered)', () => {
    const node = core('node', 6);
    assert.equal(node.handleStream('peer', encodeStream({ type: 'push-pull-refused', reason: 'x' }), 0), null);
    assert.equal(node.stats.messagesIgnored, 1);
  });
});
