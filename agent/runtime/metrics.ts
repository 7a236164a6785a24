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

  /**
   * Consul's JSON shape (`/v1/agent/metrics`), names dotted. Prometheus keeps running totals, not go-metrics' 10 s
   * intervals: counters report their total as Count and Sum, histograms their count, sum and mean (seconds shown
   * as milliseconds, Consul's unit for timings). Min, Max and Stddev are not tracked, so they are left out rather
   * than invented (Go clients read them as zero).
   */
  async consulJson(nowWallMs: number): Promise<Record<string, unknown>> {
    const metrics = await this.registry.getMetricsAsJSON();
    const gauges: Record<string, unknown>[] = [];
    const counters: Record<string, unknown>[] = [];
    const samples: Record<string, unknown>[] = [];
    for (const metric of metrics) {
      const seconds = metric.name.endsWith('_seconds');
      const name = metric.name
        .replace(/_seconds$/, '')
        .replace(/^consul_/, 'consul.')
        .replace(/_/g, '.');
      const type = String(metric.type);
      if (type === 'histogram') {
        const byLabels = new Map<string, { count: number; sum: number; labels: Record<string, string> }>();
        for (const value of metric.values) {
          const { le: _bucket, ...rest } = value.labels;
          const labels = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
          const key = JSON.stringify(labels);
          const entry = byLabels.get(key) ?? { count: 0, sum: 0, labels };
          const part = (value as { metricName?: string }).metricName ?? '';
          if (part.endsWith('_count')) entry.count = value.value;
          else if (part.endsWith('_sum')) entry.sum = value.value * (seconds ? 1000 : 1);
          byLabels.set(key, entry);
        }
        for (const { count, sum, labels } of byLabels.values())
          samples.push({ Name: name, Count: count, Sum: sum, Mean: count === 0 ? 0 : sum / count, Labels: labels });
        continue;
      }
      for (const value of metric.values) {
        const labels = Object.fromEntries(Object.entries(value.labels).map(([k, v]) => [k, String(v)]));
        if (type === 'counter') counters.push({ Name: name, Count: value.value, Sum: value.value, Labels: labels });
        else gauges.push({ Name: name, Value: value.value, Labels: labels });
      }
    }
    // Go's time.Time text for the interval start, truncated to seconds like go-metrics' inmem sink.
    const timestamp = new Date(Math.floor(nowWallMs / 10_000) * 10_000)
      .toISOString()
      .replace('.000Z', ' +0000 UTC')
      .replace('T', ' ');
    return { Timestamp: timestamp, Gauges: gauges, Points: [], Counters: counters, Samples: samples };
  }
}
