// Alias check (Consul agent/checks/alias.go): mirrors the health of another service (or node). The status is
// the worst of that service's checks and its node's checks; a service that is not registered is critical.

import type { HealthCheck } from '../../server/state/types.js';
import type { CheckResult } from './types.js';

type AliasedCheck = Pick<HealthCheck, 'Node' | 'CheckID' | 'Name' | 'Status' | 'Output' | 'ServiceID'>;

export interface AliasTarget {
  /** Empty: any node (the checks given are already this node's). */
  readonly node: string;
  /** Empty: the node's health alone. */
  readonly serviceId: string;
}

/** Consul's processChecks: critical wins at once, warnings keep looking for a critical. */
export function aliasResult(
  target: AliasTarget,
  checks: readonly AliasedCheck[],
  serviceRegistered: boolean,
  selfCheckId: string,
): CheckResult {
  let status: CheckResult['status'] = 'passing';
  let output = 'No checks found.';
  let serviceFound = false;
  for (const check of checks) {
    if (check.CheckID === selfCheckId) continue;
    if (target.node !== '' && check.Node.toLowerCase() !== target.node.toLowerCase()) continue;
    const serviceMatch = target.serviceId !== '' && check.ServiceID === target.serviceId;
    if (check.ServiceID !== '' && !serviceMatch) continue;
    if (serviceMatch) serviceFound = true;
    if (check.Status === 'critical' || check.Status === 'warning') {
      status = check.Status;
      output = `Aliased check "${check.Name}" failing: ${check.Output}`;
      if (check.Status === 'critical') break;
    } else if (status === 'passing') output = 'All checks passing.';
  }
  if (!serviceFound && target.serviceId !== '' && !serviceRegistered) {
    return {
      status: 'critical',
      output: `Service ${target.serviceId} could not be found on node ${target.node || 'the local agent'}`,
    };
  }
  return { status, output };
}
