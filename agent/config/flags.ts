// The agent's command-line flags as a config source. Flags are the last source but one (-hcl fragments come
// after, as in Consul), so they override every file. Values arrive as the CLI parsed them (strings, booleans,
// lists); numbers that do not parse are passed on as strings so the checker reports them like a bad file value.

import type { ProblemList } from './problems.js';

export const flagsSourceName = 'command-line flags';

/** The parsed values of `lattice agent` flags that map onto config keys (commander's camelCase names). */
export interface AgentFlagValues {
  readonly server?: boolean;
  readonly bootstrap?: boolean;
  readonly bootstrapExpect?: string;
  readonly datacenter?: string;
  readonly primaryDatacenter?: string;
  readonly node?: string;
  readonly nodeId?: string;
  readonly nodeMeta?: readonly string[];
  readonly bind?: string;
  readonly client?: string;
  readonly advertise?: string;
  readonly advertiseWan?: string;
  readonly retryJoin?: readonly string[];
  readonly retryInterval?: string;
  readonly retryMax?: string;
  readonly retryJoinWan?: readonly string[];
  readonly retryIntervalWan?: string;
  readonly retryMaxWan?: string;
  readonly join?: readonly string[];
  readonly joinWan?: readonly string[];
  readonly dataDir?: string;
  readonly ui?: boolean;
  readonly uiDir?: string;
  readonly uiContentPath?: string;
  readonly logLevel?: string;
  readonly logJson?: boolean;
  readonly logFile?: string;
  readonly logRotateBytes?: string;
  readonly logRotateDuration?: string;
  readonly logRotateMaxFiles?: string;
  readonly encrypt?: string;
  readonly pidFile?: string;
  readonly dnsPort?: string;
  readonly httpPort?: string;
  readonly httpsPort?: string;
  readonly grpcPort?: string;
  readonly serfLanPort?: string;
  readonly serfWanPort?: string;
  readonly serfWanBind?: string;
  readonly serverPort?: string;
  readonly domain?: string;
  readonly altDomain?: string;
  readonly recursor?: readonly string[];
  readonly enableScriptChecks?: boolean;
  readonly enableLocalScriptChecks?: boolean;
  readonly disableHostNodeId?: boolean;
}

function integerOrText(value: string): number | string {
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

/** Builds the snake_case config object the flags stand for; only flags that were given appear in it. */
export function flagsToConfig(flags: AgentFlagValues, problems: ProblemList): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) config[key] = value;
  };
  const setIn = (sectionName: string, key: string, value: unknown): void => {
    if (value === undefined) return;
    const existing = (config[sectionName] as Record<string, unknown> | undefined) ?? {};
    config[sectionName] = { ...existing, [key]: value };
  };
  const asInteger = (value: string | undefined): number | string | undefined =>
    value === undefined ? undefined : integerOrText(value);

  set('server', flags.server);
  set('bootstrap', flags.bootstrap);
  set('bootstrap_expect', asInteger(flags.bootstrapExpect));
  set('datacenter', flags.datacenter);
  set('primary_datacenter', flags.primaryDatacenter);
  set('node_name', flags.node);
  set('node_id', flags.nodeId);
  set('bind_addr', flags.bind);
  set('client_addr', flags.client);
  set('advertise_addr', flags.advertise);
  set('advertise_addr_wan', flags.advertiseWan);
  set('retry_join', flags.retryJoin);
  set('retry_interval', flags.retryInterval);
  set('retry_max', asInteger(flags.retryMax));
  set('retry_join_wan', flags.retryJoinWan);
  set('retry_interval_wan', flags.retryIntervalWan);
  set('retry_max_wan', asInteger(flags.retryMaxWan));
  set('start_join', flags.join);
  set('start_join_wan', flags.joinWan);
  set('data_dir', flags.dataDir);
  setIn('ui_config', 'enabled', flags.ui);
  setIn('ui_config', 'dir', flags.uiDir);
  setIn('ui_config', 'content_path', flags.uiContentPath);
  set('log_level', flags.logLevel);
  set('log_json', flags.logJson);
  set('log_file', flags.logFile);
  set('log_rotate_bytes', asInteger(flags.logRotateBytes));
  set('log_rotate_duration', flags.logRotateDuration);
  set('log_rotate_max_files', asInteger(flags.logRotateMaxFiles));
  set('encrypt', flags.encrypt);
  set('pid_file', flags.pidFile);
  setIn('ports', 'dns', asInteger(flags.dnsPort));
  setIn('ports', 'http', asInteger(flags.httpPort));
  setIn('ports', 'https', asInteger(flags.httpsPort));
  setIn('ports', 'grpc', asInteger(flags.grpcPort));
  setIn('ports', 'serf_lan', asInteger(flags.serfLanPort));
  setIn('ports', 'serf_wan', asInteger(flags.serfWanPort));
  set('serf_wan', flags.serfWanBind);
  setIn('ports', 'server', asInteger(flags.serverPort));
  set('domain', flags.domain);
  set('alt_domain', flags.altDomain);
  set('recursors', flags.recursor);
  set('enable_script_checks', flags.enableScriptChecks);
  set('enable_local_script_checks', flags.enableLocalScriptChecks);
  set('disable_host_node_id', flags.disableHostNodeId);
  for (const pair of flags.nodeMeta ?? []) {
    // Split at the first colon, as Consul does: values may contain colons (URLs), keys may not.
    const colon = pair.indexOf(':');
    if (colon <= 0) {
      problems.error(flagsSourceName, 'node_meta', `-node-meta expects key:value, got ${JSON.stringify(pair)}`);
      continue;
    }
    setIn('node_meta', pair.slice(0, colon), pair.slice(colon + 1));
  }
  return config;
}
