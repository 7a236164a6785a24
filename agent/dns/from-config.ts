// Assembles the DNS interface (resolver, forwarder, handler, server, counters) from the agent's configuration:
// the one place that reads AgentConfig for DNS. Constructing does no I/O; the returned server is Startable.

import type { Registry } from 'prom-client';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { RpcClient } from '../../server/rpc/methods.js';
import type { AgentConfig } from '../config/types.js';
import { DnsCounters } from './counters.js';
import { DnsHandler } from './handler.js';
import { registerDnsMetrics } from './metrics.js';
import { parseRecursor, RecursorForwarder } from './recursor.js';
import { DnsResolver } from './resolver.js';
import { DnsServer } from './server.js';

export interface DnsInterfaceComponents {
  readonly rpc: RpcClient;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  /** The agent's metrics registry: the interface's counters are exported on it (agent/dns/metrics.ts). */
  readonly metricsRegistry?: Registry;
}

export interface DnsInterface {
  readonly server: DnsServer;
  readonly counters: DnsCounters;
}

export function createDnsInterface(components: DnsInterfaceComponents, config: AgentConfig): DnsInterface {
  const { log } = components;
  const dns = config.dnsConfig;
  const recursors = config.recursors.flatMap((text) => {
    const parsed = parseRecursor(text);
    if (parsed === null) log.warn({ recursor: text }, 'Invalid recursor address (not an IP address): ignored');
    return parsed === null ? [] : [parsed];
  });
  if (dns.useCache)
    log.warn('dns_config.use_cache is not implemented yet: DNS reads go to the servers (stale reads by default)');
  const counters = new DnsCounters();
  if (components.metricsRegistry) registerDnsMetrics(components.metricsRegistry, counters);
  const forwarder =
    recursors.length === 0
      ? null
      : new RecursorForwarder(
          { clock: components.clock, log },
          { recursors, recursorTimeoutMs: dns.recursorTimeoutMs },
        );
  const resolver = new DnsResolver(
    {
      rpc: components.rpc,
      rand: components.rand,
      clock: components.clock,
      log,
      ...(forwarder === null
        ? {}
        : { lookupExternal: (name: string) => forwarder.lookupAddress(name, components.rand.intBelow(0x1_0000)) }),
    },
    {
      domain: config.domain.toLowerCase(),
      altDomain: config.altDomain?.toLowerCase() ?? null,
      datacenter: config.datacenter,
      nodeName: config.nodeName,
      allowStale: dns.allowStale,
      maxStaleMs: dns.maxStaleMs,
      onlyPassing: dns.onlyPassing,
      aRecordLimit: dns.aRecordLimit,
      nodeTtlMs: dns.nodeTtlMs,
      serviceTtlMs: dns.serviceTtlMs,
      enableAdditionalNodeMetaTxt: dns.enableAdditionalNodeMetaTxt,
      soa: dns.soa,
      recursorsConfigured: forwarder !== null,
    },
  );
  const handler = new DnsHandler(
    { resolver, forwarder, counters, log },
    { udpAnswerLimit: dns.udpAnswerLimit, enableTruncate: dns.enableTruncate },
  );
  const server = new DnsServer({ handler, counters, log }, { addresses: config.addresses.dns, port: config.ports.dns });
  return { server, counters };
}
