// Turns checked service and check definitions into typed ones, filling Consul's defaults (IDs, names, sidecar
// fields) and checking what one field alone cannot show: one check type per check, ttl versus interval, minimum
// intervals, sidecar and upstream rules, service meta as the catalog checks it, and service/check IDs unique across
// every file.

import { formatDuration } from '../../lib/duration.js';
import { validateMeta } from '../../server/state/normalize.js';
import type { ProblemList } from './problems.js';
import { invalidFieldsKey, type Located, type Location, locationKey } from './schema.js';
import { checkIntervalMsMin, deregisterCriticalServiceAfterMsMin } from './schema-service.js';
import type {
  CheckDefinition,
  CheckKind,
  CheckStatus,
  ProxyDefinition,
  ServiceDefinition,
  ServiceKind,
  UpstreamDefinition,
} from './types.js';

export interface ServiceBuildContext {
  readonly problems: ProblemList;
  /** Script checks run arbitrary commands; config-file checks need one of the two switches (Consul's rule). */
  readonly scriptChecksAllowed: boolean;
}

/** Consul's default check timeout, used when a check gives none. */
export const checkTimeoutMsDefault = 10_000;
/** Consul keeps the first 4 KB of a check's output (`check_output_max_size`). */
export const checkOutputMaxSizeBytesDefault = 4096;

const checkTypeFields: readonly [string, CheckKind][] = [
  ['http', 'http'],
  ['tcp', 'tcp'],
  ['udp', 'udp'],
  ['ttl', 'ttl'],
  ['docker_container_id', 'docker'],
  ['args', 'script'],
  ['grpc', 'grpc'],
  ['h2ping', 'h2ping'],
  ['alias_service', 'alias'],
  ['os_service', 'os_service'],
];

/** Consul's IsAlias(): alias_node alone (a node's health) or with alias_service. */
function isAliasNodeOnly(raw: Located, kinds: readonly CheckKind[]): boolean {
  return kinds.length === 0 && typeof raw['alias_node'] === 'string' && raw['alias_node'] !== '';
}

const scheduledKinds: ReadonlySet<CheckKind> = new Set([
  'http',
  'tcp',
  'udp',
  'script',
  'docker',
  'grpc',
  'h2ping',
  'os_service',
]);

function locationOf(raw: Located): Location {
  return raw[locationKey] ?? { sourceName: 'configuration', key: '' };
}

function join(key: string, field: string): string {
  return key === '' ? field : `${key}.${field}`;
}

const text = (raw: Located, field: string, fallback = ''): string => (raw[field] as string | undefined) ?? fallback;
const textOrNull = (raw: Located, field: string): string | null => (raw[field] as string | undefined) ?? null;
const flag = (raw: Located, field: string): boolean => (raw[field] as boolean | undefined) ?? false;
const count = (raw: Located, field: string, fallback = 0): number => (raw[field] as number | undefined) ?? fallback;

interface CheckDefaults {
  readonly id: string;
  readonly name: string;
  readonly serviceId: string | null;
}

