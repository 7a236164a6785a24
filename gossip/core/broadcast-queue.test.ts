// Proves the broadcast queue's contract: the retransmit limit formula by pool size, fewest-sent-first packing
// within a byte budget, a message never twice in one packet, invalidation of older news about the same member,
// user payloads with their own limits, and a bound that sheds the most-sent messages first.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue.js';

function frame(tag: number, size = 10): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes[0] = tag;
  return bytes;
}

function takeFrames(queue: BroadcastQueue, bytesAvailable: number, limit: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  queue.take({ add: (source, start, end) => frames.push(source.slice(start, end)) }, bytesAvailable, limit);
  return frames;
}

function takeTags(queue: BroadcastQueue, bytesAvailable: number, limit: number): number[] {
  return takeFrames(queue, bytesAvailable, limit).map((bytes) => bytes[0]!);
}

describe('retransmitLimit', () => {
  const table: [mult: number, n: number, expected: number][] = [
    [3, 0, 0], // memberlist TestRetransmitLimit
    [3, 1, 3],
    [3, 9, 3],
    [3, 10, 6],
    [3, 99, 6],
    [3, 100, 9],
    [4, 999, 12],
    [4, 1_000, 16], // log10(1001) just above 3
    [2, 50, 4],
  ];
  for (const [mult, n, expected] of table) {
    it(`mult ${mult}, n ${n} → ${expected}`, () => assert.equal(retransmitLimit(mult, n), expected));
  }
});

describe('BroadcastQueue', () => {
  it('sends each message up to the limit, fewest-sent first, newest first among equals', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', frame(1));
    queue.enqueue('b', frame(2));
    assert.deepEqual(takeTags(queue, 1_000, 2), [2, 1]);
    queue.enqueue('c', frame(3));
    assert.deepEqual(takeTags(queue, 15, 2), [3], 'the unsent message goes first; only one fits');
    assert.deepEqual(takeTags(queue, 1_000, 2), [3, 2, 1], 'all sent once now: newest first');
    assert.equal(queue.size, 0, 'each reached the limit of 2');
    assert.deepEqual(takeTags(queue, 1_000, 2), []);
  });

  it('never puts one message twice in a packet', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', frame(1));
    assert.deepEqual(takeTags(queue, 1_000, 5), [1]);
  });

  it('replaces older news about the same member', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', frame(1));
    queue.enqueue('b', frame(2));
    queue.enqueue('a', frame(3));
    assert.equal(queue.size, 2);
    assert.deepEqual(takeTags(queue, 1_000, 3), [3, 2]);
    assert.equal(queue.transmitsFor('a'), 1);
    assert.equal(queue.transmitsFor('zzz'), null);
  });

  it('never replaces user payloads and honours their own limit', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue(null, frame(1), 1);
    queue.enqueue(null, frame(2), 3);
    assert.deepEqual(takeTags(queue, 1_000, 10), [2, 1]);
    assert.deepEqual(takeTags(queue, 1_000, 10), [2]);
    assert.deepEqual(takeTags(queue, 1_000, 10), [2]);
    assert.deepEqual(takeTags(queue, 1_000, 10), []);
  });

  it('skips a message too big for the space left and packs smaller ones', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('small', frame(1, 10));
    queue.enqueue('big', frame(2, 100));
    assert.deepEqual(takeTags(queue, 50, 5), [1]);
    assert.deepEqual(takeTags(queue, 200, 5), [2, 1]);
  });

  it('is bounded: past capacity it sheds the most-sent message and counts it', () => {
    const queue = new BroadcastQueue(3);
    queue.enqueue('a', frame(1));
    takeTags(queue, 1_000, 10); // a sent once
    queue.enqueue('b', frame(2));
    queue.enqueue('c', frame(3));
    queue.enqueue('d', frame(4));
    assert.equal(queue.size, 3);
    assert.equal(queue.dropped, 1);
    assert.equal(queue.has('a'), false, 'the most-sent message went first');
    assert.deepEqual(takeTags(queue, 1_000, 10).sort(), [2, 3, 4]);
  });

  it('stays bounded in memory under a flood of replacements', () => {
    const queue = new BroadcastQueue(8);
    for (let round = 0; round < 10_000; round++) queue.enqueue(`m${round % 4}`, frame(round % 256));
    assert.equal(queue.size, 4);
    assert.equal(takeTags(queue, 10_000, 3).length, 4);
  });

  it('hands out each frame byte for byte while its arena grows, compacts and starts over', () => {
    const queue = new BroadcastQueue(10_000);
    const sent = new Map<string, Uint8Array>();
    for (let round = 0; round < 3_000; round++) {
      const bytes = frame(round % 256, 4 + (round % 37));
      bytes[bytes.length - 1] = round % 251;
      queue.enqueue(`m${round % 500}`, bytes);
      sent.set(`${bytes[0]}/${bytes.length}/${bytes[bytes.length - 1]}`, bytes);
      if (round % 7 === 0) takeFrames(queue, 200, 2); // some finish, leaving holes the arena compacts away
    }
    let taken = takeFrames(queue, 1_000_000, 100);
    assert.equal(taken.length, queue.size);
    for (const bytes of taken) {
      const key = `${bytes[0]}/${bytes.length}/${bytes[bytes.length - 1]}`;
      assert.deepEqual(bytes, sent.get(key), `frame ${key} came back unchanged`);
    }
    while (queue.size > 0) takeFrames(queue, 1_000_000, 100);
    queue.enqueue('again', frame(9, 12));
    taken = takeFrames(queue, 100, 1);
    assert.deepEqual(taken, [frame(9, 12)], 'a drained queue starts a fresh arena');
  });
});
