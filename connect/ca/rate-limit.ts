// The server-side admission decision for leaf signing, as Consul's CSR limits: a token bucket of csrMaxPerSecond
// (0 = unlimited), or, when csrMaxConcurrent > 0, a cap on signings in flight instead. Pure: the caller holds the
// state and passes the time in, so a root rotation's burst of re-issues can be replayed in a test.

import { assert } from '../../lib/assert.js';

export interface CsrLimitConfig {
  readonly csrMaxPerSecond: number;
  readonly csrMaxConcurrent: number;
}

export interface CsrLimiterState {
  readonly tokens: number;
  readonly refilledAtMs: number;
  readonly inFlight: number;
}

export type CsrAdmission =
  | { readonly admitted: true; readonly state: CsrLimiterState }
  | { readonly admitted: false; readonly state: CsrLimiterState; readonly retryAfterMs: number };

/** Consul answers a refused CSR with this error text, and agents retry it with backoff. */
export const CSR_RATE_LIMITED_MESSAGE = 'Rate limit reached, try again later';

/** The bucket holds one second of tokens: a burst of csrMaxPerSecond, then the steady rate. */
export function csrBurst(config: CsrLimitConfig): number {
  return Math.max(1, Math.ceil(config.csrMaxPerSecond));
}

export function initialCsrLimiterState(config: CsrLimitConfig, nowMs: number): CsrLimiterState {
  return { tokens: csrBurst(config), refilledAtMs: nowMs, inFlight: 0 };
}

/** Decides one CSR at nowMs; an admitted CSR must later be passed to releaseCsr, whatever its outcome. */
export function admitCsr(state: CsrLimiterState, config: CsrLimitConfig, nowMs: number): CsrAdmission {
  assert(state.inFlight >= 0, 'in-flight CSR count went negative');
  if (config.csrMaxConcurrent > 0) {
    if (state.inFlight >= config.csrMaxConcurrent) {
      // No time-based answer exists for a slot; suggest the next second, as Consul's agents back off.
      return { admitted: false, state, retryAfterMs: 1_000 };
    }
    return { admitted: true, state: { ...state, inFlight: state.inFlight + 1 } };
  }
  if (config.csrMaxPerSecond <= 0) return { admitted: true, state: { ...state, inFlight: state.inFlight + 1 } };
  const elapsedMs = Math.max(0, nowMs - state.refilledAtMs);
  const tokens = Math.min(csrBurst(config), state.tokens + (elapsedMs * config.csrMaxPerSecond) / 1_000);
  const refilledAtMs = Math.max(state.refilledAtMs, nowMs);
  if (tokens >= 1) {
    return { admitted: true, state: { tokens: tokens - 1, refilledAtMs, inFlight: state.inFlight + 1 } };
  }
  const retryAfterMs = Math.ceil(((1 - tokens) * 1_000) / config.csrMaxPerSecond);
  return { admitted: false, state: { ...state, tokens, refilledAtMs }, retryAfterMs };
}

export function releaseCsr(state: CsrLimiterState): CsrLimiterState {
  assert(state.inFlight > 0, 'released a CSR that was never admitted');
  return { ...state, inFlight: state.inFlight - 1 };
}
