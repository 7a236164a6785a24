// The KV and session tables (Consul's kvs, tombstones and sessions schemas): entries by key (case-sensitive,
// read in key order), tombstones of deleted keys by key (so a prefix's index never slides back after a
// delete), and sessions by ID with a node index and a check index (`node\0check`, lower-cased) through which a
// check going critical or away finds the sessions it invalidates.

import type { KvEntry, Session, Tombstone } from '../kv-types.js';
import { foldName } from './catalog.js';
import type { TableSchema } from './table.js';

const separator = '\u0000';

/** The key a session's check binding is found under: the session's node and the check ID, case-insensitively. */
export const sessionCheckKey = (node: string, checkId: string): string =>
  `${foldName(node)}${separator}${foldName(checkId)}`;

export const kvsSchema: TableSchema<KvEntry> = {
  name: 'kvs',
  primaryKey: (row) => row.Key,
  indexes: { session: (row) => (row.Session === '' ? [] : [row.Session]) },
};

export const tombstonesSchema: TableSchema<Tombstone> = {
  name: 'tombstones',
  primaryKey: (row) => row.Key,
  indexes: {},
};

export const sessionsSchema: TableSchema<Session> = {
  name: 'sessions',
  primaryKey: (row) => row.ID,
  indexes: {
    node: (row) => [foldName(row.Node)],
    check: (row) => [
      ...new Set([...(row.NodeChecks ?? []), ...(row.Checks ?? [])].map((check) => sessionCheckKey(row.Node, check))),
      ...(row.ServiceChecks ?? []).map((check) => sessionCheckKey(row.Node, check.ID)),
    ],
  },
};

/** The KV tables by name, in the order snapshots write them (after the catalog's). */
export const kvSchemas = {
  kvs: kvsSchema,
  tombstones: tombstonesSchema,
  sessions: sessionsSchema,
} as const;
