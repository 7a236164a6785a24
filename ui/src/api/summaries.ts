// Summaries the list pages show, built from the HTTP API's own answers: each service's instances, check counts
// and mesh role from /v1/health/service/:name, and each node's check counts from /v1/health/state/any.

import { apiUrl, getJson } from './client.js';
import type { HealthCheck, HealthCounts, ServiceEntry } from './types.js';

export interface ServiceSummary {
  readonly name: string;
  readonly tags: readonly string[];
  readonly kind: string;
  readonly instances: number;
  readonly nodes: readonly string[];
  readonly counts: HealthCounts;
  /** Sidecar proxies (connect-proxy) whose destination is this service: it is in the mesh. */
  readonly proxiedBy: readonly string[];
}

function counted(entries: readonly ServiceEntry[]): HealthCounts {
  const counts: HealthCounts = { passing: 0, warning: 0, critical: 0 };
  for (const entry of entries) for (const check of entry.Checks) counts[check.Status] += 1;
  return counts;
}

export async function loadServiceSummaries(
  catalog: Readonly<Record<string, readonly string[]>>,
  signal: AbortSignal,
): Promise<ServiceSummary[]> {
  const names = Object.keys(catalog).sort();
  const entriesByName = new Map<string, readonly ServiceEntry[]>();
  await Promise.all(
    names.map(async (name) => {
      const path = apiUrl(`/v1/health/service/${encodeURIComponent(name)}`);
      entriesByName.set(name, await getJson<ServiceEntry[]>(path, signal));
    }),
  );
  const proxiedBy = new Map<string, string[]>();
  for (const [name, entries] of entriesByName)
    for (const { Service } of entries) {
      const destination = Service.Kind === 'connect-proxy' ? Service.Proxy?.DestinationServiceName : undefined;
      if (destination && !proxiedBy.get(destination)?.includes(name))
        proxiedBy.set(destination, [...(proxiedBy.get(destination) ?? []), name]);
    }
  return names.map((name) => {
    const entries = entriesByName.get(name) ?? [];
    return {
      name,
      tags: catalog[name] ?? [],
      kind: entries[0]?.Service.Kind ?? '',
      instances: entries.length,
      nodes: [...new Set(entries.map((entry) => entry.Node.Node))],
      counts: counted(entries),
      proxiedBy: proxiedBy.get(name) ?? [],
    };
  });
}

/** Checks grouped by node name (node checks and the checks of every instance on it). */
export function checksByNode(checks: readonly HealthCheck[]): Map<string, HealthCheck[]> {
  const byNode = new Map<string, HealthCheck[]>();
  for (const check of checks) byNode.set(check.Node, [...(byNode.get(check.Node) ?? []), check]);
  return byNode;
}
