// Lenient request-body decoding, as Go's encoding/json plus Consul's fix-ups decode (reference §1.3): keys match
// field names case-insensitively and with or without underscores (`enable_tag_override`, python-consul's `serviceid`),
// unknown fields are ignored (python-consul adds `WriteRequest`), durations are Go strings or nanosecond numbers and
// come out as Go strings. A value of the wrong type fails the whole body with `Request decode failed: ...` (400).
// Bodies are read as bytes whatever their Content-Type: KV writers send text/plain or nothing, python-consul sends
// JSON without a Content-Type, and Consul never rejects a request for its Content-Type.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatDuration, parseDurationField } from '../../lib/duration.js';
import { setOwn } from '../../lib/records.js';
import { kvFlagsFromText } from '../../server/state/kv-types.js';
import { BadRequestError } from './errors.js';

export type FieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  /** Go duration string or nanoseconds in; Go duration string out. */
  | 'duration'
  /** A uint64 (KV Flags): a number, or the marker readJsonBody's exactIntegerKeys leaves for a larger one. */
  | 'uint64'
  /** object of strings (Meta, NodeMeta, Node.TaggedAddresses). */
  | 'stringMap'
  | 'stringList'
  /** kept as sent (opaque Proxy.Config and the like). */
  | 'any'
  | { readonly object: BodySchema }
  | { readonly list: BodySchema }
  | { readonly mapOf: BodySchema };

export interface BodySchema {
  readonly fields: Readonly<Record<string, FieldType>>;
  /** Extra spellings → canonical field name (`Args` → `ScriptArgs`, `IntervalDuration` → `Interval`). */
  readonly lookup: ReadonlyMap<string, string>;
}

/** Go matches keys case-insensitively; Consul's config-file aliases add snake_case. Both reduce to this form. */
export function normalizeKey(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

export function defineSchema(
  fields: Readonly<Record<string, FieldType>>,
  aliases: Readonly<Record<string, string>> = {},
): BodySchema {
  const lookup = new Map<string, string>();
  for (const name of Object.keys(fields)) lookup.set(normalizeKey(name), name);
  for (const [alias, name] of Object.entries(aliases)) lookup.set(normalizeKey(alias), name);
  return { fields, lookup };
}

/** Bodies above this nesting are refused: no Consul request nests deeper than a handful of levels. */
const depthMax = 32;

class DecodeProblem extends Error {}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new DecodeProblem(`cannot unmarshal ${describe(value)} into field ${path} of type ${expected}`);
}

function decodeValue(type: FieldType, value: unknown, path: string, depth: number): unknown {
  if (depth > depthMax) throw new DecodeProblem(`body nests deeper than ${depthMax} levels`);
  if (type === 'any') return value;
  // Go leaves a field at its zero value for null; the caller applies defaults.
  if (value === null) return undefined;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : fail(path, 'string', value);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : fail(path, 'integer', value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : fail(path, 'number', value);
    case 'boolean':
      return typeof value === 'boolean' ? value : fail(path, 'bool', value);
    case 'duration': {
      if (typeof value !== 'string' && typeof value !== 'number') fail(path, 'duration', value);
      try {
        return formatDuration(parseDurationField(value));
      } catch (error) {
        throw new DecodeProblem(`field ${path}: ${(error as Error).message}`);
      }
    }
    case 'uint64': {
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      const digits = exactIntegerDigits(value);
      const flags = digits === undefined ? undefined : kvFlagsFromText(digits);
      return flags === undefined ? fail(path, 'uint64', value) : flags;
    }
    case 'stringMap': {
      if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'map[string]string', value);
      const out: Record<string, string> = {};
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (entry === null) setOwn(out, key, '');
        else if (typeof entry === 'string') setOwn(out, key, entry);
        else fail(`${path}.${key}`, 'string', entry);
      }
      return out;
    }
    case 'stringList': {
      if (!Array.isArray(value)) fail(path, '[]string', value);
      return value.map((entry, position) =>
        typeof entry === 'string' ? entry : fail(`${path}[${position}]`, 'string', entry),
      );
    }
  }
  if ('object' in type) return decodeObject(type.object, value, path, depth + 1);
  if ('list' in type) {
    if (!Array.isArray(value)) fail(path, 'array', value);
    return value.map((entry, position) => decodeObject(type.list, entry, `${path}[${position}]`, depth + 1));
  }
  if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'object', value);
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>))
    setOwn(out, key, decodeObject(type.mapOf, entry, `${path}.${key}`, depth + 1));
  return out;
}

function decodeObject(schema: BodySchema, value: unknown, path: string, depth: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path || 'body', 'object', value);
  const out: Record<string, unknown> = {};
  // Go prefers an exact key over a case-insensitive one; visiting exact matches last lets them win.
  const entries = Object.entries(value as Record<string, unknown>).sort(
    ([a], [b]) => Number(a in schema.fields) - Number(b in schema.fields),
  );
  for (const [key, entry] of entries) {
    const name = schema.lookup.get(normalizeKey(key));
    if (name === undefined) continue;
    const decoded = decodeValue(schema.fields[name]!, entry, path ? `${path}.${name}` : name, depth);
    if (decoded !== undefined) out[name] = decoded;
  }
  return out;
}

/** Decodes a parsed JSON body against `schema`; BadRequestError `Request decode failed: ...` on a type mismatch. */
export function decodeBody(schema: BodySchema, value: unknown): Record<string, unknown> {
  try {
    return decodeObject(schema, value, '', 0);
  } catch (error) {
    if (error instanceof DecodeProblem) throw new BadRequestError(`Request decode failed: ${error.message}`);
    throw error;
  }
}

/** The object readJsonBody puts where an integer too long for a JavaScript number stood: its exact digits. */
const exactIntegerMarker = '\u0000exact-integer';

function exactIntegerDigits(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, exactIntegerMarker)) return undefined;
  const digits = (value as Record<string, unknown>)[exactIntegerMarker];
  return typeof digits === 'string' ? digits : undefined;
}

/**
 * Wraps the long integer values of the given keys (matched case-insensitively, as Go does) in a marker object
 * before JSON.parse rounds them. A quote inside a JSON string is always escaped, so an unescaped `"Key":` is a
 * real key of some object.
 */
function protectLongIntegers(text: string, keys: readonly string[]): string {
  const pattern = new RegExp(`"(${keys.join('|')})"(\\s*):(\\s*)([0-9]{16,})(?=\\s*[,}\\]])`, 'gi');
  return text.replace(
    pattern,
    (_match, key: string, before: string, after: string, digits: string) =>
      `"${key}"${before}:${after}{${JSON.stringify(exactIntegerMarker)}:"${digits}"}`,
  );
}

/**
 * The request body as parsed JSON; undefined when empty. Malformed JSON → 400 `Request decode failed: ...`.
 * `exactIntegerKeys` names uint64 fields (KV Flags) whose long values must reach a 'uint64' schema field exactly.
 */
export function readJsonBody(request: FastifyRequest, exactIntegerKeys: readonly string[] = []): unknown {
  const raw = request.body;
  let text: string;
  if (raw === undefined || raw === null) return undefined;
  if (Buffer.isBuffer(raw)) text = raw.toString('utf8');
  else if (typeof raw === 'string') text = raw;
  else return raw;
  if (text.trim() === '') return undefined;
  if (exactIntegerKeys.length > 0) text = protectLongIntegers(text, exactIntegerKeys);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequestError(`Request decode failed: ${(error as Error).message}`);
  }
}

/** Every body arrives as a Buffer (or undefined when empty), whatever its Content-Type; routes decode it. */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body.length === 0 ? undefined : body);
  });
}
