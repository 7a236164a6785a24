// Prepared-query writes with Consul's state-store semantics (state/prepared_query.go): set keeps CreateIndex, refuses
// a name another query has (case-insensitively), a second template with the empty name, a name equal to another
// query's ID, a session that does not exist and a template that does not compile; delete of a missing query is a
// no-op; a destroyed or invalidated session deletes the queries bound to it (session.go deleteSessionTxn).

import { InvalidWriteError } from './errors.js';
import { tableIndexKey } from './indexes.js';
import { compileTemplate, TemplateError } from './prepared-query-template.js';
import { isTemplate, type PreparedQuery, type PreparedQueryFields } from './prepared-query-types.js';
import { sessionsSchema } from './tables/kv.js';
import { preparedQueriesSchema, templateIndexKey } from './tables/prepared-queries.js';
import type { WriteTxn } from './txn.js';

/** Fires when the query with this ID is written or deleted. */
export const preparedQueryWatchKey = (id: string): string => `prepared-query:${id}`;

const uuidPattern = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** Consul's isUUID: whether a name could be mistaken for a query ID. */
export const looksLikeUuid = (text: string): boolean => text.length === 36 && uuidPattern.test(text);

function touch(txn: WriteTxn, id: string): void {
  txn.bumpIndex(tableIndexKey(preparedQueriesSchema.name));
  txn.touch(preparedQueryWatchKey(id));
}

/** preparedQuerySetTxn: inserts or replaces the query (fields already validated by the endpoint). */
export function preparedQuerySetTxn(txn: WriteTxn, query: PreparedQueryFields): PreparedQuery {
  if (query.ID === '') throw new InvalidWriteError('Missing Query ID');
  const table = txn.table(preparedQueriesSchema);
  const existing = table.get(query.ID);
  const sameQuery = (other: PreparedQuery | undefined): boolean => other === undefined || other.ID === query.ID;
  if (query.Name !== '') {
    if (!sameQuery(table.lookup('name', query.Name.toLowerCase())[0]))
      throw new InvalidWriteError(`name '${query.Name}' aliases an existing query name`);
  } else if (isTemplate(query) && !sameQuery(table.lookup('template', templateIndexKey(''))[0])) {
    throw new InvalidWriteError('a query template with an empty name already exists');
  }
  // Queries are looked up by ID before name, but a name equal to another query's ID must not even be stored.
  if (looksLikeUuid(query.Name) && table.get(query.Name) !== undefined)
    throw new InvalidWriteError(`name '${query.Name}' aliases an existing query ID`);
  if (query.Session !== '' && txn.table(sessionsSchema).get(query.Session) === undefined)
    throw new InvalidWriteError(`invalid session ${JSON.stringify(query.Session)}`);
  if (isTemplate(query)) {
    try {
      compileTemplate(query);
    } catch (error) {
      if (error instanceof TemplateError)
        throw new InvalidWriteError(`failed compiling template: ${error.message}`, { cause: error });
      throw error;
    }
  }
  const row: PreparedQuery = {
    ...query,
    CreateIndex: existing?.CreateIndex ?? txn.index,
    ModifyIndex: txn.index,
  };
  txn.put(preparedQueriesSchema, row);
  touch(txn, query.ID);
  return row;
}

/** preparedQueryDeleteTxn: removes the query; false (nothing changed) when there is none. */
export function preparedQueryDeleteTxn(txn: WriteTxn, id: string): boolean {
  if (txn.table(preparedQueriesSchema).get(id) === undefined) return false;
  txn.delete(preparedQueriesSchema, id);
  touch(txn, id);
  return true;
}

/** A session is going away: every query bound to it goes with it. */
export function deleteSessionQueriesTxn(txn: WriteTxn, sessionId: string): void {
  for (const query of [...txn.table(preparedQueriesSchema).lookup('session', sessionId)])
    preparedQueryDeleteTxn(txn, query.ID);
}
