// A blocking watch on one agent endpoint, as Consul's clients run them: the first read answers at once, every next
// read passes the last X-Consul-Index (or X-Consul-ContentHash for /v1/agent/service/:id) with `?wait=` and
// returns when something changed or the wait ends; only changed answers reach the caller. Failures are retried
// with full-jitter backoff (lib/backoff) until the signal aborts; an index that goes backwards restarts the watch.

import { Backoff } from '../../lib/backoff.js';
import type { Clock } from '../../lib/clock.js';
import { delay } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import { type AgentAnswer, type AgentHttpTarget, agentRequest } from './agent-http.js';

export interface HttpWatchComponents {
  readonly target: AgentHttpTarget;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
}

export interface HttpWatchInit<T> {
  /** Names the watch in log lines (`leaf for web`). */
  readonly what: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** `index` for catalog, health and Connect reads; `hash` for /v1/agent/service/:id. */
  readonly mode: 'index' | 'hash';
  /** Statuses delivered as answers with a null value (404: the service is not registered yet); retried with backoff. */
  readonly accept?: readonly number[];
  readonly waitMs?: number;
  readonly signal: AbortSignal;
  /** Every changed answer, in order; a throw is logged and the watch goes on. */
  onAnswer(answer: AgentAnswer<T | null>): void;
}

/** Blocking reads wait this long; shorter than Consul's 5 min default so a half-dead TCP connection is noticed. */
export const watchWaitMsDefault = 60_000;
/** Retry bounds for a failing agent: quick at first (an agent restart), at most every 10 s after. */
export const watchRetry = { baseDelayMs: 200, delayMsMax: 10_000 };

/** Runs until `init.signal` aborts; resolves then (never rejects). */
export async function watchAgentEndpoint<T>(components: HttpWatchComponents, init: HttpWatchInit<T>): Promise<void> {
  const { target, clock, rand, log } = components;
  const waitMs = init.waitMs ?? watchWaitMsDefault;
  const backoff = new Backoff(watchRetry, rand);
  const signal = init.signal;
  let index = 0;
  let hash = '';
  let delivered = false;
  const pause = () => delay(clock, backoff.next(), signal).catch(() => undefined);
  while (!signal.aborted) {
    const query: Record<string, string> = { ...init.query };
    const blocking = init.mode === 'index' ? index > 0 : hash !== '';
    if (blocking) {
      if (init.mode === 'index') query['index'] = String(index);
      else query['hash'] = hash;
      query['wait'] = `${Math.ceil(waitMs / 1000)}s`;
    }
    let answer: AgentAnswer<T | null>;
    try {
      // The agent adds up to wait/16 of jitter to a blocking wait; the slack covers it and a slow answer.
      answer = await agentRequest<T>(target, {
        path: init.path,
        query,
        ...(init.accept ? { accept: init.accept } : {}),
        signal,
        timeoutMs: waitMs + waitMs / 16 + 10_000,
      });
    } catch (error) {
      if (signal.aborted) return;
      const level = backoff.attempts() === 0 ? 'warn' : 'debug';
      log[level]({ watch: init.what, err: (error as Error).message }, 'agent watch failed; retrying');
      await pause();
      continue;
    }
    const changed =
      !delivered || (init.mode === 'index' ? answer.index !== index : answer.contentHash !== hash) || !answer.value;
    if (init.mode === 'index') {
      // Consul's rules for clients: an index that goes backwards resets the watch, and it is never below 1.
      index = answer.index < index ? 0 : answer.index;
      if (index < 1) index = 1;
    } else hash = answer.contentHash;
    if (changed) {
      delivered = true;
      try {
        init.onAnswer(answer);
      } catch (error) {
        log.warn({ watch: init.what, err: error }, 'a watch listener threw');
      }
    }
    if (answer.value === null) {
      // Absent (an accepted 404): nothing to block on, so ask again after a backoff instead of in a tight loop.
      hash = '';
      await pause();
    } else backoff.reset();
  }
}
