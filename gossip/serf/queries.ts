// The querier's side of serf queries: each pending query has a deadline, collects at most one ack and one
// response per member, and finishes when the deadline passes. Pure bookkeeping; time is an argument.

export interface QueryResult {
  readonly id: number;
  readonly name: string;
  /** Member name → response payload. */
  readonly responses: ReadonlyMap<string, Uint8Array>;
  readonly acks: ReadonlySet<string>;
}

interface PendingQuery {
  readonly id: number;
  readonly name: string;
  readonly deadlineMs: number;
  readonly responses: Map<string, Uint8Array>;
  readonly acks: Set<string>;
  /** Stop early once this many members have responded (the querier knows how many should). */
  readonly expectedResponses: number | null;
}

export class QueryTracker {
  private readonly pending = new Map<number, PendingQuery>();
  /** Responses that arrived for unknown or finished queries (late, duplicated or forged). */
  ignoredResponses = 0;

  constructor(
    private readonly pendingCountMax: number,
    private readonly responsesPerQueryMax = 65_536,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  /** Returns false when too many queries are pending (the caller refuses the new one). */
  start(id: number, name: string, deadlineMs: number, expectedResponses: number | null = null): boolean {
    if (this.pending.size >= this.pendingCountMax || this.pending.has(id)) return false;
    this.pending.set(id, { id, name, deadlineMs, responses: new Map(), acks: new Set(), expectedResponses });
    return true;
  }

  /** Records an ack or response; returns the query finished by it, if it completes the expected count. */
  record(id: number, from: string, ack: boolean, payload: Uint8Array): 'recorded' | 'ignored' | QueryResult {
    const query = this.pending.get(id);
    if (!query) {
      this.ignoredResponses++;
      return 'ignored';
    }
    const seen = ack ? query.acks : query.responses;
    if (seen.has(from) || seen.size >= this.responsesPerQueryMax) {
      this.ignoredResponses++;
      return 'ignored';
    }
    if (ack) query.acks.add(from);
    else query.responses.set(from, payload);
    if (query.expectedResponses !== null && query.responses.size >= query.expectedResponses) {
      this.pending.delete(id);
      return this.result(query);
    }
    return 'recorded';
  }

  /** Queries whose deadline has passed, now finished. */
  due(nowMs: number): QueryResult[] {
    const finished: QueryResult[] = [];
    for (const query of this.pending.values()) {
      if (nowMs >= query.deadlineMs) {
        this.pending.delete(query.id);
        finished.push(this.result(query));
      }
    }
    return finished;
  }

  nextDueMs(): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const query of this.pending.values()) next = Math.min(next, query.deadlineMs);
    return Number.isFinite(next) ? next : null;
  }

  private result(query: PendingQuery): QueryResult {
    return { id: query.id, name: query.name, responses: query.responses, acks: query.acks };
  }
}
