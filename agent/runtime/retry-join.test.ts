// Proves retry_join on a ManualClock: it retries every retry_interval (plus at most a quarter of it as jitter)
// until a join succeeds, and after retry_max failed attempts gives up through onGiveUp; with no addresses it does
// nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { settle } from '../testing/wait.js';
import { RetryJoin } from './retry-join.js';

function setup(failures: number, retryMax: number, addresses = ['10.0.0.1']) {
  const clock = new ManualClock();
  let attempts = 0;
  const gaveUp: string[] = [];
  const retry = new RetryJoin(
    {
      clock,
      rand: new SeededRand(5),
      log: silentLogger(),
      join: async () => {
        attempts++;
        if (attempts <= failures) throw new Error('no answer');
        return 1;
      },
      onGiveUp: (error) => gaveUp.push(error.message),
    },
    { addresses, retryIntervalMs: 30_000, retryMax },
  );
  return { clock, retry, gaveUp, attempts: () => attempts };
}

async function step(clock: ManualClock, deltaMs: number): Promise<void> {
  clock.advance(deltaMs);
  await settle();
}

describe('RetryJoin', () => {
  it('retries each interval until a join succeeds', async () => {
    const { clock, retry, attempts } = setup(2, 0);
    await retry.start();
    await step(clock, 0);
    assert.equal(attempts(), 1);
    await step(clock, 29_999);
    assert.equal(attempts(), 1, 'not before the interval');
    await step(clock, 30_000 * 0.25 + 1);
    assert.equal(attempts(), 2);
    await step(clock, 37_501);
    assert.equal(attempts(), 3);
    assert.equal(retry.hasJoined, true);
    await step(clock, 100_000);
    assert.equal(attempts(), 3, 'no attempts after success');
    await retry.stop();
  });

  it('gives up after retry_max attempts', async () => {
    const { clock, retry, gaveUp, attempts } = setup(10, 2);
    await retry.start();
    await step(clock, 0);
    await step(clock, 37_501);
    assert.equal(attempts(), 2);
    assert.equal(gaveUp.length, 1);
    assert.match(gaveUp[0] ?? '', /max join retry exhausted/);
    await retry.stop();
  });

  it('does nothing without addresses', async () => {
    const { clock, retry, attempts } = setup(0, 0, []);
    await retry.start();
    await step(clock, 60_000);
    assert.equal(attempts(), 0);
    await retry.stop();
  });
});
