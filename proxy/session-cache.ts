// TLS sessions to resume, one per upstream endpoint, bounded: the least recently stored is dropped past the limit.
// Each session remembers the peer identity verified on the connection that produced it, because a resumed
// handshake carries no certificate chain Node can show (the serialized session keeps none). Cleared whenever our
// leaf or the roots change so that a resumed session never outlives the trust it was verified under.

export interface CachedSession {
  readonly session: Buffer;
  /** The service the peer's certificate named when it was verified. */
  readonly service: string;
  /** The verified leaf's notAfter: the session is not resumed past it. */
  readonly peerNotAfterMs: number;
}

export class SessionCache {
  private readonly sessions = new Map<string, CachedSession>();

  constructor(private readonly capacity: number) {}

  get(key: string): CachedSession | undefined {
    return this.sessions.get(key);
  }

  set(key: string, session: CachedSession): void {
    this.sessions.delete(key);
    this.sessions.set(key, session);
    if (this.sessions.size > this.capacity) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
  }

  delete(key: string): void {
    this.sessions.delete(key);
  }

  clear(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }
}
