// A service proxy's registration in Consul's shape (a `connect-proxy` service: Address/Port of the public
// listener, Proxy.DestinationServiceName, LocalServiceAddress/Port, Upstreams) validated into a frozen config;
// every problem is reported at once.

import { ValidationError } from '../lib/errors.js';
import { PROXY_DEFAULTS } from './defaults.js';

export interface UpstreamInit {
  readonly DestinationType?: string;
  readonly DestinationName: string;
  readonly Datacenter?: string;
  readonly LocalBindAddress?: string;
  /** 0 binds a free port (tests); Consul requires one. */
  readonly LocalBindPort: number;
}

export interface ProxyRegistration {
  /** The proxy's service ID; defaults to `<destination>-sidecar-proxy`. */
  readonly ID?: string;
  /** Public listener address; 0.0.0.0 when absent, as Consul's built-in proxy binds. */
  readonly Address?: string;
  /** Public listener port; 0 binds a free one. */
  readonly Port: number;
  readonly Proxy: {
    readonly DestinationServiceName: string;
    readonly DestinationServiceID?: string;
    readonly LocalServiceAddress?: string;
    readonly LocalServicePort: number;
    readonly Upstreams?: readonly UpstreamInit[];
  };
  /**
   * Lattice's, not Consul's: false runs the upstream listeners alone, with no public listener (Consul's dev-mode
   * `connect proxy -service web -upstream api:9191` without `-listen`); Port and LocalServicePort are then unused.
   */
  readonly PublicListener?: boolean;
}

export interface UpstreamConfig {
  readonly destinationName: string;
  readonly datacenter?: string;
  readonly bindAddress: string;
  readonly bindPort: number;
}

export interface ServiceProxyConfig {
  readonly id: string;
  readonly service: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly localServiceAddress: string;
  readonly localServicePort: number;
  /** False: upstream listeners only (ProxyRegistration.PublicListener). */
  readonly publicListener: boolean;
  readonly upstreams: readonly UpstreamConfig[];
}

const isPort = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65_535;

export function validateProxyRegistration(init: ProxyRegistration): ServiceProxyConfig {
  const problems: string[] = [];
  const proxy = init?.Proxy;
  if (!proxy || typeof proxy !== 'object') throw new ValidationError('proxy registration needs a Proxy block');
  const service = proxy.DestinationServiceName;
  if (typeof service !== 'string' || service === '') problems.push('Proxy.DestinationServiceName is required');
  const publicListener = init.PublicListener !== false;
  if (publicListener && !isPort(init.Port)) problems.push(`Port ${String(init.Port)} is not a port`);
  if (publicListener && (!isPort(proxy.LocalServicePort) || proxy.LocalServicePort === 0)) {
    problems.push(`Proxy.LocalServicePort ${String(proxy.LocalServicePort)} is not a port`);
  }
  const upstreamsInit = proxy.Upstreams ?? [];
  if (upstreamsInit.length > PROXY_DEFAULTS.upstreamsMaxPerService) {
    problems.push(`at most ${PROXY_DEFAULTS.upstreamsMaxPerService} upstreams per service`);
  }
  const binds = new Set<string>();
  const upstreams: UpstreamConfig[] = [];
  for (const [position, upstream] of upstreamsInit.entries()) {
    const where = `Upstreams[${position}]`;
    if (upstream.DestinationType && upstream.DestinationType !== 'service') {
      problems.push(`${where}.DestinationType ${upstream.DestinationType} is not supported by the L4 proxy yet`);
    }
    if (typeof upstream.DestinationName !== 'string' || upstream.DestinationName === '') {
      problems.push(`${where}.DestinationName is required`);
    }
    if (!isPort(upstream.LocalBindPort)) problems.push(`${where}.LocalBindPort is not a port`);
    const bindAddress = upstream.LocalBindAddress || '127.0.0.1';
    const bind = `${bindAddress}:${upstream.LocalBindPort}`;
    if (upstream.LocalBindPort !== 0 && binds.has(bind)) problems.push(`${where} binds ${bind} twice`);
    binds.add(bind);
    upstreams.push(
      Object.freeze({
        destinationName: upstream.DestinationName,
        ...(upstream.Datacenter ? { datacenter: upstream.Datacenter } : {}),
        bindAddress,
        bindPort: upstream.LocalBindPort,
      }),
    );
  }
  if (problems.length > 0) throw new ValidationError(`invalid proxy registration: ${problems.join('; ')}`);
  return Object.freeze({
    id: init.ID || `${service}-sidecar-proxy`,
    service,
    bindAddress: init.Address || '0.0.0.0',
    bindPort: init.Port,
    localServiceAddress: proxy.LocalServiceAddress || '127.0.0.1',
    localServicePort: proxy.LocalServicePort,
    publicListener,
    upstreams: Object.freeze(upstreams),
  });
}
