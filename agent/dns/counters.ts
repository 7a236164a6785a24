// What the DNS interface counts (for the agent's metrics to export): answered queries by question type and rcode,
// and every packet or connection it refused to serve. Keys are bounded: unusual types are counted as OTHER.

export interface DnsCountersSnapshot {
  /** `TYPE RCODE` → count, e.g. `"A NOERROR": 12`. */
  readonly queries: Readonly<Record<string, number>>;
  readonly malformedDropped: number;
  readonly overloadDropped: number;
  readonly truncated: number;
  readonly forwarded: number;
  readonly forwardFailed: number;
  readonly tcpConnectionsRejected: number;
}

const countedTypes = new Set(['A', 'AAAA', 'ANY', 'SRV', 'TXT', 'PTR', 'SOA', 'NS', 'CNAME', 'MX', 'AXFR', 'IXFR']);

export class DnsCounters {
  private readonly queries = new Map<string, number>();
  malformedDropped = 0;
  overloadDropped = 0;
  truncated = 0;
  forwarded = 0;
  forwardFailed = 0;
  tcpConnectionsRejected = 0;

  countQuery(type: string, rcode: string): void {
    const key = `${countedTypes.has(type) ? type : 'OTHER'} ${rcode}`;
    this.queries.set(key, (this.queries.get(key) ?? 0) + 1);
  }

  snapshot(): DnsCountersSnapshot {
    return {
      queries: Object.fromEntries(this.queries),
      malformedDropped: this.malformedDropped,
      overloadDropped: this.overloadDropped,
      truncated: this.truncated,
      forwarded: this.forwarded,
      forwardFailed: this.forwardFailed,
      tcpConnectionsRejected: this.tcpConnectionsRejected,
    };
  }
}
