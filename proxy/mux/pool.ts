// The dialling side's multiplexed sessions, one per upstream endpoint: a caller's connection becomes a stream of the
// endpoint's open session when there is one, waits for the one being set up otherwise, and only the first caller
// dials. An endpoint that did not choose `lattice-mux/1` in ALPN (another proxy, an older Lattice) is dialled per
// connection for a while before it is offered the protocol again. A session with no streams is kept warm for a
// while and then closed; after a change of our leaf or the roots, sessions take no new streams and close when
// their last stream does, so new connections use the new credentials and open ones are not cut.

import type { TLSSocket } from 'node:tls';
import type { Clock, Timer } from '../../lib/clock.js';
import { MuxSession } from './session.js';
import type { MuxStream } from './stream.js';

export const MUX_POOL_DEFAULTS = {
  /** An idle session costs a socket and ~130 KiB of buffers; a minute keeps bursty callers on one handshake. */
  idleCloseMs: 60_000,
  /** How long an endpoint that spoke no mux is dialled per connection before it is asked again. */
  plainRetryMs: 60_000,
} as const;

export interface MuxPoolComponents {
  readonly clock: Clock;
}

export class MuxPool {
  private readonly sessions = new Map<string, MuxSession>();
  private readonly pending = new Map<string, Promise<MuxSession | null>>();
  private readonly plainUntilMs = new Map<string, number>();
  private readonly idleTimers = new Map<MuxSession, Timer>();
  private closed = false;

  constructor(
    private readonly components: MuxPoolComponents,
    private readonly config: { readonly idleCloseMs: number; readonly plainRetryMs: number } = MUX_POOL_DEFAULTS,
  ) {}

  /** The endpoint's session when it can take another stream. */
  ready(key: string): MuxSession | null {
    const session = this.sessions.get(key);
    return session?.hasRoom() ? session : null;
  }

  /** The session being set up to the endpoint, if a dial is in flight. */
  pendingFor(key: string): Promise<MuxSession | null> | undefined {
    return this.pending.get(key);
  }

  /** Whether a dial to the endpoint should offer the protocol. */
  shouldOffer(key: string): boolean {
    const until = this.plainUntilMs.get(key);
    if (until === undefined) return true;
    if (this.components.clock.nowMs() < until) return false;
    this.plainUntilMs.delete(key);
    return true;
  }

  /** Registers a dial in flight so that callers arriving meanwhile wait for its session instead of dialling. */
  dialling(key: string, session: Promise<MuxSession | null>): void {
    this.pending.set(key, session);
    const clear = () => {
      if (this.pending.get(key) === session) this.pending.delete(key);
    };
    session.then(clear, clear);
  }

  /** A dialled socket that chose the protocol becomes the endpoint's session. */
  adopt(key: string, socket: TLSSocket): MuxSession {
    const session = new MuxSession(socket, { role: 'dialer' });
    session.start();
    if (this.closed) {
      session.close(null);
      return session;
    }
    this.sessions.get(key)?.drain();
    this.sessions.set(key, session);
    session.onIdle(() => this.armIdleClose(session));
    session.onEnd(() => {
      this.idleTimers.get(session)?.cancel();
      this.idleTimers.delete(session);
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    return session;
  }

  /** The endpoint answered without the protocol: dial it per connection for a while. */
  markPlain(key: string): void {
    this.plainUntilMs.set(key, this.components.clock.nowMs() + this.config.plainRetryMs);
  }

  openStream(session: MuxSession): MuxStream {
    this.idleTimers.get(session)?.cancel();
    this.idleTimers.delete(session);
    return session.openStream();
  }

  /** New credentials: no new streams on sessions made with the old ones. */
  drainAll(): void {
    for (const session of this.sessions.values()) session.drain();
    this.sessions.clear();
  }

  close(): void {
    this.closed = true;
    for (const session of this.sessions.values()) session.close(null);
    this.sessions.clear();
    this.plainUntilMs.clear();
  }

  /** Sessions open to each endpoint with their stream counts, for stats. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.sessions].map(([key, session]) => [key, session.streamCount]));
  }

  private armIdleClose(session: MuxSession): void {
    this.idleTimers.get(session)?.cancel();
    this.idleTimers.set(
      session,
      this.components.clock.setTimer(this.config.idleCloseMs, () => {
        this.idleTimers.delete(session);
        if (session.streamCount === 0) session.drain();
      }),
    );
  }
}