/** Returns null when the check is unusable (its problems are recorded). */
export function buildCheck(
  raw: Located,
  defaults: CheckDefaults,
  context: ServiceBuildContext,
): CheckDefinition | null {
  const { sourceName, key } = locationOf(raw);
  const { problems } = context;
  const errorCountBefore = problems.errors.length;
  const invalidFields = raw[invalidFieldsKey] ?? [];
  // A type field that was present but invalid still decides the type, so one mistake gives one message.
  const typed = checkTypeFields
    .filter(([field]) => raw[field] !== undefined || invalidFields.includes(field))
    .map(([, kind]) => kind);
  const kinds: CheckKind[] = isAliasNodeOnly(raw, typed) ? ['alias'] : typed;
  // Docker checks run `args` inside a container: docker_container_id plus args is one type, not two.
  const distinct = kinds.includes('docker') ? kinds.filter((kind) => kind !== 'script') : kinds;
  if (distinct.length === 0) {
    problems.error(
      sourceName,
      key,
      'a check needs one of http, tcp, udp, ttl, args, docker_container_id, grpc, h2ping, alias_service, alias_node, os_service',
    );
    return null;
  }
  if (distinct.length > 1) {
    problems.error(sourceName, key, `a check has one type, got ${distinct.join(' and ')}`);
    return null;
  }
  const kind = distinct[0]!;
  let intervalMs = count(raw, 'interval');
  if (kind === 'ttl' && raw['interval'] !== undefined)
    problems.error(sourceName, join(key, 'interval'), 'a TTL check has no interval (ttl and interval are exclusive)');
  if (kind === 'alias' && raw['interval'] !== undefined)
    problems.error(sourceName, join(key, 'interval'), 'an alias check has no interval: it mirrors another service');
  // An interval that was present but invalid is already reported.
  if (scheduledKinds.has(kind) && !invalidFields.includes('interval')) {
    if (raw['interval'] === undefined || intervalMs === 0)
      problems.error(sourceName, join(key, 'interval'), `required for ${kind} checks`);
    else if (intervalMs < checkIntervalMsMin) {
      // Consul raises it to the minimum and warns rather than refusing the check (agent.go addCheck).
      problems.warning(
        sourceName,
        join(key, 'interval'),
        `check has interval below minimum: ${formatDuration(intervalMs)} raised to minimum_interval=1s`,
      );
      intervalMs = checkIntervalMsMin;
    }
  }
  if (kind === 'ttl' && count(raw, 'ttl') === 0 && !invalidFields.includes('ttl'))
    problems.error(sourceName, join(key, 'ttl'), 'must be more than 0s');
  let deregisterMs = count(raw, 'deregister_critical_service_after');
  if (deregisterMs > 0 && deregisterMs < deregisterCriticalServiceAfterMsMin) {
    // As Consul: raised to the minimum with a warning, so clients registering "30s" still register.
    problems.warning(
      sourceName,
      join(key, 'deregister_critical_service_after'),
      `check has deregister interval below minimum: ${formatDuration(deregisterMs)} raised to minimum_interval=1m0s`,
    );
    deregisterMs = deregisterCriticalServiceAfterMsMin;
  }
  // A Docker check runs `args` too: Consul's IsScript() holds for it, so the same switch gates it.
  if ((kind === 'script' || kind === 'docker') && !context.scriptChecksAllowed)
    problems.error(
      sourceName,
      join(key, 'args'),
      'script checks are off: set enable_local_script_checks = true to run checks defined in config files',
    );
  if (kind === 'docker' && !Array.isArray(raw['args']))
    problems.error(sourceName, join(key, 'args'), 'a Docker check needs args: the command to run in the container');
  if (problems.errors.length > errorCountBefore) return null;
  const name = text(raw, 'name', defaults.name);
  return Object.freeze({
    id: text(raw, 'id', defaults.id === '' ? name : defaults.id),
    name,
    kind,
    notes: text(raw, 'notes'),
    serviceId: textOrNull(raw, 'service_id') ?? defaults.serviceId,
    status: text(raw, 'status', 'critical') as CheckStatus,
    http: textOrNull(raw, 'http'),
    method: text(raw, 'method', kind === 'http' ? 'GET' : ''),
    header: Object.freeze({ ...((raw['header'] as Record<string, string[]> | undefined) ?? {}) }),
    body: text(raw, 'body'),
    disableRedirects: flag(raw, 'disable_redirects'),
    tlsServerName: text(raw, 'tls_server_name'),
    tlsSkipVerify: flag(raw, 'tls_skip_verify'),
    tcp: textOrNull(raw, 'tcp'),
    tcpUseTls: flag(raw, 'tcp_use_tls'),
    udp: textOrNull(raw, 'udp'),
    args: Object.freeze([...((raw['args'] as string[] | undefined) ?? [])]),
    dockerContainerId: textOrNull(raw, 'docker_container_id'),
    shell: text(raw, 'shell'),
    grpc: textOrNull(raw, 'grpc'),
    grpcUseTls: flag(raw, 'grpc_use_tls'),
    h2ping: textOrNull(raw, 'h2ping'),
    h2pingUseTls: flag(raw, 'h2ping_use_tls'),
    aliasService: textOrNull(raw, 'alias_service'),
    aliasNode: textOrNull(raw, 'alias_node'),
    osService: textOrNull(raw, 'os_service'),
    intervalMs: scheduledKinds.has(kind) ? intervalMs : 0,
    timeoutMs: count(raw, 'timeout', checkTimeoutMsDefault) || checkTimeoutMsDefault,
    ttlMs: count(raw, 'ttl'),
    deregisterCriticalServiceAfterMs: deregisterMs,
    successBeforePassing: count(raw, 'success_before_passing'),
    failuresBeforeWarning: count(raw, 'failures_before_warning'),
    failuresBeforeCritical: count(raw, 'failures_before_critical'),
    outputMaxSizeBytes: count(raw, 'output_max_size', checkOutputMaxSizeBytesDefault),
    sourceName,
  });
}

