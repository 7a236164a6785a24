// Prepared-query reads (Consul state/prepared_query.go): get by ID, list in ID order, and resolve — by ID when the
// text looks like a UUID (a template is refused by ID), then by exact name, then by the longest template-name
// prefix, rendering a template for the name asked. Every read answers the table index. Compiled templates are
// kept per stored row (rows are immutable), so a DNS lookup does not re-parse the template.

import { StateStoreError } from './errors.js';
import { tableIndexKey } from './indexes.js';
import { looksLikeUuid, preparedQueryWatchKey } from './prepared-query-ops.js';
import { type CompiledTemplate, compileTemplate, renderTemplate, TemplateError } from './prepared-query-template.js';
import { isTemplate, type PreparedQuery, type PreparedQueryFields, type QuerySource } from './prepared-query-types.js';
import type { QueryResult, StateStore } from './store.js';
import { preparedQueriesSchema, templateIndexKey } from './tables/prepared-queries.js';
import { WatchSet } from './watch.js';

/** Why a resolve failed other than "not found" (Consul returns these as plain errors: 500 at the HTTP edge). */
export class PreparedQueryResolveError extends StateStoreError {
  override readonly name: string = 'PreparedQueryResolveError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_PREPARED_QUERY_RESOLVE', message, options);
  }
}

const tableIndex = (store: StateStore): number => store.indexes.get(tableIndexKey(preparedQueriesSchema.name));

/** The query with this ID; IDs compare case-insensitively, as Consul's UUID index reads them. */
export function preparedQueryById(store: Pick<StateStore, 'table'>, id: string): PreparedQuery | undefined {
  const table = store.table(preparedQueriesSchema);
  return table.get(id) ?? table.get(id.toLowerCase());
}

export function preparedQueryGet(store: StateStore, id: string): QueryResult<PreparedQuery | null> {
  const found = preparedQueryById(store, id) ?? null;
  return {
    index: tableIndex(store),
    value: found,
    watch: new WatchSet([preparedQueryWatchKey(found?.ID ?? id.toLowerCase())]),
  };
}

export function preparedQueryList(store: StateStore): QueryResult<readonly PreparedQuery[]> {
  return {
    index: tableIndex(store),
    value: store.table(preparedQueriesSchema).all(),
    watch: new WatchSet([tableIndexKey(preparedQueriesSchema.name)]),
  };
}

const compiledByRow = new WeakMap<PreparedQuery, CompiledTemplate>();

function render(row: PreparedQuery, name: string, source: QuerySource): PreparedQueryFields {
  if (!isTemplate(row)) return row;
  try {
    let compiled = compiledByRow.get(row);
    if (compiled === undefined) {
      compiled = compileTemplate(row);
      compiledByRow.set(row, compiled);
    }
    return renderTemplate(compiled, name, source);
  } catch (error) {
    if (error instanceof TemplateError) throw new PreparedQueryResolveError(error.message, { cause: error });
    throw error;
  }
}

/** The longest stored template name that is a prefix of `name` (case-insensitively); '' matches everything. */
function longestTemplatePrefix(store: StateStore, name: string): PreparedQuery | undefined {
  const table = store.table(preparedQueriesSchema);
  for (let length = name.length; length >= 0; length--) {
    const [row] = table.lookup('template', templateIndexKey(name.slice(0, length)));
    if (row !== undefined) return row;
  }
  return undefined;
}

/**
 * PreparedQueryResolve: the query `idOrName` names, rendered when it is a template, or null when nothing matches.
 * Throws for an empty name, a template asked by ID, or a template that fails to render.
 */
export function preparedQueryResolve(
  store: StateStore,
  idOrName: string,
  source: QuerySource,
): QueryResult<PreparedQueryFields | null> {
  const watch = new WatchSet([tableIndexKey(preparedQueriesSchema.name)]);
  const answer = (value: PreparedQueryFields | null) => ({ index: tableIndex(store), value, watch });
  if (idOrName === '') throw new PreparedQueryResolveError('Missing Query ID');
  const table = store.table(preparedQueriesSchema);
  if (looksLikeUuid(idOrName)) {
    const byId = preparedQueryById(store, idOrName);
    if (byId !== undefined) {
      if (isTemplate(byId))
        throw new PreparedQueryResolveError('prepared query templates can only be resolved up by name, not by ID');
      return answer(byId);
    }
  }
  const [byName] = table.lookup('name', idOrName.toLowerCase());
  if (byName !== undefined) return answer(render(byName, idOrName, source));
  const template = longestTemplatePrefix(store, idOrName);
  return answer(template === undefined ? null : render(template, idOrName, source));
}
