// Proves that ManualClock fires timers at their due time, in order, only when advanced, and that delay()
// honours abort signals.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delay, ManualClock } from './clock.js';

describe('ManualClock', () => {
  it('fires timers in due order at their due time', () => {
    const clock = new ManualClock();
    const fired: [string, number][] = [];
    clock.setTimer(30, () => fired.push(['c', clock.nowMs()]));
    clock.setTimer(10, () => fired.push(['a', clock.nowMs()]));
    clock.setTimer(10, () => fired.push(['b', clock.nowMs()]));
    clock.advance(5);
    assert.deepEqual(fired, []);
    clock.advance(100);
    assert.deepEqual(fired, [
      ['a', 10],
      ['b', 10],
      ['c', 30],
    ]);
    assert.equal(clock.nowMs(), 105);
  });
  it('fires timers armed by timers within the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimer(10, () => clock.setTimer(10, () => fired.push(clock.nowMs())));
    clock.advance(25);
    assert.deepEqual(fired, [20]);
  });
  it('does not fire cancelled timers', () => {
    const clock = new ManualClock();
    let fired = false;
    clock
      .setTimer(10, () => {
        fired = true;
      })
      .cancel();
    clock.advance(20);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimerCount(), 0);
  });
  it('resolves delay() when advanced and rejects it when aborted', async () => {
    const clock = new ManualClock();
    const done = delay(clock, 50);
    clock.advance(50);
    await done;
    const controller = new AbortController();
    const aborted = delay(clock, 50, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
  });
});
