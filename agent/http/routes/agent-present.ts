// How local services and checks look on /v1/agent/*: Consul's AgentService (omitempty fields left out, Tags and
// Meta never null, Datacenter set) and HealthCheck (indexes 0: the agent's copy is not a catalog row), plus the
// aggregated health rules of the agent health endpoints and Go client (maintenance > critical > warning > passing).

import { createHash } from 'node:crypto';
import { compileFilter, type FieldSchema, FilterError } from '../../../server/filter/index.js';
import type { LocalCheckRow, LocalServiceRow } from '../../local/types.js';
import { nodeMaintenanceCheckId, serviceMaintenanceCheckPrefix } from '../../local/types.js';
import { BadRequestError } from '../errors.js';

export function presentAgentService(row: LocalServiceRow, datacenter: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: row.ID,
    Service: row.Service,
    Tags: [...(row.Tags ?? [])],
    Meta: { ...(row.Meta ?? {}) },
    Port: row.Port,
    Address: row.Address,
    Weights: row.Weights,
    EnableTagOverride: row.EnableTagOverride,
    Datacenter: datacenter,
  };
  if (row.Kind) out['Kind'] = row.Kind;
  if (row.TaggedAddresses && Object.keys(row.TaggedAddresses).length > 0) out['TaggedAddresses'] = row.TaggedAddresses;
  if (row.SocketPath) out['SocketPath'] = row.SocketPath;
  if (row.Proxy) out['Proxy'] = row.Proxy;
  if (row.Connect) out['Connect'] = row.Connect;
  return out;
}

export function presentAgentCheck(row: LocalCheckRow): Record<string, unknown> {
  return { ...row, ServiceTags: [...(row.ServiceTags ?? [])], CreateIndex: 0, ModifyIndex: 0 };
}

/** A stable hash of what a client sees, for `?hash=` blocking (Consul hashes the service struct). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

export type AggregatedStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

export function aggregateStatus(checks: readonly LocalCheckRow[]): AggregatedStatus {
  let status: AggregatedStatus = 'passing';
  for (const check of checks) {
    if (check.CheckID === nodeMaintenanceCheckId || check.CheckID.startsWith(serviceMaintenanceCheckPrefix))
      return 'maintenance';
    if (check.Status === 'critical') status = 'critical';
    else if (check.Status === 'warning' && status === 'passing') status = 'warning';
  }
  return status;
}

/** Consul's status codes on /v1/agent/health/service/*: 200 passing, 429 warning, 503 critical or maintenance. */
export function statusCodeFor(status: AggregatedStatus): number {
  return status === 'passing' ? 200 : status === 'warning' ? 429 : 503;
}

/** `?filter=` on an agent map answer; a bad expression is Consul's 400. */
export function filterRecord<T>(
  record: Record<string, T>,
  expression: string | null,
  schema?: FieldSchema,
): Record<string, T> {
  if (expression === null || expression === '') return record;
  try {
    return compileFilter(expression, schema).applyToRecord(record);
  } catch (error) {
    if (error instanceof FilterError) throw new BadRequestError(error.message, { cause: error });
    throw new BadRequestError(`Failed to apply filter: ${(error as Error).message}`, { cause: error });
  }
}

/** Go's strconv.ParseBool, strictly (an empty value is an error), with Consul's message for `?enable=`. */
export function parseEnableParam(params: URLSearchParams): boolean {
  const raw = params.get('enable');
  if (raw === null) throw new BadRequestError('Missing value for enable');
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  throw new BadRequestError(`Invalid value for enable: ${JSON.stringify(raw)}`);
}
