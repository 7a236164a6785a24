// Checks between fields, after merging: listeners that would collide on a port, bootstrap settings that
// contradict each other, ranges whose ends are swapped. Each problem names the source that set the key last.

import { defaultSourceName, devSourceName } from './defaults.js';
import type { MergedConfig } from './merge.js';
import type { ProblemList } from './problems.js';
import type { AgentConfig } from './types.js';

interface Listener {
  readonly key: string;
  readonly port: number;
  readonly addresses: readonly string[];
}

const builtInSources: ReadonlySet<string> = new Set([defaultSourceName, devSourceName]);

const wildcardAddresses: ReadonlySet<string> = new Set(['0.0.0.0', '::']);

function addressesOverlap(left: readonly string[], right: readonly string[]): string | null {
  for (const a of left) {
    for (const b of right) {
      if (a === b || wildcardAddresses.has(a) || wildcardAddresses.has(b)) return wildcardAddresses.has(a) ? b : a;
    }
  }
  return null;
}

/** Every listener the agent opens (or will), so two of them never ask for the same port on one address. */
function listenersOf(config: AgentConfig): Listener[] {
  const { ports, addresses, bindAddr } = config;
  const listeners: Listener[] = [
    { key: 'ports.http', port: ports.http, addresses: addresses.http },
    { key: 'ports.https', port: ports.https, addresses: addresses.https },
    { key: 'ports.dns', port: ports.dns, addresses: addresses.dns },
    { key: 'ports.grpc', port: ports.grpc, addresses: addresses.grpc },
    { key: 'ports.grpc_tls', port: ports.grpcTls, addresses: addresses.grpcTls },
    { key: 'ports.serf_lan', port: ports.serfLan, addresses: [bindAddr] },
  ];
  if (config.server) {
    listeners.push({ key: 'ports.server', port: ports.server, addresses: [bindAddr] });
    listeners.push({ key: 'ports.serf_wan', port: ports.serfWan, addresses: [config.serfWanBindAddr] });
  }
  return listeners.filter((listener) => listener.port > 0);
}

export interface RelationOptions {
  /** Some file failed to read or parse, so a key missing from the merge may just be in that file. */
  readonly someSourceUnreadable: boolean;
}

export function validateRelations(
  config: AgentConfig,
  merged: MergedConfig,
  problems: ProblemList,
  options: RelationOptions,
): void {
  const setBy = (key: string): string => merged.setBy.get(key) ?? 'configuration';
  const listeners = listenersOf(config);
  listeners.forEach((listener, position) => {
    for (const earlier of listeners.slice(0, position)) {
      if (earlier.port !== listener.port) continue;
      const address = addressesOverlap(earlier.addresses, listener.addresses);
      if (address === null) continue;
      // Blame the key a user set: a default port is not what the operator has to change.
      const userSet = (key: string): boolean => !builtInSources.has(setBy(key));
      const [blamed, other] =
        !userSet(listener.key) && userSet(earlier.key) ? [earlier, listener] : [listener, earlier];
      problems.error(
        setBy(blamed.key),
        blamed.key,
        `port ${listener.port} on ${address} is also used by ${other.key} (set in ${setBy(other.key)})`,
      );
    }
  });
  if (config.bootstrap && config.bootstrapExpect > 0)
    problems.error(setBy('bootstrap_expect'), 'bootstrap_expect', 'cannot be combined with bootstrap = true');
  if (config.bootstrapExpect > 0 && !config.server)
    problems.error(setBy('bootstrap_expect'), 'bootstrap_expect', 'only servers bootstrap: set server = true');
  if (config.bootstrap && !config.server)
    problems.error(setBy('bootstrap'), 'bootstrap', 'only servers bootstrap: set server = true');
  warnEvenBootstrapExpect(config, setBy, problems);
  if (!config.devMode && config.dataDir === null && !options.someSourceUnreadable)
    problems.error('configuration', 'data_dir', 'required (set data_dir or -data-dir, or run with -dev)');
  const { ports } = config;
  if (ports.sidecarMinPort > ports.sidecarMaxPort)
    problems.error(
      setBy('ports.sidecar_min_port'),
      'ports.sidecar_min_port',
      'must not be above ports.sidecar_max_port',
    );
  if (ports.exposeMinPort > ports.exposeMaxPort)
    problems.error(setBy('ports.expose_min_port'), 'ports.expose_min_port', 'must not be above ports.expose_max_port');
  if (config.defaultQueryTimeMs > config.maxQueryTimeMs)
    problems.error(setBy('default_query_time'), 'default_query_time', 'must not be above max_query_time');
  if (config.gossipLan.probeTimeoutMs > config.gossipLan.probeIntervalMs)
    problems.error(
      setBy('gossip_lan.probe_timeout'),
      'gossip_lan.probe_timeout',
      'must not be above gossip_lan.probe_interval',
    );
  if (config.gossipWan.probeTimeoutMs > config.gossipWan.probeIntervalMs)
    problems.error(
      setBy('gossip_wan.probe_timeout'),
      'gossip_wan.probe_timeout',
      'must not be above gossip_wan.probe_interval',
    );
  validateWanJoin(config, setBy, problems);
}

/** Consul's two warnings (agent/config/builder.go validate), in its words after the key. */
function warnEvenBootstrapExpect(config: AgentConfig, setBy: (key: string) => string, problems: ProblemList): void {
  const expect = config.bootstrapExpect;
  if (!config.server || config.bootstrap) return;
  const deploymentTable = 'See https://www.consul.io/docs/internals/consensus.html#deployment-table';
  if (expect === 2 && !config.devMode)
    problems.warning(
      setBy('bootstrap_expect'),
      'bootstrap_expect',
      `2 servers: A cluster with 2 servers will provide no failure tolerance. ${deploymentTable}`,
    );
  else if (expect > 2 && expect % 2 === 0)
    problems.warning(
      setBy('bootstrap_expect'),
      'bootstrap_expect',
      `${expect} is an even number: A cluster with an even number of servers does not achieve optimum fault tolerance. ${deploymentTable}`,
    );
}

/**
 * Only servers run the WAN pool (Consul: "Must be a server to join WAN cluster"). start_join_wan on a client would
 * fail the start, so it is refused here; retry_join_wan on a client only warns, as Consul's retry loop does.
 */
function validateWanJoin(config: AgentConfig, setBy: (key: string) => string, problems: ProblemList): void {
  if (!config.server) {
    if (config.startJoinWan.length > 0)
      problems.error(setBy('start_join_wan'), 'start_join_wan', 'only servers join the WAN pool: set server = true');
    if (config.retryJoinWan.length > 0)
      problems.warning(
        setBy('retry_join_wan'),
        'retry_join_wan',
        'ignored: only servers join the WAN pool (Must be a server to join WAN cluster)',
      );
    return;
  }
  if (config.ports.serfWan >= 0) return;
  for (const key of ['start_join_wan', 'retry_join_wan'] as const) {
    const list = key === 'start_join_wan' ? config.startJoinWan : config.retryJoinWan;
    if (list.length > 0)
      problems.error(setBy(key), key, 'the WAN pool is turned off (ports.serf_wan = -1): nothing to join');
  }
}
