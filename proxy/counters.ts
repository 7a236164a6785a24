// Per-connection counters and their per-listener totals: what metrics and access logs read. Bytes are taken from
// the plaintext socket's own counters when a connection ends, so the relay adds no work per chunk.

export type ConnectionResult =
  | 'ok'
  | 'denied'
  | 'revoked'
  | 'peer_rejected'
  | 'limit'
  | 'connect_timeout'
  | 'connect_failed'
  | 'no_endpoint'
  | 'no_credentials'
  | 'idle_timeout'
  | 'stream_error'
  | 'shutdown'
  | 'error';

export interface ConnectionCounters {
  readonly startedMs: number;
  /** Bytes from the caller towards the destination, on the plaintext side. */
  bytesIn: number;
  /** Bytes from the destination back to the caller, on the plaintext side. */
  bytesOut: number;
  durationMs: number | null;
  result: ConnectionResult | null;
  /** Why it ended when not `ok`: the error code, and for a deny the intention's reason. */
  reason: string | null;
}

export function newCounters(startedMs: number): ConnectionCounters {
  return { startedMs, bytesIn: 0, bytesOut: 0, durationMs: null, result: null, reason: null };
}

export interface ListenerStatsSnapshot {
  readonly accepted: number;
  readonly active: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly results: Readonly<Partial<Record<ConnectionResult, number>>>;
  /** TLS handshakes that failed before a connection existed (inbound only). */
  readonly handshakeFailures: number;
}

export class ListenerStats {
  accepted = 0;
  active = 0;
  bytesIn = 0;
  bytesOut = 0;
  handshakeFailures = 0;
  private readonly results: Partial<Record<ConnectionResult, number>> = {};

  opened(): void {
    this.accepted += 1;
    this.active += 1;
  }

  /** An accepted connection turned out to be a multiplexed session: its streams are counted instead. */
  carrying(): void {
    this.accepted -= 1;
    this.active -= 1;
  }

  /** A connection Node refused at accept because the listener was full: counted as a limit result. */
  dropped(): void {
    this.results.limit = (this.results.limit ?? 0) + 1;
  }

  closed(counters: ConnectionCounters): void {
    this.active -= 1;
    this.bytesIn += counters.bytesIn;
    this.bytesOut += counters.bytesOut;
    const result = counters.result ?? 'error';
    this.results[result] = (this.results[result] ?? 0) + 1;
  }

  snapshot(): ListenerStatsSnapshot {
    return {
      accepted: this.accepted,
      active: this.active,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      results: { ...this.results },
      handshakeFailures: this.handshakeFailures,
    };
  }
}

/** Adds listener snapshots together, for a service or a whole manager. */
export function sumStats(snapshots: readonly ListenerStatsSnapshot[]): ListenerStatsSnapshot {
  const results: Partial<Record<ConnectionResult, number>> = {};
  let accepted = 0;
  let active = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let handshakeFailures = 0;
  for (const snapshot of snapshots) {
    accepted += snapshot.accepted;
    active += snapshot.active;
    bytesIn += snapshot.bytesIn;
    bytesOut += snapshot.bytesOut;
    handshakeFailures += snapshot.handshakeFailures;
    for (const [result, count] of Object.entries(snapshot.results) as [ConnectionResult, number][]) {
      results[result] = (results[result] ?? 0) + count;
    }
  }
  return { accepted, active, bytesIn, bytesOut, results, handshakeFailures };
}
