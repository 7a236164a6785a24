// /v1/operator/autopilot/*: autopilot's view of server health (Consul agent/operator_endpoint.go), 200 when the
// cluster is healthy and 429 with the same body when it is not, so load balancers and scripts can act on the
// status alone; the autopilot configuration, read (a blocking read like Consul's) and set through Raft with an
// optional `?cas=<ModifyIndex>` (answers true or false). Durations travel as Go durations ("200ms", "10s"); a PUT
// body's missing fields are zero values, as Consul decodes it into a fresh struct, so clients read, change and
// write back with `?cas`. /state is the leader's fuller view (Consul's api.AutopilotState: servers by ID with their
// Raft role, the leader, the voters), always 200.

import type { FastifyPluginAsync } from 'fastify';
import { formatDuration, parseDurationField } from '../../../lib/duration.js';
import { LatticeError } from '../../../lib/errors.js';
import type { AutopilotConfigFields, AutopilotConfigRow } from '../../../server/state/tables/autopilot.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { decodeBody, defineSchema, readJsonBody } from '../decode-body.js';
import { BadRequestError } from '../errors.js';
import { parseWriteContext, requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import type { ServerRouteDeps } from './server-deps.js';

const configSchema = defineSchema({
  CleanupDeadServers: 'boolean',
  LastContactThreshold: 'duration',
  MaxTrailingLogs: 'integer',
  MinQuorum: 'integer',
  ServerStabilizationTime: 'duration',
  RedundancyZoneTag: 'string',
  DisableUpgradeMigration: 'boolean',
  UpgradeVersionTag: 'string',
});

/** Consul's api.AutopilotConfiguration. */
export function presentAutopilotConfig(row: AutopilotConfigRow): Record<string, unknown> {
  return {
    CleanupDeadServers: row.CleanupDeadServers,
    LastContactThreshold: formatDuration(row.LastContactThresholdMs),
    MaxTrailingLogs: row.MaxTrailingLogs,
    MinQuorum: row.MinQuorum,
    ServerStabilizationTime: formatDuration(row.ServerStabilizationTimeMs),
    RedundancyZoneTag: row.RedundancyZoneTag,
    DisableUpgradeMigration: row.DisableUpgradeMigration,
    UpgradeVersionTag: row.UpgradeVersionTag,
    CreateIndex: row.CreateIndex,
    ModifyIndex: row.ModifyIndex,
  };
}

/** A PUT body as the store's fields: absent fields are Go's zero values. */
function fieldsOf(body: Record<string, unknown>): AutopilotConfigFields {
  const durationMs = (value: unknown): number => (value === undefined ? 0 : parseDurationField(value));
  const count = (value: unknown, field: string): number => {
    const number = (value as number | undefined) ?? 0;
    if (number < 0) throw new BadRequestError(`Request decode failed: ${field} must not be negative`);
    return number;
  };
  return {
    CleanupDeadServers: (body['CleanupDeadServers'] as boolean | undefined) ?? false,
    LastContactThresholdMs: durationMs(body['LastContactThreshold']),
    MaxTrailingLogs: count(body['MaxTrailingLogs'], 'MaxTrailingLogs'),
    MinQuorum: count(body['MinQuorum'], 'MinQuorum'),
    ServerStabilizationTimeMs: durationMs(body['ServerStabilizationTime']),
    RedundancyZoneTag: (body['RedundancyZoneTag'] as string | undefined) ?? '',
    DisableUpgradeMigration: (body['DisableUpgradeMigration'] as boolean | undefined) ?? false,
    UpgradeVersionTag: (body['UpgradeVersionTag'] as string | undefined) ?? '',
  };
}

/** `?cas=` as Consul parses it (strconv.ParseUint): absent → no CAS. */
function casOf(params: URLSearchParams): { CAS: true; CasIndex: number } | Record<string, never> {
  const value = params.get('cas');
  if (value === null) return {};
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new BadRequestError(`Error parsing cas value: ${JSON.stringify(value)}`);
  return { CAS: true, CasIndex: Number(value) };
}

const operatorRead: AclRequirement = { resource: 'operator', access: 'read', name: () => '' };
const operatorWrite: AclRequirement = { resource: 'operator', access: 'write', name: () => '' };

export const operatorAutopilotRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/health',
        acl: operatorRead,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const health = await rpc.call(
            'Operator.AutopilotServerHealth',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          if (!health.Healthy) void reply.code(429);
          return { ...health, Servers: health.Servers ?? [] };
        },
      },
      {
        method: 'GET',
        url: '/configuration',
        acl: operatorRead,
        handler: async (request, reply) => {
          const { value } = await rpcRead(
            { rpc, config },
            request,
            reply,
            'Operator.AutopilotGetConfiguration',
            () => ({}),
          );
          // Consul's text (500): the leader writes the configuration right after it is elected.
          if (value === null)
            throw new LatticeError('ERR_AUTOPILOT_UNINITIALIZED', 'autopilot config not initialized yet');
          return presentAutopilotConfig(value);
        },
      },
      {
        method: 'PUT',
        url: '/configuration',
        acl: operatorWrite,
        handler: async (request, reply) => {
          const body = readJsonBody(request);
          const fields = fieldsOf(body === undefined ? {} : decodeBody(configSchema, body));
          const cas = casOf(requestParams(request));
          const { datacenter, token } = parseWriteContext(request, config);
          return await rpc.call(
            'Operator.AutopilotSetConfiguration',
            { Config: fields, ...cas },
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
        },
      },
      {
        method: 'GET',
        url: '/state',
        acl: operatorRead,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          return rpc.call(
            'Operator.AutopilotState',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
        },
      },
    ]);
    refuseUnknownPaths(scope);
  };
