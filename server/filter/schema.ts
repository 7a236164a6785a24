// Selector validation, as Consul does when it creates an evaluator for a known response type: a selector naming
// a field the objects do not have is refused up front (`Selector "Foo" is not valid`), not silently false. The
// schemas describe Consul's JSON shapes; map fields (Meta, TaggedAddresses) take any key.

import { FilterError, filterErrorPrefix } from './lexer.js';
import type { Expression } from './parser.js';

/** A leaf value, a map with free keys, a list of something, or an object with known fields. */
export type FieldSchema =
  | 'value'
  | { readonly map: FieldSchema }
  | { readonly list: FieldSchema }
  | { readonly fields: Readonly<Record<string, FieldSchema>> };

const value = 'value' as const;
const stringMap: FieldSchema = { map: value };
const stringList: FieldSchema = { list: value };
const object = (fields: Record<string, FieldSchema>): FieldSchema => ({ fields });
const leaves = (...names: string[]): Record<string, FieldSchema> =>
  Object.fromEntries(names.map((name) => [name, value]));

const serviceAddress = object(leaves('Address', 'Port'));
const weights = object(leaves('Passing', 'Warning'));
/** Proxy settings are open-ended (Config is opaque, Upstreams a list): any key, three levels down. */
const proxy: FieldSchema = { map: { map: { map: value } } };
const connect = object(leaves('Native'));

const node = object({
  ...leaves('ID', 'Node', 'Address', 'Datacenter', 'CreateIndex', 'ModifyIndex'),
  TaggedAddresses: stringMap,
  Meta: stringMap,
});

const nodeService = object({
  ...leaves(
    'ID',
    'Service',
    'Address',
    'Port',
    'EnableTagOverride',
    'Kind',
    'SocketPath',
    'CreateIndex',
    'ModifyIndex',
  ),
  ...leaves('Datacenter', 'Namespace', 'Partition', 'PeerName', 'ContentHash'),
  Tags: stringList,
  TaggedAddresses: { map: serviceAddress },
  Meta: stringMap,
  Weights: weights,
  Proxy: proxy,
  Connect: connect,
});

const healthCheck = object({
  ...leaves('Node', 'CheckID', 'Name', 'Status', 'Notes', 'Output', 'ServiceID', 'ServiceName', 'Type'),
  ...leaves('Interval', 'Timeout', 'ExposedPort', 'CreateIndex', 'ModifyIndex', 'Namespace', 'Partition', 'PeerName'),
  ServiceTags: stringList,
  Definition: { map: { map: value } },
});

const catalogService = object({
  ...leaves('ID', 'Node', 'Address', 'Datacenter', 'ServiceKind', 'ServiceID', 'ServiceName', 'ServiceAddress'),
  ...leaves('ServicePort', 'ServiceSocketPath', 'ServiceEnableTagOverride', 'CreateIndex', 'ModifyIndex'),
  ...leaves('Namespace', 'Partition', 'PeerName'),
  TaggedAddresses: stringMap,
  NodeMeta: stringMap,
  ServiceTags: stringList,
  ServiceTaggedAddresses: { map: serviceAddress },
  ServiceWeights: weights,
  ServiceMeta: stringMap,
  ServiceProxy: proxy,
  ServiceConnect: connect,
});

const coordinate = object({
  ...leaves('Node', 'Segment', 'Partition'),
  Coord: object({ ...leaves('Error', 'Adjustment', 'Height'), Vec: stringList }),
});

const intention = object({
  ...leaves('ID', 'Description', 'SourceNS', 'SourceName', 'DestinationNS', 'DestinationName', 'SourcePartition'),
  ...leaves('DestinationPartition', 'SourcePeer', 'SourceSamenessGroup', 'SourceType', 'Action', 'Precedence'),
  ...leaves('CreatedAt', 'UpdatedAt', 'CreateIndex', 'ModifyIndex', 'Hash', 'LegacyID'),
  Meta: stringMap,
  LegacyMeta: stringMap,
  Permissions: { list: { map: { map: { map: value } } } },
});

/** Consul structs.NodeInfo (Internal.NodeDump rows). */
const nodeInfo = object({
  ...leaves('ID', 'Node', 'Partition', 'PeerName', 'Address'),
  TaggedAddresses: stringMap,
  Meta: stringMap,
  Services: { list: nodeService },
  Checks: { list: healthCheck },
});

/** The objects Consul's filtered endpoints evaluate, by the shape of one element of the answer. */
export const filterSchemas = {
  /** `/v1/catalog/nodes` */
  node,
  /** `/v1/catalog/service/:s`, `/v1/catalog/connect/:s` */
  catalogService,
  /** `/v1/catalog/node/:n` Services, `/v1/agent/services` values */
  nodeService,
  /** `/v1/health/node|checks|state`, `/v1/agent/checks` values */
  healthCheck,
  /** `/v1/health/service/:s`, `/v1/health/connect/:s` */
  serviceEntry: object({ Node: node, Service: nodeService, Checks: { list: healthCheck } }),
  /** `/v1/coordinate/nodes`, `/v1/coordinate/node/:n` */
  coordinate,
  /** `/v1/connect/intentions` */
  intention,
  /** `/v1/internal/ui/nodes` */
  nodeInfo,
} as const;

/**
 * How many leading segments of `path` name fields of `schema` (path.length when all do). Field names match
 * exactly, as go-bexpr's field configurations are keyed by the Go field name.
 */
function validPrefix(schema: FieldSchema, path: readonly string[], from: number): number {
  if (from === path.length) return from;
  if (schema === 'value') return from;
  const segment = path[from] as string;
  if ('map' in schema) return validPrefix(schema.map, path, from + 1);
  if ('list' in schema) {
    // A position selects one element; any other segment applies to every element.
    return /^[0-9]+$/.test(segment) ? validPrefix(schema.list, path, from + 1) : validPrefix(schema.list, path, from);
  }
  const field = Object.hasOwn(schema.fields, segment) ? schema.fields[segment] : undefined;
  return field === undefined ? from : validPrefix(field, path, from + 1);
}

/** Throws FilterError for the first selector that names no field of `schema`. */
export function validateSelectors(expression: Expression, schema: FieldSchema): void {
  switch (expression.kind) {
    case 'or':
    case 'and':
      validateSelectors(expression.left, schema);
      validateSelectors(expression.right, schema);
      return;
    case 'not':
      validateSelectors(expression.operand, schema);
      return;
    case 'match': {
      // go-bexpr names the selector up to and including the first segment that is no field.
      const path = expression.selector.path;
      const valid = validPrefix(schema, path, 0);
      if (valid < path.length) {
        const named = path.slice(0, valid + 1).join('.');
        throw new FilterError(`${filterErrorPrefix}Selector ${JSON.stringify(named)} is not valid`, 0);
      }
    }
  }
}
