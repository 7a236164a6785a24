// Validated definitions (from config files or a registration body) to the catalog rows the agent keeps and
// syncs: Consul's field names, defaults filled, sidecar ports assigned, check rows starting at their initial status.

import { formatDuration } from '../../lib/duration.js';
import { setOwn } from '../../lib/records.js';
import type { HealthCheckDefinition, ServiceProxy } from '../../server/state/types.js';
import type { CheckDefinition, CheckKind, ProxyDefinition, ServiceDefinition } from '../config/types.js';
import type { LocalCheckRow, LocalServiceRow } from './types.js';

export function serviceRow(definition: ServiceDefinition): LocalServiceRow {
  const taggedAddresses: Record<string, { Address: string; Port: number }> = {};
  for (const [name, value] of Object.entries(definition.taggedAddresses))
    setOwn(taggedAddresses, name, { Address: value.address, Port: value.port });
  return {
    ID: definition.id,
    Service: definition.name,
    Tags: [...definition.tags],
    Address: definition.address,
    TaggedAddresses: taggedAddresses,
    Meta: { ...definition.meta },
    Port: definition.port,
    Weights: { Passing: definition.weights.passing, Warning: definition.weights.warning },
    EnableTagOverride: definition.enableTagOverride,
    Kind: definition.kind,
    Proxy: definition.proxy ? proxyRow(definition.proxy) : null,
    Connect: definition.connectNative ? { Native: true } : null,
    SocketPath: definition.socketPath,
  };
}

function proxyRow(proxy: ProxyDefinition): ServiceProxy {
  return {
    DestinationServiceName: proxy.destinationServiceName,
    DestinationServiceID: proxy.destinationServiceId,
    LocalServiceAddress: proxy.localServiceAddress,
    LocalServicePort: proxy.localServicePort,
    Mode: proxy.mode,
    Config: { ...proxy.config },
    Upstreams: proxy.upstreams.map((upstream) => ({
      DestinationType: upstream.destinationType,
      DestinationName: upstream.destinationName,
      Datacenter: upstream.datacenter,
      LocalBindAddress: upstream.localBindAddress,
      LocalBindPort: upstream.localBindPort,
      Config: { ...upstream.config },
      MeshGateway: { Mode: upstream.meshGatewayMode },
    })),
    MeshGateway: { Mode: proxy.meshGatewayMode },
  };
}

/** The HealthCheck `Type` Consul reports for each kind. */
const typeByKind: Readonly<Record<CheckKind, string>> = {
  http: 'http',
  tcp: 'tcp',
  udp: 'udp',
  ttl: 'ttl',
  script: 'script',
  docker: 'docker',
  grpc: 'grpc',
  h2ping: 'h2ping',
  alias: 'alias',
  os_service: 'os_service',
};

export function checkRow(definition: CheckDefinition, nodeName: string): LocalCheckRow {
  const scheduled = definition.intervalMs > 0;
  const wire: Record<string, unknown> = {};
  if (definition.http !== null) {
    wire['HTTP'] = definition.http;
    wire['Method'] = definition.method;
    if (Object.keys(definition.header).length > 0) wire['Header'] = definition.header;
    if (definition.body !== '') wire['Body'] = definition.body;
  }
  if (definition.tcp !== null) wire['TCP'] = definition.tcp;
  if (definition.udp !== null) wire['UDP'] = definition.udp;
  if (definition.grpc !== null) {
    wire['GRPC'] = definition.grpc;
    wire['GRPCUseTLS'] = definition.grpcUseTls;
  }
  if (definition.tlsServerName !== '') wire['TLSServerName'] = definition.tlsServerName;
  if (definition.tlsSkipVerify) wire['TLSSkipVerify'] = true;
  if (definition.osService !== null) wire['OSService'] = definition.osService;
  const interval = formatDuration(definition.intervalMs);
  const timeout = scheduled ? formatDuration(definition.timeoutMs) : '0s';
  const deregister = formatDuration(definition.deregisterCriticalServiceAfterMs);
  const checkDefinition: HealthCheckDefinition = {
    ...wire,
    Interval: interval,
    Timeout: timeout,
    DeregisterCriticalServiceAfter: deregister,
  };
  return {
    Node: nodeName,
    CheckID: definition.id,
    Name: definition.name,
    Status: definition.status,
    Notes: definition.notes,
    Output: '',
    ServiceID: definition.serviceId ?? '',
    ServiceName: '',
    ServiceTags: [],
    Type: typeByKind[definition.kind],
    Interval: scheduled ? interval : '',
    Timeout: scheduled ? timeout : '',
    ExposedPort: 0,
    Definition: checkDefinition,
  };
}

/**
 * The first port in [min, max] no local service uses, for a sidecar registered without one (Consul scans the
 * range the same way); null when the range is exhausted.
 */
export function freeSidecarPort(usedPorts: ReadonlySet<number>, min: number, max: number): number | null {
  for (let port = min; port <= max; port++) if (!usedPorts.has(port)) return port;
  return null;
}
