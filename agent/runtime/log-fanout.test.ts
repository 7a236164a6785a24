// Proves the log fan-out lets a monitor see more than the agent's log_level, as Consul's monitor does: while a
// debug subscriber is attached the logger produces debug lines, the subscriber gets them and stderr does not;
// once it leaves the logger is back at log_level. Also for pretty (text) lines and child loggers.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../lib/log.js';
import { LogFanOut } from './log-fanout.js';

function collector(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, lines };
}

describe('LogFanOut levels', () => {
  it('produces debug lines for a debug subscriber only, keeping stderr at log_level (JSON lines)', () => {
    const stderr = collector();
    const fanOut = new LogFanOut(stderr.stream);
    const log = createLogger({ level: 'info', json: true, destination: fanOut });
    const child = log.child({ module: 'agent.anti_entropy' });
    child.debug('hidden before');
    const seen: string[] = [];
    const unsubscribe = fanOut.subscribe((line) => seen.push(line), 'debug');
    assert.ok(unsubscribe);
    assert.equal(log.level, 'debug');
    child.debug('debug while monitored');
    child.info('info while monitored');
    unsubscribe();
    assert.equal(log.level, 'info');
    child.debug('hidden after');
    const messages = (lines: string[]) => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    assert.deepEqual(messages(seen), ['debug while monitored', 'info while monitored']);
    assert.deepEqual(messages(stderr.lines), ['info while monitored']);
  });

  it('an info subscriber changes nothing; a trace one lowers to trace; pretty lines are filtered too', () => {
    const stderr = collector();
    const fanOut = new LogFanOut(stderr.stream);
    const log = createLogger({ level: 'warn', destination: fanOut });
    const seen: string[] = [];
    const stopInfo = fanOut.subscribe((line) => seen.push(line), 'info');
    assert.equal(log.level, 'info');
    const stopTrace = fanOut.subscribe(() => undefined, 'trace');
    assert.equal(log.level, 'trace');
    log.info('an info line');
    log.warn('a warn line');
    stopTrace?.();
    assert.equal(log.level, 'info');
    stopInfo?.();
    assert.equal(log.level, 'warn');
    assert.equal(seen.length, 2);
    assert.equal(stderr.lines.length, 1);
    assert.match(stderr.lines[0] ?? '', /WARN.*a warn line/);
  });
});
