// Connect writes with Consul's state-store semantics: config entries (set with optional check-and-set, delete),
// legacy intention mutations applied to the destination's service-intentions entry (Consul ≥ 1.9 stores
// intentions there), and the CA: its configuration row and the whole root set replaced at once, optionally
// guarded by the roots' index (Consul's CASetRoots CAS). Each runs as one store transaction at one Raft index.

import {
  type Intention,
  IntentionValidationError,
  intentionsFromServiceIntentions,
  normalizeIntention,
  SERVICE_INTENTIONS_KIND,
  type ServiceIntentionsEntry,
  serviceIntentionsFromIntentions,
  validateIntention,
} from '../../connect/index.js';
import {
  IntentionConflictError,
  InvalidWriteError,
  LegacyIntentionEditError,
  UnknownIntentionError,
} from './errors.js';
import { tableIndexKey } from './indexes.js';
import type { StateStore } from './store.js';
import {
  type CaConfigRow,
  type CaRootRow,
  type ConfigEntryRow,
  caConfigSchema,
  caRootsSchema,
  configEntriesSchema,
  configEntryKey,
} from './tables/connect.js';
import type { WriteTxn } from './txn.js';

/** Fires for every change to one config entry (and moves the table index). */
export const configEntryWatchKey = (kind: string, name: string): string => `config-entry:${kind}/${name}`;
export const configKindWatchKey = (kind: string): string => `config-kind:${kind}`;

function touchEntry(txn: WriteTxn, kind: string, name: string): void {
  txn.bumpIndex(tableIndexKey(configEntriesSchema.name));
  txn.touch(configEntryWatchKey(kind, name));
  txn.touch(configKindWatchKey(kind));
}

/** Writes an entry (already normalized); with casIndex, only when the current ModifyIndex is that (0: absent). */
export function configEntrySetTxn(
  txn: WriteTxn,
  entry: Readonly<Record<string, unknown>> & { Kind: string; Name: string },
  casIndex?: number,
): boolean {
  const existing = txn.table(configEntriesSchema).get(configEntryKey(entry.Kind, entry.Name));
  if (casIndex !== undefined && (existing?.ModifyIndex ?? 0) !== casIndex) return false;
  const { CreateIndex: _create, ModifyIndex: _modify, ...fields } = entry as Record<string, unknown>;
  const row: ConfigEntryRow = {
    ...(fields as { Kind: string; Name: string }),
    CreateIndex: existing?.CreateIndex ?? txn.index,
    ModifyIndex: txn.index,
  };
  txn.put(configEntriesSchema, row);
  touchEntry(txn, entry.Kind, entry.Name);
  return true;
}

/** Deletes an entry; with casIndex, only when its ModifyIndex is that. Deleting a missing entry is true. */
export function configEntryDeleteTxn(txn: WriteTxn, kind: string, name: string, casIndex?: number): boolean {
  const existing = txn.table(configEntriesSchema).get(configEntryKey(kind, name));
  if (casIndex !== undefined && (existing?.ModifyIndex ?? 0) !== casIndex) return false;
  if (existing === undefined) return true;
  txn.delete(configEntriesSchema, configEntryKey(kind, name));
  touchEntry(txn, kind, name);
  return true;
}

/** Every intention, from every service-intentions entry. */
export function allIntentions(store: Pick<StateStore, 'table'> | WriteTxn): Intention[] {
  const entries = store.table(configEntriesSchema).lookup('kind', SERVICE_INTENTIONS_KIND);
  return entries.flatMap((entry) => intentionsFromServiceIntentions(entry as unknown as ServiceIntentionsEntry));
}

const samePair = (a: Intention, b: Intention): boolean =>
  a.SourceNS === b.SourceNS &&
  a.SourceName === b.SourceName &&
  a.DestinationNS === b.DestinationNS &&
  a.DestinationName === b.DestinationName;

/**
 * Consul's refusal of a destination entry whose sources name one service twice: the sources in entry order (a
 * created intention appended, an updated one in its place), sorted stably by precedence as Consul's normalize does,
 * and the position of the second one (ServiceIntentionsConfigEntry.validate). Null when every source is distinct.
 */
function repeatedSource(sources: readonly Intention[]): IntentionConflictError | null {
  const sorted = [...sources].sort((a, b) => b.Precedence - a.Precedence);
  const seen = new Set<string>();
  for (const [position, source] of sorted.entries()) {
    const key = `${source.SourceNS}/${source.SourceName}`;
    if (seen.has(key))
      return new IntentionConflictError(`Sources[${position}] defines "${source.SourceName}" more than once`);
    seen.add(key);
  }
  return null;
}

