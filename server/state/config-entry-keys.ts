// The keys a config entry may carry, per kind, as Consul's structs.DecodeConfigEntry allows them: it decodes with
// mapstructure's unused-key metadata and refuses every key no field takes (`invalid config key "Protocl"`), so a
// typo in `lattice config write` or `PUT /v1/config` is an error instead of a setting silently dropped. Keys match
// ignoring case and underscores, as Consul's decoder translates snake_case. Free-form maps (Meta, Config, the
// Envoy and rate-limit blocks) are not looked into. Checked before an entry is proposed to Raft, never when the FSM
// applies one, so entries already in a log replay as they were written.

import { SERVICE_INTENTIONS_KIND } from '../../connect/index.js';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Consul's decoder matches keys ignoring case and underscores (snake_case is translated). */
export const fold = (key: string): string => key.replace(/_/g, '').toLowerCase();

export const commonKeys = ['Kind', 'Name', 'Namespace', 'Partition', 'Meta', 'CreateIndex', 'ModifyIndex'];

/** Top-level keys of each kind Lattice serves (Consul's ServiceConfigEntry, ProxyConfigEntry, ServiceIntentionsConfigEntry). */
export const topLevelKeys: Readonly<Record<string, readonly string[]>> = {
  'service-defaults': [
    ...commonKeys,
    'Protocol',
    'Mode',
    'TransparentProxy',
    'MutualTLSMode',
    'MeshGateway',
    'Expose',
    'ExternalSNI',
    'UpstreamConfig',
    'Destination',
    'MaxInboundConnections',
    'LocalConnectTimeoutMs',
    'LocalRequestTimeoutMs',
    'BalanceInboundConnections',
    'RateLimits',
    'EnvoyExtensions',
  ],
  'proxy-defaults': [
    ...commonKeys,
    'Config',
    'Mode',
    'TransparentProxy',
    'MutualTLSMode',
    'MeshGateway',
    'Expose',
    'AccessLogs',
    'EnvoyExtensions',
    'FailoverPolicy',
    'PrioritizeByLocality',
  ],
  [SERVICE_INTENTIONS_KIND]: [...commonKeys, 'Sources', 'JWT'],
};

export const sourceKeys = [
  'Name',
  'Namespace',
  'Partition',
  'Peer',
  'SamenessGroup',
  'Action',
  'Permissions',
  'Precedence',
  'Type',
  'Description',
  'LegacyID',
  'LegacyMeta',
  'LegacyCreateTime',
  'LegacyUpdateTime',
];
export const permissionKeys = ['Action', 'HTTP', 'JWT'];
export const httpKeys = ['PathExact', 'PathPrefix', 'PathRegex', 'Header', 'Methods'];
export const headerKeys = ['Name', 'Present', 'Exact', 'Prefix', 'Suffix', 'Contains', 'Regex', 'IgnoreCase', 'Invert'];

/** The keys of `value` (an object) that `known` does not take, each named by its path, e.g. `Sources[0].Actoin`. */
function unknownIn(value: Fields, known: readonly string[], path: string): string[] {
  const folded = new Set(known.map(fold));
  return Object.keys(value)
    .filter((key) => !folded.has(fold(key)))
    .map((key) => `${path}${key}`);
}

/** The value under `key` matched as Consul matches it (case and underscores ignored). */
function field(value: Fields, key: string): unknown {
  const wanted = fold(key);
  const found = Object.keys(value).find((candidate) => fold(candidate) === wanted);
  return found === undefined ? undefined : value[found];
}

const objectsIn = (value: unknown): [Fields, number][] =>
  Array.isArray(value)
    ? value.flatMap((item, position): [Fields, number][] => (isObject(item) ? [[item, position]] : []))
    : [];

function unknownIntentionKeys(entry: Fields): string[] {
  const found: string[] = [];
  for (const [source, at] of objectsIn(field(entry, 'Sources'))) {
    const sourcePath = `Sources[${at}].`;
    found.push(...unknownIn(source, sourceKeys, sourcePath));
    for (const [permission, p] of objectsIn(field(source, 'Permissions'))) {
      const permissionPath = `${sourcePath}Permissions[${p}].`;
      found.push(...unknownIn(permission, permissionKeys, permissionPath));
      const http = field(permission, 'HTTP');
      if (!isObject(http)) continue;
      found.push(...unknownIn(http, httpKeys, `${permissionPath}HTTP.`));
      for (const [header, h] of objectsIn(field(http, 'Header')))
        found.push(...unknownIn(header, headerKeys, `${permissionPath}HTTP.Header[${h}].`));
    }
  }
  return found;
}

/**
 * The keys of a config entry that its kind does not have, in input order; empty when all are known or the kind is
 * not one Lattice serves (the kind itself is refused elsewhere, with Consul's text).
 */
export function unknownConfigEntryKeys(input: unknown): string[] {
  if (!isObject(input)) return [];
  const kind = field(input, 'Kind');
  if (typeof kind !== 'string') return [];
  const known = topLevelKeys[kind];
  if (known === undefined) return [];
  const found = unknownIn(input, known, '');
  if (kind === SERVICE_INTENTIONS_KIND) found.push(...unknownIntentionKeys(input));
  return found;
}

/** Consul's refusal text for the keys unknownConfigEntryKeys found: one `invalid config key "K"` per key. */
export function unknownConfigKeysMessage(keys: readonly string[]): string {
  return keys.map((key) => `invalid config key ${JSON.stringify(key)}`).join('; ');
}
