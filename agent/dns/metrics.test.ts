import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DnsCounters } from './counters.js';
import { registerDnsMetrics } from './metrics.js';

describe('DNS metrics', () => {
  it("exports the DNS interface's counters (malformed packets included) on the agent's registry", async () => {
    const registry = new Registry();
    const counters = new DnsCounters();
    registerDnsMetrics(registry, counters);
    counters.countQuery('A', 'NOERROR');
    counters.countQuery('A', 'NOERROR');
    counters.countQuery('SRV', 'NXDOMAIN');
    counters.malformedDropped += 3;
    counters.truncated++;
    counters.forwardFailed++;
    const text = await registry.metrics();
    assert.match(text, /^consul_dns_queries_total\{type="A",rcode="NOERROR"\} 2$/m);
    assert.match(text, /^consul_dns_queries_total\{type="SRV",rcode="NXDOMAIN"\} 1$/m);
    assert.match(text, /^consul_dns_dropped_total\{reason="malformed"\} 3$/m);
    assert.match(text, /^consul_dns_dropped_total\{reason="overload"\} 0$/m);
    assert.match(text, /^consul_dns_truncated_total 1$/m);
    assert.match(text, /^consul_dns_forwarded_total\{result="failed"\} 1$/m);
    // Later scrapes read the counters again: totals only grow.
    counters.malformedDropped++;
    assert.match(await registry.metrics(), /^consul_dns_dropped_total\{reason="malformed"\} 4$/m);
  });

  it('registers again over an earlier DNS interface (a restarted one) instead of throwing', async () => {
    const registry = new Registry();
    registerDnsMetrics(registry, new DnsCounters());
    const later = new DnsCounters();
    later.malformedDropped = 7;
    registerDnsMetrics(registry, later);
    assert.match(await registry.metrics(), /^consul_dns_dropped_total\{reason="malformed"\} 7$/m);
  });
});
