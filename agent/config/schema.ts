// A small schema language for config values and the one function that checks a raw value against it. The
// checker normalises as it goes (HCL's one-element block lists unwrapped, CamelCase keys read as snake_case,
// durations turned into milliseconds) and reports each problem with the source name and the key path.

import { parseDuration } from '../../lib/duration.js';
import { ownValue, setOwn } from '../../lib/records.js';
import type { ProblemList } from './problems.js';

/** A check returns an error message for a value of the right type but the wrong content, or null. */
export type ValueCheck<T> = (value: T) => string | null;

export type Spec =
  | { readonly kind: 'string'; readonly check?: ValueCheck<string> }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'number' }
  | { readonly kind: 'port' }
  | { readonly kind: 'duration'; readonly minMs?: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** `single` accepts one item where a list is expected (a lone `service {}` block, `"header": "x"`). */
  | { readonly kind: 'list'; readonly item: Spec; readonly single?: boolean }
  /** User-chosen keys (meta, headers): kept verbatim, never snake_cased, never warned about. */
  | { readonly kind: 'map'; readonly value: Spec }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Spec>>;
      readonly aliases?: Readonly<Record<string, string>>;
    }
  /** Accepted as written; for sections Lattice does not read yet (telemetry, acl tokens) or free-form config. */
  | { readonly kind: 'opaque' };

export const string = (check?: ValueCheck<string>): Spec => (check ? { kind: 'string', check } : { kind: 'string' });
export const bool: Spec = { kind: 'bool' };
export const int = (min?: number, max?: number): Spec => ({ kind: 'int', min, max });
export const number: Spec = { kind: 'number' };
export const port: Spec = { kind: 'port' };
export const duration = (minMs?: number): Spec => ({ kind: 'duration', minMs });
export const oneOf = (...values: string[]): Spec => ({ kind: 'enum', values });
export const listOf = (item: Spec, single = false): Spec => ({ kind: 'list', item, single });
export const mapOf = (value: Spec): Spec => ({ kind: 'map', value });
export const object = (fields: Record<string, Spec>, aliases?: Record<string, string>): Spec => ({
  kind: 'object',
  fields,
  aliases,
});
export const opaque: Spec = { kind: 'opaque' };

/** Where a checked object came from: list items (services, checks) carry it so later checks can name the file. */
export const locationKey: unique symbol = Symbol('config-location');
export interface Location {
  readonly sourceName: string;
  readonly key: string;
}
/** Fields whose value was reported as invalid and dropped, so later checks do not also call them missing. */
export const invalidFieldsKey: unique symbol = Symbol('config-invalid-fields');
export type Located = Record<string, unknown> & { [locationKey]?: Location; [invalidFieldsKey]?: readonly string[] };

export interface CheckContext {
  readonly sourceName: string;
  readonly problems: ProblemList;
  /** HCL renders every block as a list; a lone `service { }` block is then named `service`, not `service[0]`. */
  readonly blocksAsLists?: boolean;
}

/** The marker for "this value was reported and dropped": the caller leaves the key out. */
const invalid: unique symbol = Symbol('invalid');

/** Checks `value` against `spec`; returns the normalised value, or undefined when it was reported as invalid. */
export function checkValue(spec: Spec, value: unknown, key: string, context: CheckContext): unknown {
  const result = check(spec, value, key, context);
  return result === invalid ? undefined : result;
}