function buildUpstream(raw: Located, context: ServiceBuildContext): UpstreamDefinition | null {
  const { sourceName, key } = locationOf(raw);
  let usable = true;
  if (raw['destination_name'] === undefined) {
    context.problems.error(sourceName, join(key, 'destination_name'), 'required');
    usable = false;
  }
  if (count(raw, 'local_bind_port') === 0 && raw['local_bind_socket_path'] === undefined) {
    context.problems.error(sourceName, join(key, 'local_bind_port'), 'required (or local_bind_socket_path)');
    usable = false;
  }
  if (!usable) return null;
  return Object.freeze({
    destinationType: text(raw, 'destination_type', 'service') as UpstreamDefinition['destinationType'],
    destinationName: text(raw, 'destination_name'),
    datacenter: text(raw, 'datacenter'),
    localBindAddress: text(raw, 'local_bind_address', '127.0.0.1'),
    localBindPort: count(raw, 'local_bind_port'),
    config: Object.freeze({ ...((raw['config'] as Record<string, unknown> | undefined) ?? {}) }),
    meshGatewayMode: text((raw['mesh_gateway'] as Located | undefined) ?? {}, 'mode'),
  });
}

function buildProxy(raw: Located, defaults: Partial<ProxyDefinition>, context: ServiceBuildContext): ProxyDefinition {
  const upstreams: UpstreamDefinition[] = [];
  const bindings = new Map<string, string>();
  for (const rawUpstream of (raw['upstreams'] as Located[] | undefined) ?? []) {
    const upstream = buildUpstream(rawUpstream, context);
    if (!upstream) continue;
    const binding = `${upstream.localBindAddress}:${upstream.localBindPort}`;
    const taken = bindings.get(binding);
    if (taken !== undefined && upstream.localBindPort !== 0) {
      const { sourceName, key } = locationOf(rawUpstream);
      context.problems.error(
        sourceName,
        join(key, 'local_bind_port'),
        `${binding} is already used by upstream "${taken}"`,
      );
      continue;
    }
    bindings.set(binding, upstream.destinationName);
    upstreams.push(upstream);
  }
  return Object.freeze({
    destinationServiceName: text(raw, 'destination_service_name', defaults.destinationServiceName ?? ''),
    destinationServiceId: text(raw, 'destination_service_id', defaults.destinationServiceId ?? ''),
    localServiceAddress: text(raw, 'local_service_address', defaults.localServiceAddress ?? ''),
    localServicePort: count(raw, 'local_service_port', defaults.localServicePort ?? 0),
    mode: text(raw, 'mode'),
    config: Object.freeze({ ...((raw['config'] as Record<string, unknown> | undefined) ?? {}) }),
    upstreams: Object.freeze(upstreams),
    meshGatewayMode: text((raw['mesh_gateway'] as Located | undefined) ?? {}, 'mode'),
  });
}