/**
 * Consul's checkLegacyIntentionApplyAllowed (state/intention.go): the ID-based endpoints edit a destination only
 * while every source in its entry still has a legacy ID, i.e. it was never written as a service-intentions config
 * entry or through the `exact` endpoint (both drop legacy IDs, and intentions with L7 Permissions only come that way).
 */
function refuseLegacyEditOfConfigEntry(txn: WriteTxn, destination: string): void {
  const entry = txn.table(configEntriesSchema).get(configEntryKey(SERVICE_INTENTIONS_KIND, destination));
  const sources = (entry?.['Sources'] ?? []) as readonly { readonly LegacyID?: string }[];
  if (sources.every((source) => typeof source.LegacyID === 'string' && source.LegacyID !== '')) return;
  throw new LegacyIntentionEditError(
    `cannot use legacy intention API to edit intentions with a destination of ${JSON.stringify(destination)} after editing them via a service-intentions config entry`,
  );
}

/**
 * A non-legacy write (the `exact` endpoint, a by-name delete) normalizes the whole destination entry as a config
 * entry, as Consul's Normalize/Validate do: legacy IDs and timestamps are dropped from every source, and a source
 * still carrying legacy Meta refuses the write rather than lose it ("Sources[N].LegacyMeta must be omitted", N its
 * position in precedence order).
 */
function asConfigEntryIntentions(intentions: readonly Intention[]): Intention[] {
  const sorted = [...intentions].sort((a, b) => b.Precedence - a.Precedence);
  const withMeta = sorted.findIndex((intention) => Object.keys(intention.Meta).length > 0);
  if (withMeta >= 0) throw new InvalidWriteError(`Sources[${withMeta}].LegacyMeta must be omitted`);
  return intentions.map(({ CreatedAt: _created, UpdatedAt: _updated, LegacyID: _legacy, ...rest }) => ({
    ...rest,
    ID: '',
  }));
}

/** Rewrites the destination entry of `name` to hold exactly `intentions` (deleting it when empty). */
function replaceDestination(txn: WriteTxn, destination: string, intentions: readonly Intention[]): void {
  if (intentions.length === 0) {
    configEntryDeleteTxn(txn, SERVICE_INTENTIONS_KIND, destination);
    return;
  }
  const [entry] = serviceIntentionsFromIntentions(intentions);
  const existing = txn.table(configEntriesSchema).get(configEntryKey(SERVICE_INTENTIONS_KIND, destination));
  const meta = existing?.['Meta'];
  configEntrySetTxn(txn, { ...(entry as ServiceIntentionsEntry), ...(meta ? { Meta: meta } : {}) });
}

export type IntentionMutation =
  /** create: refused when the pair already has an intention; update: by ID, refused when the ID is unknown. */
  | { readonly Op: 'create' | 'update'; readonly Intention: Intention }
  /** upsert by source and destination (the `exact` endpoint). */
  | { readonly Op: 'upsert'; readonly Intention: Intention }
  | { readonly Op: 'delete'; readonly ID: string }
  | { readonly Op: 'delete-exact'; readonly Source: string; readonly Destination: string };

