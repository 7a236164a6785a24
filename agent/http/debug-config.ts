// `DebugConfig` in /v1/agent/self: the effective configuration with Go-style field names and durations, secrets
// replaced by "hidden" as Consul does, plus the few RuntimeConfig names tools read directly (Nomad reads
// GRPCPort and GRPCTLSPort).

import { formatDuration } from '../../lib/duration.js';
import type { AgentConfig } from '../config/types.js';

const acronyms: Readonly<Record<string, string>> = {
  Acl: 'ACL',
  Dns: 'DNS',
  Grpc: 'GRPC',
  Http: 'HTTP',
  Https: 'HTTPS',
  Id: 'ID',
  Ip: 'IP',
  Kv: 'KV',
  Lan: 'LAN',
  Rpc: 'RPC',
  Tls: 'TLS',
  Ttl: 'TTL',
  Tcp: 'TCP',
  Udp: 'UDP',
  Os: 'OS',
  H2ping: 'H2PING',
  Txn: 'Txn',
  Ui: 'UI',
  Wan: 'WAN',
};

const secretKeyPattern = /token|encrypt$|secret|password|privatekey/i;

/** `retryIntervalMs` → `RetryInterval`, `nodeId` → `NodeID`, `grpcTls` → `GRPCTLS`. */
export function goFieldName(name: string): string {
  const base = name.endsWith('Ms') ? name.slice(0, -2) : name;
  return base
    .replace(/^[a-z]/, (first) => first.toUpperCase())
    .split(/(?=[A-Z])/)
    .map((word) => acronyms[word] ?? word)
    .join('');
}

function render(value: unknown, key: string): unknown {
  if (secretKeyPattern.test(key) && typeof value === 'string' && value !== '') return 'hidden';
  if (key.endsWith('Ms') && typeof value === 'number') return formatDuration(value);
  if (Array.isArray(value)) return value.map((item) => render(item, ''));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      // Keys of user maps (meta, headers) are data, not field names: keep them as written.
      const isUserMap = ['meta', 'nodeMeta', 'header', 'taggedAddresses', 'config', 'serviceTtlMs'].includes(key);
      out[isUserMap ? name : goFieldName(name)] = render(item, isUserMap ? '' : name);
    }
    return out;
  }
  return value;
}

export function debugConfig(config: AgentConfig): Record<string, unknown> {
  const rendered = render(config, '') as Record<string, unknown>;
  return {
    ...rendered,
    // RuntimeConfig's own names for what tools read.
    ServerMode: config.server,
    DevMode: config.devMode,
    DataDir: config.dataDir ?? '',
    ClientAddrs: config.clientAddrs,
    AdvertiseAddrLAN: config.advertiseAddr,
    AdvertiseAddrWAN: config.advertiseAddrWan,
    RetryJoinLAN: config.retryJoin,
    RetryJoinWAN: config.retryJoinWan,
    DNSPort: config.ports.dns,
    HTTPPort: config.ports.http,
    HTTPSPort: config.ports.https,
    GRPCPort: config.ports.grpc,
    GRPCTLSPort: config.ports.grpcTls,
    SerfPortLAN: config.ports.serfLan,
    SerfPortWAN: config.ports.serfWan,
    SerfBindAddrWAN: `${config.serfWanBindAddr}:${config.ports.serfWan}`,
    SerfAdvertiseAddrWAN: `${config.advertiseAddrWan}:${config.ports.serfWan}`,
    ServerPort: config.ports.server,
    ConnectEnabled: config.connectEnabled,
    ACLsEnabled: config.aclEnabled,
    EncryptKey: config.encrypt === null ? '' : 'hidden',
    RaftProtocol: 3,
  };
}
