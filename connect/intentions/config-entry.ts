// The `service-intentions` config entry, Consul's storage form since 1.9 (one entry per destination with a Sources
// list), converted to and from legacy intention objects. Normalization follows ServiceIntentionsConfigEntry.normalize:
// source Type defaults to consul, a source's namespace defaults to the destination's, methods are upper-cased,
// Precedence is computed and Sources are sorted by it (stable).

import { IntentionValidationError } from '../errors.js';
import {
  INTENTION_DEFAULT_NAMESPACE,
  INTENTION_SOURCE_TYPE,
  type Intention,
  type IntentionAction,
  type IntentionPermission,
  intentionProblems,
  normalizeIntention,
} from './model.js';
import { intentionPrecedence } from './precedence.js';

export const SERVICE_INTENTIONS_KIND = 'service-intentions';
/** Bounds the work one entry can ask of every table build. */
export const SERVICE_INTENTIONS_SOURCES_MAX = 1_024;

export interface SourceIntention {
  readonly Name: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly Peer?: string;
  readonly Action?: IntentionAction | '';
  readonly Permissions?: readonly IntentionPermission[];
  readonly Precedence?: number;
  readonly Type?: string;
  readonly Description?: string;
  readonly LegacyID?: string;
  readonly LegacyMeta?: Readonly<Record<string, string>>;
  readonly LegacyCreateTime?: string;
  readonly LegacyUpdateTime?: string;
}

