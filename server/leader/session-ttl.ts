// Session TTL timers on the leader (Consul session_ttl.go): a session with a TTL is invalidated through Raft when
// it has not been renewed for TTL × 2 (Consul's sessionTTLMultiplier grace, so a client renewing at TTL/2 never
// races the server). Create and renew reset the session's timer; destroy clears it; on gaining leadership every
// session with a TTL is armed afresh (the new leader cannot know when the old one last saw a renewal), and on
// losing it every timer stops. While leading the timers also follow the sessions table (a restored TTL session
// is armed, a destroyed one disarmed). A failed invalidation is retried as Consul's invalidateSession retries it. Timers
// run on the injected Clock.

import type { Clock, Timer } from '../../lib/clock.js';
import { parseDuration } from '../../lib/duration.js';
import type { Logger } from '../../lib/log.js';
import { type Command, sessionCommand } from '../fsm/commands.js';
import { tableIndexKey } from '../state/indexes.js';
import type { Session } from '../state/kv-types.js';
import type { StateStore } from '../state/store.js';
import { sessionsSchema } from '../state/tables/kv.js';

/** Consul's sessionTTLMultiplier: the server waits this many TTLs before invalidating. */
export const sessionTtlMultiplier = 2;
/** Consul's maxInvalidateAttempts and invalidateRetryBase: a failed invalidation (no quorum) is retried after
 * 10 s × attempt, six attempts in all; the next leader re-arms the session anyway. */
export const invalidateAttemptsMax = 6;
export const invalidateRetryBaseMs = 10_000;

/** What endpoints call on the leader (Session.Apply create/destroy, Session.Renew). */
export interface SessionTimerControl {
  reset(session: Pick<Session, 'ID' | 'TTL'>): void;
  clear(id: string): void;
}

export interface SessionTtlDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: StateStore;
  apply(command: Command, signal: AbortSignal): Promise<unknown>;
}

export class SessionTtlTimers implements SessionTimerControl {
  private readonly timers = new Map<string, Timer>();
  private readonly attempts = new Map<string, number>();
  private controller: AbortController | null = null;
  private unwatch: () => void = () => undefined;

  constructor(private readonly deps: SessionTtlDeps) {}

  get activeCount(): number {
    return this.timers.size;
  }

  /** On gaining leadership: arm a timer for every session with a TTL. Idempotent. */
  start(): void {
    if (this.controller !== null) return;
    this.controller = new AbortController();
    for (const session of this.deps.store.table(sessionsSchema).all()) this.reset(session);
    this.followSessions();
  }

  /**
   * Keeps timers in step with the sessions table between renewals: a TTL session that appeared without
   * Session.Apply on this leader (a snapshot restore) gets a timer, and a destroyed one loses its timer.
   */
  private followSessions(): void {
    const sessions = this.deps.store.table(sessionsSchema);
    this.unwatch = this.deps.store.watch([tableIndexKey(sessionsSchema.name)], () => {
      if (this.controller === null) return;
      for (const id of [...this.timers.keys()]) if (sessions.get(id) === undefined) this.clear(id);
      for (const session of sessions.all()) if (!this.timers.has(session.ID)) this.reset(session);
      this.followSessions();
    });
  }

  /** On losing leadership or stopping: every timer stops and in-flight invalidations are aborted. */
  stop(): void {
    this.unwatch();
    this.unwatch = () => undefined;
    this.controller?.abort();
    this.controller = null;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  reset(session: Pick<Session, 'ID' | 'TTL'>): void {
    if (this.controller === null || session.TTL === '') return;
    let ttlMs: number;
    try {
      ttlMs = parseDuration(session.TTL);
    } catch {
      this.deps.log.warn({ session: session.ID, ttl: session.TTL }, 'session has an unreadable TTL; no timer');
      return;
    }
    if (ttlMs <= 0) return;
    this.arm(session.ID, ttlMs * sessionTtlMultiplier);
  }

  clear(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
    this.attempts.delete(id);
  }

  private arm(id: string, delayMs: number): void {
    this.timers.get(id)?.cancel();
    const timer = this.deps.clock.setTimer(delayMs, () => {
      if (this.timers.get(id) !== timer) return;
      this.timers.delete(id);
      void this.invalidate(id);
    });
    this.timers.set(id, timer);
  }

  /** Consul's invalidateSession: destroy through Raft; retried while this server still leads. */
  private async invalidate(id: string): Promise<void> {
    const controller = this.controller;
    if (controller === null) return;
    if (this.deps.store.table(sessionsSchema).get(id) === undefined) return;
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    try {
      await this.deps.apply(sessionCommand({ Op: 'destroy', Session: { ID: id } }), controller.signal);
      this.attempts.delete(id);
      this.deps.log.debug({ session: id }, 'session TTL expired; invalidated');
    } catch (error) {
      if (controller.signal.aborted) return;
      if (attempt >= invalidateAttemptsMax) {
        this.attempts.delete(id);
        this.deps.log.error({ err: error, session: id }, 'session TTL invalidation failed; giving up');
        return;
      }
      this.attempts.set(id, attempt);
      this.deps.log.warn({ err: error, session: id, attempt }, 'session TTL invalidation failed; retrying');
      // A renewal in the meantime armed a fresh timer: that one wins.
      if (!this.timers.has(id)) this.arm(id, invalidateRetryBaseMs * attempt);
    }
  }
}
