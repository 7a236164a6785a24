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
} as const;

function validPath(schema: FieldSchema, path: readonly string[], from: number): boolean {
  if (from === path.length) return true;
  if (schema === 'value') return false;
  const segment = path[from] as string;
  if ('map' in schema) return validPath(schema.map, path, from + 1);
  if ('list' in schema) {
    // A position selects one element; any other segment applies to every element.
    return validPath(schema.list, path, /^[0-9]+$/.test(segment) ? from + 1 : from);
  }
  const field = schema.fields[segment];
  return field !== undefined && validPath(field, path, from + 1);
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
    case 'match':
      if (!validPath(schema, expression.selector.path, 0)) {
        throw new FilterError(
          `${filterErrorPrefix}Selector ${JSON.stringify(expression.selector.text)} is not valid`,
          0,
        );
      }
  }
}
