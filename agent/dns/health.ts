// Which service instances the DNS interface shows, and the SRV weight of each (Consul's CheckServiceNodes.Filter and
// findWeight): an instance with any critical check (node or service, maintenance included) is left out; with
// only_passing a warning one is too. Pure.

import type { HealthStatus, ServiceEntry } from '../../server/state/types.js';

export function healthyEntries(entries: readonly ServiceEntry[], onlyPassing: boolean): ServiceEntry[] {
  return entries.filter((entry) =>
    entry.Checks.every((check) => check.Status === 'passing' || (!onlyPassing && check.Status === 'warning')),
  );
}

/** The worst status among the node's checks and the instance's own ones (its service name, or node-level ""). */
export function aggregateStatus(entry: ServiceEntry): HealthStatus {
  let status: HealthStatus = 'passing';
  for (const check of entry.Checks) {
    if (check.ServiceName !== '' && check.ServiceName !== entry.Service.Service) continue;
    if (check.Status === 'critical') return 'critical';
    if (check.Status === 'warning') status = 'warning';
  }
  return status;
}

/** `Weights.Passing`, or `Weights.Warning` for a warning instance; 1 when the service has no weights. */
export function srvWeight(entry: ServiceEntry): number {
  const weights = entry.Service.Weights ?? { Passing: 1, Warning: 1 };
  switch (aggregateStatus(entry)) {
    case 'passing':
      return weights.Passing;
    case 'warning':
      return weights.Warning;
    default:
      return 0; // filtered out before this is asked
  }
}