export interface ServiceIntentionsEntry {
  readonly Kind: typeof SERVICE_INTENTIONS_KIND;
  readonly Name: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly Sources: readonly SourceIntention[];
  readonly Meta?: Readonly<Record<string, string>>;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

export function normalizeServiceIntentions(entry: ServiceIntentionsEntry): ServiceIntentionsEntry {
  const destinationNs = entry.Namespace || INTENTION_DEFAULT_NAMESPACE;
  const sources = entry.Sources.map((source) => {
    const namespace = source.Namespace || destinationNs;
    const permissions = source.Permissions?.map((permission) =>
      permission.HTTP?.Methods
        ? { ...permission, HTTP: { ...permission.HTTP, Methods: permission.HTTP.Methods.map((m) => m.toUpperCase()) } }
        : permission,
    );
    return {
      ...source,
      Namespace: namespace,
      Type: source.Type || INTENTION_SOURCE_TYPE,
      ...(permissions ? { Permissions: permissions } : {}),
      Precedence: intentionPrecedence({
        SourceNS: namespace,
        SourceName: source.Name,
        DestinationNS: destinationNs,
        DestinationName: entry.Name,
      }),
    };
  });
  // Array.prototype.sort is stable, as Consul's sort.SliceStable.
  sources.sort((a, b) => b.Precedence - a.Precedence);
  return { ...entry, Kind: SERVICE_INTENTIONS_KIND, Namespace: destinationNs, Sources: sources };
}

/** Throws IntentionValidationError listing every problem of an entry (normalized or not). */
export function validateServiceIntentions(entry: ServiceIntentionsEntry): void {
  const problems: string[] = [];
  if (entry.Kind !== SERVICE_INTENTIONS_KIND) problems.push(`Kind must be "${SERVICE_INTENTIONS_KIND}"`);
  if (!entry.Name) problems.push('Destination Name: service name is required and cannot be empty');
  if (!Array.isArray(entry.Sources) || entry.Sources.length === 0) {
    problems.push('Sources: at least one source is required');
  } else if (entry.Sources.length > SERVICE_INTENTIONS_SOURCES_MAX) {
    problems.push(`Sources: at most ${SERVICE_INTENTIONS_SOURCES_MAX} sources`);
  } else {
    const seen = new Set<string>();
    intentionsFromServiceIntentions(entry).forEach((intention, position) => {
      for (const problem of intentionProblems(intention)) problems.push(`Sources[${position}]: ${problem}`);
      const key = `${intention.SourcePeer ?? ''}/${intention.SourceNS}/${intention.SourceName}`;
      // Consul's exact text (ServiceIntentionsConfigEntry.validate), which clients may match on.
      if (seen.has(key)) problems.push(`Sources[${position}] defines "${intention.SourceName}" more than once`);
      seen.add(key);
    });
  }
  if (problems.length > 0) throw new IntentionValidationError(problems);
}

/** One legacy intention per source (Consul's SourceIntention.ToIntention). */
export function intentionsFromServiceIntentions(entry: ServiceIntentionsEntry): Intention[] {
  const destinationNs = entry.Namespace || INTENTION_DEFAULT_NAMESPACE;
  return entry.Sources.map((source) =>
    normalizeIntention({
      ID: source.LegacyID ?? '',
      Description: source.Description ?? '',
      ...(source.Peer ? { SourcePeer: source.Peer } : {}),
      ...(source.Partition ? { SourcePartition: source.Partition } : {}),
      SourceNS: source.Namespace || destinationNs,
      SourceName: source.Name,
      ...(entry.Partition ? { DestinationPartition: entry.Partition } : {}),
      DestinationNS: destinationNs,
      DestinationName: entry.Name,
      SourceType: source.Type || INTENTION_SOURCE_TYPE,
      Action: source.Action ?? '',
      ...(source.Permissions && source.Permissions.length > 0 ? { Permissions: source.Permissions } : {}),
      Meta: source.LegacyMeta ?? {},
      ...(source.LegacyCreateTime ? { CreatedAt: source.LegacyCreateTime } : {}),
      ...(source.LegacyUpdateTime ? { UpdatedAt: source.LegacyUpdateTime } : {}),
      ...(source.LegacyID ? { LegacyID: source.LegacyID } : {}),
      ...(entry.CreateIndex !== undefined ? { CreateIndex: entry.CreateIndex } : {}),
      ...(entry.ModifyIndex !== undefined ? { ModifyIndex: entry.ModifyIndex } : {}),
    }),
  );
}

/** Groups intentions by destination into normalized entries, sorted by (namespace, name) as MigrateIntentions. */
export function serviceIntentionsFromIntentions(intentions: readonly Intention[]): ServiceIntentionsEntry[] {
  const byDestination = new Map<string, { namespace: string; name: string; sources: SourceIntention[] }>();
  for (const intention of intentions) {
    const key = `${intention.DestinationNS}\u0000${intention.DestinationName}`;
    let group = byDestination.get(key);
    if (!group) {
      group = { namespace: intention.DestinationNS, name: intention.DestinationName, sources: [] };
      byDestination.set(key, group);
    }
    group.sources.push(sourceOf(intention));
  }
  return [...byDestination.values()]
    .sort((a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name))
    .map((group) =>
      normalizeServiceIntentions({
        Kind: SERVICE_INTENTIONS_KIND,
        Name: group.name,
        Namespace: group.namespace,
        Sources: group.sources,
      }),
    );
}

function sourceOf(intention: Intention): SourceIntention {
  const permissions = intention.Permissions ?? [];
  return {
    Name: intention.SourceName,
    Namespace: intention.SourceNS,
    ...(intention.SourcePeer ? { Peer: intention.SourcePeer } : {}),
    ...(intention.SourcePartition ? { Partition: intention.SourcePartition } : {}),
    ...(permissions.length > 0 ? { Permissions: permissions } : { Action: intention.Action }),
    Type: intention.SourceType || INTENTION_SOURCE_TYPE,
    ...(intention.Description ? { Description: intention.Description } : {}),
    ...(intention.ID ? { LegacyID: intention.ID } : {}),
    ...(Object.keys(intention.Meta).length > 0 ? { LegacyMeta: intention.Meta } : {}),
    ...(intention.CreatedAt ? { LegacyCreateTime: intention.CreatedAt } : {}),
    ...(intention.UpdatedAt ? { LegacyUpdateTime: intention.UpdatedAt } : {}),
  };
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
