// Output chunking as Consul's rexecWriter: a full 4 KiB buffer is emitted at once, a partial one after 500 ms with
// no new output (each write restarts that wait), and flush() emits the rest. Driven by a ManualClock: no sleeps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import {
  defaultOutputChunkerConfig,
  OutputChunker,
  outputChunkSizeBytes,
  outputIdleFlushMs,
} from './output-chunker.js';

function chunker() {
  const clock = new ManualClock();
  const chunks: Buffer[] = [];
  const writer = new OutputChunker(clock, defaultOutputChunkerConfig, (chunk) => chunks.push(Buffer.from(chunk)));
  return { clock, chunks, writer };
}

describe('OutputChunker', () => {
  it("uses Consul's numbers: 4 KiB chunks, 500 ms idle flush", () => {
    assert.equal(outputChunkSizeBytes, 4096);
    assert.equal(outputIdleFlushMs, 500);
  });

  it('holds a partial chunk until the output has been idle for 500 ms', () => {
    const { clock, chunks, writer } = chunker();
    writer.write(Buffer.from('hi\n'));
    clock.advance(400);
    writer.write(Buffer.from('there\n'));
    clock.advance(499);
    assert.equal(chunks.length, 0, 'the second write restarted the idle wait');
    clock.advance(1);
    assert.deepEqual(chunks.map(String), ['hi\nthere\n']);
  });

  it('emits full chunks at once and keeps the remainder', () => {
    const { clock, chunks, writer } = chunker();
    writer.write(Buffer.alloc(4096 * 2 + 100, 'a'));
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [4096, 4096],
    );
    clock.advance(500);
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [4096, 4096, 100],
    );
  });

  it('fills a chunk across writes before emitting it', () => {
    const { chunks, writer } = chunker();
    writer.write(Buffer.alloc(4000, 'a'));
    writer.write(Buffer.alloc(200, 'b'));
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]?.length, 4096);
    assert.equal(chunks[0]?.subarray(4000).toString(), 'b'.repeat(96));
  });

  it('flush emits what is buffered, and nothing when empty', () => {
    const { clock, chunks, writer } = chunker();
    writer.flush();
    writer.write(Buffer.from('tail'));
    writer.flush();
    writer.flush();
    clock.advance(1_000);
    assert.deepEqual(chunks.map(String), ['tail']);
    assert.equal(clock.pendingTimerCount(), 0);
  });
});
