// The shape of service and check definitions in config files (reference §2.3, §2.4), the same fields as the HTTP
// registration body. Consul's CamelCase JSON names are read too (the checker snake_cases unknown names), plus the
// few aliases that do not follow from the name (`CheckID`, `ServiceID`).

import { bool, duration, int, listOf, mapOf, object, oneOf, opaque, type Spec, string } from './schema.js';

const nonEmpty = (value: string): string | null => (value.trim() === '' ? 'must not be empty' : null);

/** Consul rejects 1–999 ms as an interval; below 1 s is refused here with the source named. */
export const checkIntervalMsMin = 1000;
/** Consul's reaper runs every 30 s and refuses anything under a minute. */
export const deregisterCriticalServiceAfterMsMin = 60_000;

export const checkSpec: Spec = object(
  {
    id: string(nonEmpty),
    name: string(),
    notes: string(),
    service_id: string(),
    status: oneOf('passing', 'warning', 'critical'),
    http: string(nonEmpty),
    method: string(),
    header: mapOf(listOf(string(), true)),
    body: string(),
    disable_redirects: bool,
    tls_server_name: string(),
    tls_skip_verify: bool,
    tcp: string(nonEmpty),
    tcp_use_tls: bool,
    udp: string(nonEmpty),
    ttl: duration(),
    args: listOf(string()),
    docker_container_id: string(),
    shell: string(),
    grpc: string(nonEmpty),
    grpc_use_tls: bool,
    h2ping: string(nonEmpty),
    h2ping_use_tls: bool,
    alias_service: string(nonEmpty),
    alias_node: string(),
    os_service: string(nonEmpty),
    interval: duration(),
    timeout: duration(),
    deregister_critical_service_after: duration(),
    success_before_passing: int(0),
    failures_before_warning: int(0),
    failures_before_critical: int(0),
    output_max_size: int(1),
  },
  { check_id: 'id' },
);

const meshGatewaySpec = object({ mode: oneOf('', 'none', 'local', 'remote') });

const upstreamSpec: Spec = object({
  destination_type: oneOf('service', 'prepared_query'),
  destination_namespace: string(),
  destination_partition: string(),
  destination_peer: string(),
  destination_name: string(nonEmpty),
  datacenter: string(),
  local_bind_address: string(),
  local_bind_port: int(0, 65535),
  local_bind_socket_path: string(),
  local_bind_socket_mode: string(),
  config: opaque,
  mesh_gateway: meshGatewaySpec,
  centrally_configured: bool,
});

export const proxySpec: Spec = object({
  destination_service_name: string(),
  destination_service_id: string(),
  local_service_address: string(),
  local_service_port: int(0, 65535),
  local_service_socket_path: string(),
  mode: oneOf('', 'direct', 'transparent'),
  config: opaque,
  upstreams: listOf(upstreamSpec, true),
  mesh_gateway: meshGatewaySpec,
  expose: opaque,
  transparent_proxy: opaque,
  access_logs: opaque,
});

const taggedAddressSpec = object({ address: string(), port: int(0, 65535) });

function serviceFields(allowConnect: boolean): Record<string, Spec> {
  const fields: Record<string, Spec> = {
    id: string(nonEmpty),
    name: string(nonEmpty),
    tags: listOf(string()),
    address: string(),
    tagged_addresses: mapOf(taggedAddressSpec),
    meta: mapOf(string()),
    port: int(0, 65535),
    socket_path: string(),
    enable_tag_override: bool,
    weights: object({ passing: int(1), warning: int(0) }),
    kind: oneOf(
      '',
      'typical',
      'connect-proxy',
      'mesh-gateway',
      'terminating-gateway',
      'ingress-gateway',
      'api-gateway',
    ),
    proxy: proxySpec,
    check: checkSpec,
    checks: listOf(checkSpec, true),
    token: string(),
    locality: object({ region: string(), zone: string() }),
    namespace: string(),
    partition: string(),
  };
  if (allowConnect) {
    // A sidecar cannot have a sidecar of its own: Consul refuses nested Connect blocks.
    fields['connect'] = object({ native: bool, sidecar_service: object(serviceFields(false)) });
  }
  return fields;
}

export const serviceSpec: Spec = object(serviceFields(true));
