// Merges checked config sources in order, as Consul does (agent/config/merge.go): objects merge key by key,
// lists are concatenated, any other value is replaced by the later source. The merge also records which source
// set each key last, so a relation check can name the file to fix.

// Location markers on checked objects are symbol keys: Object.entries skips them, so merged copies of plain
// sections drop them, while list items (services, checks) keep theirs because they are carried by reference.
import { isPlainObject, type Located } from './schema.js';

export interface CheckedSource {
  readonly sourceName: string;
  /** The source after checking: snake_case keys, durations in milliseconds, invalid values dropped. */
  readonly values: Readonly<Record<string, unknown>>;
}

export interface MergedConfig {
  readonly values: Readonly<Record<string, unknown>>;
  /** Dotted key path (`ports.http`) → the source that set it last. */
  readonly setBy: ReadonlyMap<string, string>;
}

export function mergeSources(sources: readonly CheckedSource[]): MergedConfig {
  const values: Record<string, unknown> = {};
  const setBy = new Map<string, string>();
  for (const source of sources) mergeInto(values, foldSingularBlocks(source.values), source.sourceName, '', setBy);
  return { values, setBy };
}

/**
 * A lone `service {}` or `check {}` joins that source's `services`/`checks` list before merging, as Consul does,
 * because two files that each define one service must give two services, not the second replacing the first.
 */
export function foldSingularBlocks(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { service, check, ...rest } = values;
  const folded: Record<string, unknown> = { ...rest };
  if (Array.isArray(service)) folded['services'] = [...asList(rest['services']), ...service];
  if (Array.isArray(check)) folded['checks'] = [...asList(rest['checks']), ...check];
  return folded;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function mergeInto(
  target: Record<string, unknown>,
  source: Readonly<Record<string, unknown>>,
  sourceName: string,
  prefix: string,
  setBy: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const existing = target[key];
    if (Array.isArray(value)) {
      target[key] = [...asList(existing), ...value];
    } else if (isPlainObject(value) && isPlainObject(existing)) {
      const merged: Located = { ...existing };
      mergeInto(merged, value, sourceName, path, setBy);
      target[key] = merged;
    } else if (isPlainObject(value)) {
      const copy: Located = {};
      mergeInto(copy, value, sourceName, path, setBy);
      target[key] = copy;
    } else {
      target[key] = value;
    }
    setBy.set(path, sourceName);
  }
}
