// The data plane's public surface for agent/ and bin/: the ProxySource seam, the manager that hosts service
// proxies, their registration shape and stats.

export type { BalancerPolicy } from './balancer.js';
export {
  type ProxyRegistration,
  type ServiceProxyConfig,
  type UpstreamInit,
  validateProxyRegistration,
} from './config.js';
export type { ConnectionCounters, ConnectionResult, ListenerStatsSnapshot } from './counters.js';
export { PROXY_DEFAULTS } from './defaults.js';
export * from './errors.js';
export type { ConnectionContext } from './filter-chain.js';
export { ProxyManager, type ProxyManagerComponents, type ProxyManagerInit, type ProxyManagerStats } from './manager.js';
export { ServiceProxy, type ServiceProxyStats } from './service-proxy.js';
export {
  firstValue,
  type LeafCredentials,
  type ProxySource,
  type RootsSnapshot,
  type UpstreamEndpoint,
  type UpstreamTarget,
  type Watched,
} from './source.js';
export { WatchedValue } from './watched-value.js';
