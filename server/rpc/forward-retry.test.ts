// Proves when a call forwarded to the leader is tried again: always after "no leader" (nothing changed), a write
// only when its connection was never established, a read after any transport failure, never after an answer or
// an abort; and that the waits grow from rpc_hold_timeout/16, doubling, never shrinking between attempts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortError } from '../../lib/errors.js';
import { SeededRand } from '../../lib/rand.js';
import { NoLeaderError, RpcInternalError, RpcTransportError, WriteRefusedError } from './errors.js';
import { forwardBackoffMs, forwardRetryable } from './forward-retry.js';

describe('forwardRetryable', () => {
  it('retries "no leader" for writes and reads alike', () => {
    assert.equal(forwardRetryable('leader', new NoLeaderError()), true);
    assert.equal(forwardRetryable('read', new NoLeaderError()), true);
  });

  it('retries a write only when it never left: a broken connection may have applied it', () => {
    const refused = new RpcTransportError('10.0.0.1:8300', 'dial tcp: connection refused', { notDelivered: true });
    const dropped = new RpcTransportError('10.0.0.1:8300', 'connection reset by peer');
    assert.equal(forwardRetryable('leader', refused), true);
    assert.equal(forwardRetryable('leader', dropped), false);
    assert.equal(forwardRetryable('read', dropped), true);
  });

  it("never retries the leader's own answer or an abort", () => {
    for (const error of [
      new WriteRefusedError('ERR_MISSING_NODE', 'Missing node registration'),
      new RpcInternalError('leadership lost while committing log'),
      new AbortError('client went away'),
      new Error('unexpected'),
    ]) {
      assert.equal(forwardRetryable('leader', error), false, String(error));
      assert.equal(forwardRetryable('read', error), false, String(error));
    }
  });
});

describe('forwardBackoffMs', () => {
  it('waits below hold/16 first, then below a doubling bound, never less than the previous wait', () => {
    const rand = new SeededRand(3);
    for (let run = 0; run < 100; run++) {
      let previousMs = 0;
      for (let attempt = 1; attempt <= 5; attempt++) {
        const waitMs = forwardBackoffMs(7000, attempt, previousMs, rand);
        const boundMs = 437 * 2 ** (attempt - 1);
        assert.ok(
          waitMs >= previousMs && waitMs <= boundMs,
          `attempt ${attempt}: ${waitMs} not in [${previousMs}, ${boundMs}]`,
        );
        previousMs = waitMs;
      }
    }
  });

  it('waits at least a millisecond bound for a tiny hold timeout', () => {
    assert.ok(forwardBackoffMs(5, 1, 0, new SeededRand(1)) <= 1);
  });
});