/** Applies one legacy intention change to the service-intentions entries, with Consul's refusal texts. */
export function intentionMutateTxn(txn: WriteTxn, mutation: IntentionMutation): void {
  if (mutation.Op === 'create' || mutation.Op === 'update' || mutation.Op === 'upsert') {
    try {
      validateIntention(normalizeIntention(mutation.Intention));
    } catch (error) {
      if (error instanceof IntentionValidationError) throw new InvalidWriteError(error.message, { cause: error });
      throw error;
    }
  }
  const intentions = allIntentions(txn);
  switch (mutation.Op) {
    case 'create': {
      const destination = mutation.Intention.DestinationName;
      refuseLegacyEditOfConfigEntry(txn, destination);
      const kept = intentions.filter((existing) => existing.DestinationName === destination);
      const conflict = repeatedSource([...kept, mutation.Intention]);
      if (conflict) throw conflict;
      replaceDestination(txn, destination, [...kept, mutation.Intention]);
      return;
    }
    case 'update': {
      const id = mutation.Intention.ID;
      const previous = intentions.find((existing) => existing.ID === id && id !== '');
      if (!previous) throw new UnknownIntentionError(`Cannot modify non-existent intention: '${id}'`);
      // Consul ≥ 1.9 (computeApplyChangesLegacyUpdate): a destination is the config entry the intention lives in.
      if (previous.DestinationName !== mutation.Intention.DestinationName)
        throw new LegacyIntentionEditError(
          'Cannot modify Destination partition/namespace/name for an intention once it exists.',
        );
      refuseLegacyEditOfConfigEntry(txn, previous.DestinationName);
      const updated = { ...mutation.Intention, CreatedAt: previous.CreatedAt ?? mutation.Intention.CreatedAt };
      const oldRest = intentions.filter((i) => i.DestinationName === previous.DestinationName && i.ID !== id);
      const conflict = repeatedSource(
        intentions
          .filter((i) => i.DestinationName === updated.DestinationName)
          .map((i) => (i.ID === id ? updated : i))
          .concat(previous.DestinationName === updated.DestinationName ? [] : [updated]),
      );
      if (conflict) throw conflict;
      if (previous.DestinationName !== updated.DestinationName) {
        replaceDestination(txn, previous.DestinationName, oldRest);
        const newRest = intentions.filter((i) => i.DestinationName === updated.DestinationName);
        replaceDestination(txn, updated.DestinationName, [...newRest, updated]);
      } else replaceDestination(txn, updated.DestinationName, [...oldRest, updated]);
      return;
    }
    case 'upsert': {
      const destination = mutation.Intention.DestinationName;
      const rest = intentions.filter(
        (existing) => existing.DestinationName === destination && !samePair(existing, mutation.Intention),
      );
      // Meta on an exact write was refused or dropped by the endpoint: it belongs to the enclosing entry.
      replaceDestination(txn, destination, asConfigEntryIntentions([...rest, { ...mutation.Intention, Meta: {} }]));
      return;
    }
    case 'delete': {
      const previous = intentions.find((existing) => existing.ID === mutation.ID && mutation.ID !== '');
      if (!previous) throw new UnknownIntentionError(`Cannot delete non-existent intention: '${mutation.ID}'`);
      refuseLegacyEditOfConfigEntry(txn, previous.DestinationName);
      const rest = intentions.filter((i) => i.DestinationName === previous.DestinationName && i.ID !== mutation.ID);
      replaceDestination(txn, previous.DestinationName, rest);
      return;
    }
    case 'delete-exact': {
      const rest = intentions.filter((i) => i.DestinationName === mutation.Destination);
      const kept = rest.filter((i) => !(i.SourceName === mutation.Source));
      if (kept.length !== rest.length) replaceDestination(txn, mutation.Destination, asConfigEntryIntentions(kept));
      return;
    }
  }
}

export interface CaSetRequest {
  /** Replaces the configuration row when given (its indexes are set here). */
  readonly Config?: Omit<CaConfigRow, 'CreateIndex' | 'ModifyIndex'>;
  /** The whole root set after the change. */
  readonly Roots: readonly Omit<CaRootRow, 'CreateIndex' | 'ModifyIndex'>[];
  /** When given, the change applies only if the roots' table index is still this (0: never written). */
  readonly CasIndex?: number;
}

/** Consul's CASetRoots (+ CASetConfig): false when the CAS index no longer matches. */
export function caSetTxn(txn: WriteTxn, request: CaSetRequest): boolean {
  if (request.CasIndex !== undefined && txn.indexes.get(tableIndexKey(caRootsSchema.name)) !== request.CasIndex)
    return false;
  if (request.Roots.filter((root) => root.Active).length !== 1)
    throw new InvalidWriteError('exactly one CA root must be active');
  if (request.Config) {
    const existing = txn.table(caConfigSchema).get('config');
    txn.put(caConfigSchema, {
      ...request.Config,
      CreateIndex: existing?.CreateIndex ?? txn.index,
      ModifyIndex: txn.index,
    });
    txn.bumpIndex(tableIndexKey(caConfigSchema.name));
  }
  const table = txn.table(caRootsSchema);
  const keep = new Set(request.Roots.map((root) => root.ID));
  for (const row of [...table.all()]) if (!keep.has(row.ID)) txn.delete(caRootsSchema, row.ID);
  for (const root of request.Roots) {
    const existing = table.get(root.ID);
    const { CreateIndex: _c, ModifyIndex: _m, ...fields } = root as CaRootRow;
    txn.put(caRootsSchema, {
      ...fields,
      CreateIndex: existing?.CreateIndex ?? txn.index,
      ModifyIndex: existing && sameRoot(existing, fields) ? existing.ModifyIndex : txn.index,
    });
  }
  txn.bumpIndex(tableIndexKey(caRootsSchema.name));
  return true;
}

function sameRoot(row: CaRootRow, fields: Omit<CaRootRow, 'CreateIndex' | 'ModifyIndex'>): boolean {
  return (
    row.Active === fields.Active &&
    row.RotatedOutAtMs === fields.RotatedOutAtMs &&
    JSON.stringify(row.IntermediateCerts) === JSON.stringify(fields.IntermediateCerts)
  );
}
