// Proves the coarse deadlines on a ManualClock: questions within one second share a signal, a later question gets
// a new one, and a signal fires no sooner than the timeout and no later than a second after it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { CoarseDeadlines } from './deadline.js';

describe('CoarseDeadlines', () => {
  it('shares one signal per second and fires it between the timeout and a second after', () => {
    const clock = new ManualClock();
    const deadlines = new CoarseDeadlines(clock, 5_000);
    const first = deadlines.signal();
    clock.advance(999);
    assert.equal(deadlines.signal(), first);
    clock.advance(1);
    const second = deadlines.signal();
    assert.notEqual(second, first);
    clock.advance(4_999);
    assert.equal(first.aborted, false, 'not before the timeout');
    clock.advance(1);
    assert.equal(first.aborted, true, 'within a second after it');
    assert.equal((first.reason as DOMException).name, 'TimeoutError');
    assert.equal(second.aborted, false);
  });
});
