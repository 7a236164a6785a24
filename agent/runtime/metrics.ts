// The agent's metrics in a prom-client registry of its own (no global default registry: several agents may run in
// one test process). Names follow Consul's (`consul_` prefix in Prometheus, `consul.` in the JSON form).

import { Counter, Gauge, Registry } from 'prom-client';
import type { LocalState } from '../local/state.js';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly syncCount: Counter;
  readonly syncFailures: Counter;

  constructor(sources: { state: () => LocalState | null; members: () => number; healthScore: () => number }) {
    const registers = [this.registry];
    new Gauge({
      name: 'consul_agent_local_services',
      help: 'Services registered with this agent',
      registers,
      collect() {
        this.set(sources.state()?.services().length ?? 0);
      },
    });
    new Gauge({
      name: 'consul_agent_local_checks',
      help: 'Checks registered with this agent, by status',
      labelNames: ['status'],
      registers,
      collect() {
        const counts = { passing: 0, warning: 0, critical: 0 };
        for (const check of sources.state()?.checks() ?? []) counts[check.row.Status]++;
        for (const [status, value] of Object.entries(counts)) this.set({ status }, value);
      },
    });
    new Gauge({
      name: 'consul_serf_lan_members',
      help: 'Members of the LAN gossip pool',
      registers,
      collect() {
        this.set(sources.members());
      },
    });
    new Gauge({
      name: 'consul_memberlist_health_score',
      help: 'Lifeguard local health score (0 is healthy)',
      registers,
      collect() {
        this.set(sources.healthScore());
      },
    });
    this.syncCount = new Counter({ name: 'consul_agent_ae_sync', help: 'Anti-entropy sync rounds', registers });
    this.syncFailures = new Counter({
      name: 'consul_agent_ae_sync_failures',
      help: 'Anti-entropy sync rounds that failed',
      registers,
    });
  }

  prometheusText(): Promise<string> {
    return this.registry.metrics();
  }

  /** Consul's JSON shape (`/v1/agent/metrics`): gauges and counters from the registry, names dotted. */
  async consulJson(nowWallMs: number): Promise<Record<string, unknown>> {
    const metrics = await this.registry.getMetricsAsJSON();
    const gauges: Record<string, unknown>[] = [];
    const counters: Record<string, unknown>[] = [];
    for (const metric of metrics) {
      const name = metric.name.replace(/^consul_/, 'consul.').replace(/_/g, '.');
      for (const value of metric.values) {
        const labels = Object.fromEntries(Object.entries(value.labels).map(([k, v]) => [k, String(v)]));
        if (String(metric.type) === 'counter') {
          const count = value.value;
          counters.push({
            Name: name,
            Count: count,
            Rate: 0,
            Sum: count,
            Min: 1,
            Max: 1,
            Mean: 1,
            Stddev: 0,
            Labels: labels,
          });
        } else gauges.push({ Name: name, Value: value.value, Labels: labels });
      }
    }
    // Go's time.Time text for the interval start, truncated to seconds like go-metrics' inmem sink.
    const timestamp = new Date(Math.floor(nowWallMs / 10_000) * 10_000)
      .toISOString()
      .replace('.000Z', ' +0000 UTC')
      .replace('T', ' ');
    return { Timestamp: timestamp, Gauges: gauges, Points: [], Counters: counters, Samples: [] };
  }
}
