// The prepared-queries table (Consul's prepared-queries schema): queries by ID, with a unique lower-cased name
// index, a template index (`\0` + lower-cased name, so the empty name of a catch-all template is a key too) for the
// longest-prefix lookup, and a session index through which an invalidated session finds the queries it deletes.

import type { PreparedQuery } from '../prepared-query-types.js';
import { isTemplate } from '../prepared-query-types.js';
import type { TableSchema } from './table.js';

/** The template index key of a name (or of a prefix being looked up). */
export const templateIndexKey = (name: string): string => `\u0000${name.toLowerCase()}`;

export const preparedQueriesSchema: TableSchema<PreparedQuery> = {
  name: 'prepared-queries',
  primaryKey: (row) => row.ID,
  indexes: {
    name: (row) => (row.Name === '' ? [] : [row.Name.toLowerCase()]),
    template: (row) => (isTemplate(row) ? [templateIndexKey(row.Name)] : []),
    session: (row) => (row.Session === '' ? [] : [row.Session]),
  },
};

/** In snapshot order, after the Connect tables. */
export const preparedQuerySchemas = { preparedQueries: preparedQueriesSchema } as const;