function check(spec: Spec, value: unknown, key: string, context: CheckContext): unknown {
  const fail = (expected: string): typeof invalid => {
    context.problems.error(context.sourceName, key, `${expected}, got ${describeValue(value)}`);
    return invalid;
  };
  const refuse = (message: string | null): unknown => {
    if (message === null) return value;
    context.problems.error(context.sourceName, key, message);
    return invalid;
  };
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return fail('expected a string');
      return spec.check ? refuse(spec.check(value)) : value;
    case 'bool':
      return typeof value === 'boolean' ? value : fail('expected true or false');
    case 'int': {
      const range = describeRange(spec.min, spec.max);
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(`expected an integer${range}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        return fail(`expected an integer${range}`);
      return value;
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : fail('expected a number');
    case 'port':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value === 0 || value < -1 || value > 65535)
        return fail('expected an integer port 1-65535 or -1');
      return value;
    case 'duration':
      return checkDuration(spec.minMs, value, key, context, fail);
    case 'enum':
      if (typeof value === 'string' && spec.values.includes(value)) return value;
      return fail(`expected one of ${spec.values.map((name) => JSON.stringify(name)).join(', ')}`);
    case 'list':
      return checkList(spec, value, key, context, fail);
    case 'map':
      return checkMap(spec.value, unwrapBlock(value), key, context, fail);
    case 'object':
      return checkObject(spec, unwrapBlock(value), key, context, fail);
    case 'opaque':
      return value;
  }
}

function checkDuration(
  minMs: number | undefined,
  value: unknown,
  key: string,
  context: CheckContext,
  fail: (expected: string) => typeof invalid,
): unknown {
  if (typeof value !== 'string') return fail('expected a duration such as "10s"');
  let durationMs: number;
  try {
    durationMs = parseDuration(value);
  } catch {
    context.problems.error(context.sourceName, key, `invalid duration ${JSON.stringify(value)}`);
    return invalid;
  }
  if (durationMs < 0) return fail('expected a duration that is not negative');
  if (minMs !== undefined && durationMs !== 0 && durationMs < minMs) {
    context.problems.error(
      context.sourceName,
      key,
      `must be at least ${describeMs(minMs)}, got ${JSON.stringify(value)}`,
    );
    return invalid;
  }
  return durationMs;
}

function describeMs(durationMs: number): string {
  if (durationMs % 3_600_000 === 0) return `${durationMs / 3_600_000}h`;
  if (durationMs % 60_000 === 0) return `${durationMs / 60_000}m`;
  if (durationMs % 1000 === 0) return `${durationMs / 1000}s`;
  return `${durationMs}ms`;
}

function checkList(
  spec: Extract<Spec, { kind: 'list' }>,
  value: unknown,
  key: string,
  context: CheckContext,
  fail: (expected: string) => typeof invalid,
): unknown {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (spec.single && value !== null && value !== undefined) items = [value];
  else return fail(`expected a list${spec.item.kind === 'string' ? ' of strings' : ''}`);
  const checked: unknown[] = [];
  items.forEach((item, position) => {
    // A lone item given where a list is allowed (`"service": {...}`, or one HCL block) is named without a position.
    const lone =
      !Array.isArray(value) || (spec.single === true && context.blocksAsLists === true && items.length === 1);
    const itemKey = lone ? key : `${key}[${position}]`;
    const result = check(spec.item, item, itemKey, context);
    if (result !== invalid) checked.push(result);
  });
  return checked;
}

function checkMap(
  valueSpec: Spec,
  value: unknown,
  key: string,
  context: CheckContext,
  fail: (expected: string) => typeof invalid,
): unknown {
  if (!isPlainObject(value)) return fail('expected an object of key/value pairs');
  const checked: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const result = check(valueSpec, item, `${key}.${name}`, context);
    if (result !== invalid) setOwn(checked, name, result);
  }
  return checked;
}

function checkObject(
  spec: Extract<Spec, { kind: 'object' }>,
  value: unknown,
  key: string,
  context: CheckContext,
  fail: (expected: string) => typeof invalid,
): unknown {
  if (!isPlainObject(value)) return fail('expected an object');
  const checked: Located = {};
  const invalidFields: string[] = [];
  for (const [name, item] of Object.entries(value)) {
    const field = resolveFieldName(spec, name);
    const path = key === '' ? (field ?? name) : `${key}.${field ?? name}`;
    if (field === null) {
      context.problems.warning(
        context.sourceName,
        '',
        `unknown key ${JSON.stringify(key === '' ? name : `${key}.${name}`)}`,
      );
      continue;
    }
    if (item === null || item === undefined) continue; // Consul treats an explicit null as "not set"
    const result = check(spec.fields[field]!, item, path, context);
    if (result !== invalid) checked[field] = result;
    else invalidFields.push(field);
  }
  checked[locationKey] = { sourceName: context.sourceName, key };
  if (invalidFields.length > 0) checked[invalidFieldsKey] = invalidFields;
  return checked;
}

/** Consul's JSON accepts its API's CamelCase names (`DeregisterCriticalServiceAfter`, `ID`, `TTL`) as well. */
function resolveFieldName(spec: Extract<Spec, { kind: 'object' }>, name: string): string | null {
  if (Object.hasOwn(spec.fields, name)) return name;
  const alias = spec.aliases === undefined ? undefined : ownValue(spec.aliases, name);
  if (alias !== undefined) return alias;
  const snake = toSnakeCase(name);
  if (Object.hasOwn(spec.fields, snake)) return snake;
  const aliasOfSnake = spec.aliases === undefined ? undefined : ownValue(spec.aliases, snake);
  return aliasOfSnake ?? null;
}

/** `TLSSkipVerify` → `tls_skip_verify`, `GRPCUseTLS` → `grpc_use_tls`, `H2PingUseTLS` → `h2ping_use_tls`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/** HCL1 renders every block as a list (`ports { }` → `ports: [{...}]`); Consul unwraps one-element lists. */
function unwrapBlock(value: unknown): unknown {
  if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return value[0];
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return min === 0 ? ' that is not negative' : ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

/** How a wrong value is shown in a message: strings quoted, containers named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
