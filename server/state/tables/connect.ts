// The Connect tables (Consul's config-entries, connect-ca-config and connect-ca-roots schemas): config entries by
// `kind/name` with a kind index (service-intentions entries carry the intentions, Consul ≥ 1.9), the CA's one
// configuration row (cluster ID, provider, config map), and the CA roots by ID. A root row keeps its signing key
// PEM for the built-in provider, as Consul's CARoot.SigningKey; reads strip it.

import type { CaRoot } from '../../../connect/index.js';
import type { TableSchema } from './table.js';

/** A stored config entry: the normalized entry (Consul field names) plus its indexes. */
export type ConfigEntryRow = Readonly<Record<string, unknown>> & {
  readonly Kind: string;
  readonly Name: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
};

export interface CaConfigRow {
  readonly ClusterID: string;
  readonly Provider: string;
  readonly Config: Readonly<Record<string, unknown>>;
  readonly ForceWithoutCrossSigning: boolean;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A CA root as stored: the CARoot fields, its signing key (built-in provider) and when it was rotated out. */
export type CaRootRow = CaRoot & {
  readonly SigningKey: string;
  readonly RotatedOutAtMs?: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
};

export const configEntryKey = (kind: string, name: string): string => `${kind}/${name}`;

export const configEntriesSchema: TableSchema<ConfigEntryRow> = {
  name: 'config-entries',
  primaryKey: (row) => configEntryKey(row.Kind, row.Name),
  indexes: { kind: (row) => [row.Kind] },
};

export const caConfigKey = 'config';

export const caConfigSchema: TableSchema<CaConfigRow> = {
  name: 'connect-ca-config',
  primaryKey: () => caConfigKey,
  indexes: {},
};

export const caRootsSchema: TableSchema<CaRootRow> = {
  name: 'connect-ca-roots',
  primaryKey: (row) => row.ID,
  indexes: {},
};

/** The Connect tables by name, in snapshot order (after KV's). */
export const connectSchemas = {
  configEntries: configEntriesSchema,
  caConfig: caConfigSchema,
  caRoots: caRootsSchema,
} as const;
