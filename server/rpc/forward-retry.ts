// When a call forwarded to the leader may be tried again, and how long to wait first (Consul agent/consul/rpc.go
// forwardRequestToLeader, canRetry, getWaitTime). During a failover a follower still names the dead leader until
// an election decides, so a forward fails at once; retried within rpc_hold_timeout, it lands on the new leader
// instead of answering 500. Retrying must never apply a write twice: only failures that prove the call changed
// nothing are retried for writes, while reads (changing nothing anyway) are retried on any transport failure. Pure.

import type { Rand } from '../../lib/rand.js';
import { NoLeaderError, RpcTransportError } from './errors.js';
import type { MethodRoute } from './router.js';

/** Consul's structs.JitterFraction: the first wait is this fraction of rpc_hold_timeout. */
export const forwardJitterFraction = 16;

/**
 * Whether a forwarded call that failed with `error` may be sent again. No leader anywhere (the remote server's
 * answer, or ours) changed nothing; neither did a call whose connection to the leader was never established.
 * A write whose connection broke after it left may have been applied, so only a read retries that.
 */
export function forwardRetryable(route: MethodRoute, error: unknown): boolean {
  if (error instanceof NoLeaderError) return true;
  if (!(error instanceof RpcTransportError)) return false;
  return error.notDelivered || route === 'read';
}

/**
 * The wait before retry `attempt` (1, 2, ...): a random point between the previous wait and a bound that starts at
 * holdTimeoutMs / forwardJitterFraction and doubles each attempt (Consul's getWaitTime and RandomStaggerWithRange).
 */
export function forwardBackoffMs(holdTimeoutMs: number, attempt: number, previousMs: number, rand: Rand): number {
  const boundMs = Math.max(1, Math.floor(holdTimeoutMs / forwardJitterFraction)) * 2 ** Math.max(0, attempt - 1);
  const lowMs = Math.min(previousMs, boundMs);
  return lowMs + rand.float() * (boundMs - lowMs);
}
