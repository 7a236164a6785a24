// Config entry normalization for the kinds Lattice serves (service-defaults, proxy-defaults, service-intentions):
// keys accepted in Consul's spellings (PascalCase, snake_case, any case, as Consul's decodeConfigEntry), kind
// rules checked with Consul's texts, other known kinds refused as not implemented yet (501 at the edge), unknown
// kinds refused as invalid. The L7 rule (permissions only for HTTP-like destinations) needs the store, so it runs
// inside the write transaction (configEntryApplyTxn).

import {
  IntentionValidationError,
  normalizeServiceIntentions,
  SERVICE_INTENTIONS_KIND,
  type ServiceIntentionsEntry,
  validateServiceIntentions,
} from '../../connect/index.js';
import { NotImplementedError } from '../../lib/errors.js';
import {
  commonKeys,
  fold,
  headerKeys,
  httpKeys,
  permissionKeys,
  sourceKeys,
  topLevelKeys,
} from './config-entry-keys.js';
import { configEntryDeleteTxn, configEntrySetTxn } from './connect-ops.js';
import { InvalidWriteError } from './errors.js';
import type { StateStore } from './store.js';
import { configEntriesSchema, configEntryKey } from './tables/connect.js';
import type { WriteTxn } from './txn.js';

export const supportedConfigKinds: readonly string[] = ['service-defaults', 'proxy-defaults', SERVICE_INTENTIONS_KIND];
/** Kinds Consul has that Lattice does not serve yet. */
export const plannedConfigKinds: readonly string[] = [
  'service-router',
  'service-splitter',
  'service-resolver',
  'mesh',
  'ingress-gateway',
  'terminating-gateway',
  'api-gateway',
  'http-route',
  'tcp-route',
  'inline-certificate',
  'exported-services',
  'sameness-group',
  'jwt-provider',
  'control-plane-request-limit',
  'bound-api-gateway',
  'file-system-certificate',
];
export const httpLikeProtocols: readonly string[] = ['http', 'http2', 'grpc'];
/** One entry's JSON is bounded well below the Raft command limit. */
export const configEntryBytesMax = 512 * 1024;

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Renames keys that match `known` ignoring case and underscores; other keys stay as given. */
function canonical(value: Fields, known: readonly string[]): Fields {
  const byFold = new Map(known.map((name) => [fold(name), name]));
  const out: Fields = {};
  for (const [key, inner] of Object.entries(value)) out[byFold.get(fold(key)) ?? key] = inner;
  return out;
}

// The key names per kind come from config-entry-keys.ts, which also refuses the keys no field takes.
const serviceDefaultsKeys = topLevelKeys['service-defaults'] ?? [];
const proxyDefaultsKeys = topLevelKeys['proxy-defaults'] ?? [];
const serviceIntentionsKeys = topLevelKeys[SERVICE_INTENTIONS_KIND] ?? [];

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidWriteError(`${where} must be a list`);
  return value;
}

function objectAt(value: unknown, where: string): Fields {
  if (!isObject(value)) throw new InvalidWriteError(`${where} must be an object`);
  return value;
}

function canonicalIntentions(body: Fields): ServiceIntentionsEntry {
  const sources = list(body['Sources'], 'Sources').map((source, position) => {
    const fields = canonical(objectAt(source, `Sources[${position}]`), sourceKeys);
    if (fields['Permissions'] === undefined) return fields;
    const permissions = list(fields['Permissions'], `Sources[${position}].Permissions`).map((permission, at) => {
      const perm = canonical(objectAt(permission, `Sources[${position}].Permissions[${at}]`), permissionKeys);
      if (!isObject(perm['HTTP'])) return perm;
      const http = canonical(perm['HTTP'], httpKeys);
      if (http['Header'] !== undefined)
        http['Header'] = list(http['Header'], 'Header').map((header) =>
          canonical(objectAt(header, 'Header'), headerKeys),
        );
      return { ...perm, HTTP: http };
    });
    return { ...fields, Permissions: permissions };
  });
  return { ...body, Kind: SERVICE_INTENTIONS_KIND, Sources: sources } as unknown as ServiceIntentionsEntry;
}

export type ConfigEntryInput = Fields & { readonly Kind: string; readonly Name: string };

/**
 * A service-intentions entry written as a config entry is not a legacy write (Consul's Normalize and Validate with
 * legacyWrite false): legacy IDs and timestamps are dropped, so the ID-based intention endpoints no longer edit
 * this destination, and legacy Meta is refused rather than silently lost.
 */