function serviceChecks(raw: Located, serviceId: string, serviceName: string, context: ServiceBuildContext) {
  const rawChecks = [
    ...((raw['check'] ? [raw['check']] : []) as Located[]),
    ...((raw['checks'] as Located[] | undefined) ?? []),
  ];
  const checks: CheckDefinition[] = [];
  rawChecks.forEach((rawCheck, position) => {
    // Consul's default IDs: `service:web` for a lone check, `service:web:1`, `service:web:2`... for several.
    const id = rawChecks.length === 1 ? `service:${serviceId}` : `service:${serviceId}:${position + 1}`;
    const check = buildCheck(rawCheck, { id, name: `Service '${serviceName}' check`, serviceId }, context);
    if (check) checks.push(check);
  });
  return Object.freeze(checks);
}

interface ServiceDefaults {
  readonly id?: string;
  readonly name?: string;
  readonly kind?: ServiceKind;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly proxy?: Partial<ProxyDefinition>;
}

export function buildService(
  raw: Located,
  context: ServiceBuildContext,
  defaults: ServiceDefaults = {},
): ServiceDefinition | null {
  const { sourceName, key } = locationOf(raw);
  const { problems } = context;
  const name = text(raw, 'name', defaults.name ?? '');
  if (name === '') {
    if (!raw[invalidFieldsKey]?.includes('name')) problems.error(sourceName, join(key, 'name'), 'required');
    return null;
  }
  const id = text(raw, 'id', defaults.id ?? name);
  const rawKind = text(raw, 'kind', defaults.kind ?? '');
  const kind = (rawKind === 'typical' ? '' : rawKind) as ServiceKind;
  const address = text(raw, 'address');
  if (address === '0.0.0.0' || address === '::')
    problems.error(sourceName, join(key, 'address'), `must be an address others can reach, got "${address}"`);
  const rawProxy = raw['proxy'] as Located | undefined;
  if (kind === 'connect-proxy' && !rawProxy?.['destination_service_name'] && !defaults.proxy?.destinationServiceName)
    problems.error(sourceName, join(key, 'proxy.destination_service_name'), 'required for a connect-proxy service');
  if (rawProxy && kind === '')
    problems.error(sourceName, join(key, 'proxy'), 'only proxy and gateway kinds take a proxy block (set kind)');
  const connect = (raw['connect'] as Located | undefined) ?? {};
  const rawSidecar = connect['sidecar_service'] as Located | undefined;
  if (rawSidecar && flag(connect, 'native'))
    problems.error(sourceName, join(key, 'connect'), 'native and sidecar_service are exclusive');
  const port = count(raw, 'port');
  const tags = (raw['tags'] as string[] | undefined) ?? [];
  const meta = (raw['meta'] as Record<string, string> | undefined) ?? {};
  // Consul's ServiceDefinition.Validate: refused here, not only when the agent registers the service at start.
  const metaProblem = raw['meta'] ? validateMeta(meta, kind === 'mesh-gateway') : null;
  if (metaProblem) problems.error(sourceName, join(key, 'meta'), metaProblem);
  // The sidecar's port (0 here) comes from sidecar_min_port..sidecar_max_port at registration, and with it
  // Consul's default sidecar checks (TCP "Connect Sidecar Listening" and the alias check), which need that port.
  const sidecarService = rawSidecar
    ? buildService(rawSidecar, context, {
        id: `${id}-sidecar-proxy`,
        name: `${name}-sidecar-proxy`,
        kind: 'connect-proxy',
        // Consul copies the parent's tags and meta into a sidecar that sets none of its own.
        tags,
        meta,
        proxy: {
          destinationServiceName: name,
          destinationServiceId: id,
          localServiceAddress: '127.0.0.1',
          localServicePort: port,
        },
      })
    : null;
  const weights = (raw['weights'] as Record<string, number> | undefined) ?? {};
  return Object.freeze({
    id,
    name,
    kind,
    tags: Object.freeze([...(raw['tags'] ? tags : (defaults.tags ?? []))]),
    address,
    taggedAddresses: Object.freeze({ ...((raw['tagged_addresses'] as ServiceDefinition['taggedAddresses']) ?? {}) }),
    meta: Object.freeze({ ...(raw['meta'] ? meta : (defaults.meta ?? {})) }),
    port,
    socketPath: text(raw, 'socket_path'),
    enableTagOverride: flag(raw, 'enable_tag_override'),
    weights: Object.freeze({ passing: weights['passing'] ?? 1, warning: weights['warning'] ?? 1 }),
    proxy: rawProxy || defaults.proxy ? buildProxy(rawProxy ?? {}, defaults.proxy ?? {}, context) : null,
    connectNative: flag(connect, 'native'),
    sidecarService,
    checks: serviceChecks(raw, id, name, context),
    token: text(raw, 'token'),
    sourceName,
  });
}

