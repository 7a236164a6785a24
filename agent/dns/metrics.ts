// The DNS interface's counters (DnsCounters) on the agent's Prometheus registry, read at scrape time: queries
// answered by type and rcode, packets dropped (malformed, over the in-flight bound, TCP connections refused),
// answers truncated and queries forwarded to the recursors. Consul times its DNS handlers (consul.dns.domain_query)
// but counts none of these; the names follow the agent's other consul_* counters.

import { Counter, type Registry } from 'prom-client';
import type { DnsCounters } from './counters.js';

const names = [
  'consul_dns_queries_total',
  'consul_dns_dropped_total',
  'consul_dns_truncated_total',
  'consul_dns_forwarded_total',
] as const;

/** Registers the counters of `counters` on `registry`, replacing those of an earlier DNS interface. */
export function registerDnsMetrics(registry: Registry, counters: DnsCounters): void {
  for (const name of names) registry.removeSingleMetric(name);
  const registers = [registry];
  new Counter({
    name: 'consul_dns_queries_total',
    help: 'DNS queries answered by this agent, by question type and response code',
    labelNames: ['type', 'rcode'],
    registers,
    collect() {
      this.reset();
      for (const [key, count] of Object.entries(counters.snapshot().queries)) {
        const [type = 'OTHER', rcode = ''] = key.split(' ');
        this.inc({ type, rcode }, count);
      }
    },
  });
  new Counter({
    name: 'consul_dns_dropped_total',
    help: 'DNS packets and TCP connections dropped unanswered: malformed, overload (too many in flight), tcp_connection',
    labelNames: ['reason'],
    registers,
    collect() {
      const snapshot = counters.snapshot();
      this.reset();
      this.inc({ reason: 'malformed' }, snapshot.malformedDropped);
      this.inc({ reason: 'overload' }, snapshot.overloadDropped);
      this.inc({ reason: 'tcp_connection' }, snapshot.tcpConnectionsRejected);
    },
  });
  new Counter({
    name: 'consul_dns_truncated_total',
    help: 'DNS answers cut to fit a UDP reply',
    registers,
    collect() {
      this.reset();
      this.inc(counters.snapshot().truncated);
    },
  });
  new Counter({
    name: 'consul_dns_forwarded_total',
    help: 'DNS queries for names outside the agent’s domains sent to the recursors, by result',
    labelNames: ['result'],
    registers,
    collect() {
      const snapshot = counters.snapshot();
      this.reset();
      this.inc({ result: 'answered' }, snapshot.forwarded);
      this.inc({ result: 'failed' }, snapshot.forwardFailed);
    },
  });
}
