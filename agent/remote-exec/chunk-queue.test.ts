// The chunk queue between a command and its uploads: chunks come out in order, a quiet period shows as `quiet`,
// the end as `end`; a full queue asks to pause the pipes and a drained one to resume; discard() drops everything.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { ChunkQueue, chunkQueueCapacity } from './chunk-queue.js';

describe('ChunkQueue', () => {
  it('hands over queued chunks in order, then the end', async () => {
    const queue = new ChunkQueue(new ManualClock(), () => undefined);
    queue.push(Buffer.from('a'));
    queue.push(Buffer.from('b'));
    queue.end();
    assert.deepEqual(await queue.take(1_000), { kind: 'chunk', chunk: Buffer.from('a') });
    assert.deepEqual(await queue.take(1_000), { kind: 'chunk', chunk: Buffer.from('b') });
    assert.deepEqual(await queue.take(1_000), { kind: 'end' });
  });

  it('answers quiet after the wait, and a waiting taker gets the next chunk', async () => {
    const clock = new ManualClock();
    const queue = new ChunkQueue(clock, () => undefined);
    const quiet = queue.take(2_000);
    clock.advance(2_000);
    assert.deepEqual(await quiet, { kind: 'quiet' });
    const next = queue.take(2_000);
    queue.push(Buffer.from('x'));
    assert.deepEqual(await next, { kind: 'chunk', chunk: Buffer.from('x') });
    assert.equal(clock.pendingTimerCount(), 0, 'the quiet timer was cancelled');
  });

  it('asks to pause when full and to resume once a chunk is taken', async () => {
    const pressure: boolean[] = [];
    const queue = new ChunkQueue(new ManualClock(), (full) => pressure.push(full));
    for (let position = 0; position < chunkQueueCapacity; position++) queue.push(Buffer.from([position]));
    assert.deepEqual(pressure, [true]);
    await queue.take(1_000);
    assert.deepEqual(pressure, [true, false]);
  });

  it('drops everything after discard and releases a paused producer', async () => {
    const pressure: boolean[] = [];
    const queue = new ChunkQueue(new ManualClock(), (full) => pressure.push(full));
    for (let position = 0; position < chunkQueueCapacity; position++) queue.push(Buffer.from([position]));
    queue.discard();
    queue.push(Buffer.from('late'));
    queue.end();
    assert.deepEqual(pressure, [true, false]);
    assert.deepEqual(await queue.take(1_000), { kind: 'end' });
  });
});