/** Builds every service, refusing a service ID (sidecars included) or a check ID used twice, naming both files. */
export function buildServices(rawServices: readonly Located[], context: ServiceBuildContext): ServiceDefinition[] {
  const services: ServiceDefinition[] = [];
  const firstSource = new Map<string, string>();
  const checkSource = new Map<string, string>();
  for (const raw of rawServices) {
    const service = buildService(raw, context);
    if (!service) continue;
    const { sourceName, key } = locationOf(raw);
    for (const check of service.checks) {
      const first = checkSource.get(check.id);
      if (first !== undefined)
        context.problems.error(
          sourceName,
          join(key, 'checks'),
          `duplicate check ID "${check.id}" (first defined in ${first})`,
        );
      else checkSource.set(check.id, sourceName);
    }
    let duplicate = false;
    for (const each of [service, ...(service.sidecarService ? [service.sidecarService] : [])]) {
      const first = firstSource.get(each.id);
      if (first !== undefined) {
        context.problems.error(
          sourceName,
          join(key, 'id'),
          `duplicate service ID "${each.id}" (first defined in ${first})`,
        );
        duplicate = true;
      } else firstSource.set(each.id, sourceName);
    }
    if (!duplicate) services.push(service);
  }
  return services;
}

/** Top-level checks: a name is required (it is the default ID); IDs must not collide with service checks. */
export function buildChecks(
  rawChecks: readonly Located[],
  services: readonly ServiceDefinition[],
  context: ServiceBuildContext,
): CheckDefinition[] {
  const firstSource = new Map<string, string>();
  for (const service of services) for (const check of service.checks) firstSource.set(check.id, check.sourceName);
  const serviceIds = new Set(services.map((service) => service.id));
  const checks: CheckDefinition[] = [];
  for (const raw of rawChecks) {
    const { sourceName, key } = locationOf(raw);
    if (raw['name'] === undefined) {
      context.problems.error(sourceName, join(key, 'name'), 'required');
      continue;
    }
    const check = buildCheck(raw, { id: '', name: '', serviceId: null }, context);
    if (!check) continue;
    const first = firstSource.get(check.id);
    if (first !== undefined) {
      context.problems.error(
        sourceName,
        join(key, 'id'),
        `duplicate check ID "${check.id}" (first defined in ${first})`,
      );
      continue;
    }
    if (check.serviceId !== null && !serviceIds.has(check.serviceId))
      context.problems.warning(
        sourceName,
        join(key, 'service_id'),
        `no service "${check.serviceId}" is defined in the config`,
      );
    firstSource.set(check.id, sourceName);
    checks.push(check);
  }
  return checks;
}
