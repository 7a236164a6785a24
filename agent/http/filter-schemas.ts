// Which response shape each `?filter=` endpoint evaluates, so an unknown selector is Consul's 400 (`Selector "X" is
// not valid`, from go-bexpr's CreateFilter with the reply type) instead of a silent empty answer. Paths are matched
// on their route prefix; an endpoint not listed here takes any selector (it has no filterable rows, or its shape
// is open-ended).

import { type FieldSchema, filterSchemas } from '../../server/filter/index.js';

/** Route prefixes (the part before the endpoint's name argument, if any) and their element schemas. */
const schemaByPrefix: ReadonlyArray<readonly [prefix: string, exact: boolean, schema: FieldSchema]> = [
  ['/v1/catalog/nodes', true, filterSchemas.node],
  // Consul filters /v1/catalog/services as ServiceNode rows (Catalog.ListServices).
  ['/v1/catalog/services', true, filterSchemas.catalogService],
  ['/v1/catalog/service/', false, filterSchemas.catalogService],
  ['/v1/catalog/connect/', false, filterSchemas.catalogService],
  ['/v1/catalog/node/', false, filterSchemas.nodeService],
  ['/v1/catalog/node-services/', false, filterSchemas.nodeService],
  ['/v1/health/node/', false, filterSchemas.healthCheck],
  ['/v1/health/checks/', false, filterSchemas.healthCheck],
  ['/v1/health/state/', false, filterSchemas.healthCheck],
  ['/v1/health/service/', false, filterSchemas.serviceEntry],
  ['/v1/health/connect/', false, filterSchemas.serviceEntry],
  ['/v1/health/ingress/', false, filterSchemas.serviceEntry],
  ['/v1/agent/services', true, filterSchemas.nodeService],
  ['/v1/agent/checks', true, filterSchemas.healthCheck],
  ['/v1/coordinate/nodes', true, filterSchemas.coordinate],
  ['/v1/coordinate/node/', false, filterSchemas.coordinate],
  ['/v1/connect/intentions', true, filterSchemas.intention],
  ['/v1/internal/ui/nodes', true, filterSchemas.nodeInfo],
  // Consul's Internal.ServiceDump filters the health entries the listing is summarised from.
  ['/v1/internal/ui/services', true, filterSchemas.serviceEntry],
];

/** The schema `?filter=` selectors must name on `path` (no query string), or undefined to accept any. */
export function filterSchemaForPath(path: string): FieldSchema | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  for (const [prefix, exact, schema] of schemaByPrefix) {
    if (exact ? trimmed === prefix : trimmed.startsWith(prefix)) return schema;
  }
  return undefined;
}