function withoutLegacyFields(entry: ServiceIntentionsEntry): ServiceIntentionsEntry {
  const sources = entry.Sources.map((source, position) => {
    if (source.LegacyMeta !== undefined && source.LegacyMeta !== null && Object.keys(source.LegacyMeta).length > 0)
      throw new InvalidWriteError(`Sources[${position}].LegacyMeta must be omitted`);
    const {
      LegacyID: _id,
      LegacyMeta: _meta,
      LegacyCreateTime: _created,
      LegacyUpdateTime: _updated,
      ...rest
    } = source;
    return rest;
  });
  return { ...entry, Sources: sources };
}

/** Validates and normalizes one entry from the network (or the Raft log); throws with Consul's texts. */
export function normalizeConfigEntry(input: unknown): ConfigEntryInput {
  if (!isObject(input)) throw new InvalidWriteError('config entry must be an object');
  const first = canonical(input, commonKeys);
  const kind = first['Kind'];
  const name = first['Name'];
  if (typeof kind !== 'string' || kind === '') throw new InvalidWriteError('Kind is required');
  if (!supportedConfigKinds.includes(kind)) {
    if (plannedConfigKinds.includes(kind)) throw new NotImplementedError(`config entry kind "${kind}"`);
    throw new InvalidWriteError(`invalid config entry kind: ${kind}`);
  }
  if (typeof name !== 'string' || name === '') throw new InvalidWriteError('Name is required');
  if (first['Meta'] !== undefined && first['Meta'] !== null && !isObject(first['Meta']))
    throw new InvalidWriteError('Meta must be a map of strings');
  switch (kind) {
    case 'proxy-defaults': {
      if (name !== 'global') throw new InvalidWriteError(`invalid name ("${name}"), only "global" is supported`);
      const entry = canonical(input, proxyDefaultsKeys);
      if (entry['Config'] !== undefined && entry['Config'] !== null && !isObject(entry['Config']))
        throw new InvalidWriteError('Config must be a map');
      return { ...entry, Kind: kind, Name: name };
    }
    case 'service-defaults': {
      const entry = canonical(input, serviceDefaultsKeys);
      const protocol = entry['Protocol'];
      if (protocol !== undefined && typeof protocol !== 'string')
        throw new InvalidWriteError('Protocol must be a string');
      if (typeof protocol === 'string') entry['Protocol'] = protocol.toLowerCase();
      return { ...entry, Kind: kind, Name: name };
    }
    default: {
      const entry = withoutLegacyFields(
        normalizeServiceIntentions(canonicalIntentions(canonical(input, serviceIntentionsKeys))),
      );
      try {
        validateServiceIntentions(entry);
      } catch (error) {
        if (error instanceof IntentionValidationError) throw new InvalidWriteError(error.message, { cause: error });
        throw error;
      }
      return entry as unknown as ConfigEntryInput;
    }
  }
}

/** The protocol a service's proxies speak: its service-defaults, else proxy-defaults' Config.protocol, else tcp. */
export function serviceProtocol(store: Pick<StateStore, 'table'> | WriteTxn, service: string): string {
  const table = store.table(configEntriesSchema);
  const defaults = table.get(configEntryKey('service-defaults', service));
  const own = defaults?.['Protocol'];
  if (typeof own === 'string' && own !== '') return own;
  const proxy = table.get(configEntryKey('proxy-defaults', 'global'))?.['Config'];
  const global = isObject(proxy) ? proxy['protocol'] : undefined;
  return typeof global === 'string' && global !== '' ? global.toLowerCase() : 'tcp';
}

/** Refuses L7 permissions on a destination whose protocol is not HTTP-like (Consul's rule). */
export function checkL7Protocol(txn: WriteTxn, entry: ServiceIntentionsEntry): void {
  if (!entry.Sources.some((source) => (source.Permissions ?? []).length > 0)) return;
  if (entry.Name === '*') return;
  const protocol = serviceProtocol(txn, entry.Name);
  if (!httpLikeProtocols.includes(protocol))
    throw new InvalidWriteError(
      `service "${entry.Name}" has protocol "${protocol}", which does not support L7 intentions (Permissions need http, http2 or grpc)`,
    );
}

export type ConfigEntryOp =
  | { readonly Op: 'upsert'; readonly Entry: unknown; readonly CasIndex?: number }
  | { readonly Op: 'delete'; readonly Kind: string; readonly Name: string; readonly CasIndex?: number };

/** ConfigEntry.Apply as the FSM runs it: normalized again (the log came from the network once). */
export function configEntryApplyTxn(txn: WriteTxn, op: ConfigEntryOp): boolean {
  if (op.Op === 'delete') return configEntryDeleteTxn(txn, op.Kind, op.Name, op.CasIndex);
  const entry = normalizeConfigEntry(op.Entry);
  if (entry.Kind === SERVICE_INTENTIONS_KIND) checkL7Protocol(txn, entry as unknown as ServiceIntentionsEntry);
  return configEntrySetTxn(txn, entry, op.CasIndex);
}
