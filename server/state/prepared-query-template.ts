// Prepared-query templates (Consul agent/consul/prepared_query/template.go and walk.go): compiling parses every
// string of the query's Service part as HIL and compiles the optional Regexp, then test-renders with the query's
// own name so a broken template is refused when stored; rendering evaluates those strings for one looked-up name
// with `${name.full}`, `${name.prefix}`, `${name.suffix}`, `${agent.segment}` and `${match(N)}` (the Regexp's
// groups, '' when out of range or unmatched), then drops empty tags when RemoveEmptyTags is set. Pure.

import { setOwn } from '../../lib/records.js';
import { evaluateHil, HilError, type HilTemplate, parseHil } from './prepared-query-hil.js';
import {
  type PreparedQueryFields,
  type QuerySource,
  type ServiceQuery,
  templateTypeNamePrefixMatch,
} from './prepared-query-types.js';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface CompiledTemplate {
  readonly query: PreparedQueryFields;
  /** Parsed HIL by field path (`.Service`, `.Tags[0]`, `.NodeMeta[zone]`), as Consul's walk names them. */
  readonly trees: ReadonlyMap<string, HilTemplate>;
  readonly regexp: RegExp | null;
}

/**
 * Calls `visit` for every string of the Service part with Consul's path for it and builds a new ServiceQuery from
 * the results (walk.go visits struct fields in order, list items by position, map values by key).
 */
export function mapServiceStrings(service: ServiceQuery, visit: (path: string, value: string) => string): ServiceQuery {
  const list = (path: string, values: readonly string[] | null): string[] | null =>
    values === null ? null : values.map((value, position) => visit(`${path}[${position}]`, value));
  const map = (path: string, values: Readonly<Record<string, string>> | null): Record<string, string> | null => {
    if (values === null) return null;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) setOwn(out, key, visit(`${path}[${key}]`, value));
    return out;
  };
  const targets = service.Failover.Targets;
  return {
    Service: visit('.Service', service.Service),
    Failover: {
      NearestN: service.Failover.NearestN,
      Datacenters: list('.Failover.Datacenters', service.Failover.Datacenters),
      Targets:
        targets === null
          ? null
          : targets.map((target, position) => ({
              Peer: visit(`.Failover.Targets[${position}].Peer`, target.Peer),
              Datacenter: visit(`.Failover.Targets[${position}].Datacenter`, target.Datacenter),
            })),
    },
    OnlyPassing: service.OnlyPassing,
    IgnoreCheckIDs: list('.IgnoreCheckIDs', service.IgnoreCheckIDs),
    Near: visit('.Near', service.Near),
    Tags: list('.Tags', service.Tags),
    NodeMeta: map('.NodeMeta', service.NodeMeta),
    ServiceMeta: map('.ServiceMeta', service.ServiceMeta),
    Connect: service.Connect,
  };
}

/**
 * A Go (RE2) pattern as a JavaScript RegExp: `(?P<name>` groups become `(?<name>`, and leading `(?i)`, `(?m)`,
 * `(?s)` flag groups become flags (JavaScript has no inline flags). Throws the engine's SyntaxError otherwise.
 */
export function goRegExp(pattern: string): RegExp {
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = '';
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (leading) {
    flags = [...new Set(leading[1]!)].join('');
    source = source.slice(leading[0].length);
  }
  return new RegExp(source, flags);
}

/** Consul's Compile: the type check, HIL parsing, the Regexp, and a test render with the template's own name. */
export function compileTemplate(query: PreparedQueryFields): CompiledTemplate {
  if (query.Template.Type !== templateTypeNamePrefixMatch)
    throw new TemplateError(`Bad Template.Type '${query.Template.Type}'`);
  const trees = new Map<string, HilTemplate>();
  mapServiceStrings(query.Service, (path, value) => {
    try {
      trees.set(path, parseHil(value));
    } catch (error) {
      if (error instanceof HilError)
        throw new TemplateError(`Bad format '${value}' in Service${path}: ${error.message}`);
      throw error;
    }
    return value;
  });
  let regexp: RegExp | null = null;
  if (query.Template.Regexp !== '') {
    try {
      regexp = goRegExp(query.Template.Regexp);
    } catch (error) {
      throw new TemplateError(`Bad Regexp: ${(error as Error).message}`);
    }
  }
  const compiled: CompiledTemplate = { query, trees, regexp };
  renderTemplate(compiled, query.Name, { Datacenter: '', Segment: '', Node: '', Ip: '' });
  return compiled;
}

/** Consul's Render: the query with every Service string evaluated for `name` (the name that was looked up). */
export function renderTemplate(compiled: CompiledTemplate, name: string, source: QuerySource): PreparedQueryFields {
  const { query, trees, regexp } = compiled;
  const found = regexp?.exec(name) ?? null;
  const matches = found === null ? [] : [...found].map((group) => group ?? '');
  const scope = {
    variables: {
      'name.full': name,
      'name.prefix': query.Name,
      // Go's strings.TrimPrefix: case-sensitive, though the template was found case-insensitively.
      'name.suffix': name.startsWith(query.Name) ? name.slice(query.Name.length) : name,
      'agent.segment': source.Segment,
    },
    functions: {
      match: ([position]: readonly number[]) =>
        position !== undefined && position >= 0 && position < matches.length ? (matches[position] as string) : '',
    },
  };
  let service = mapServiceStrings(query.Service, (path, value) => {
    const tree = trees.get(path);
    if (tree === undefined) return value;
    try {
      return evaluateHil(tree, scope);
    } catch (error) {
      if (error instanceof HilError)
        throw new TemplateError(`Bad evaluation for '${value}' in Service${path}: ${error.message}`);
      throw error;
    }
  });
  if (query.Template.RemoveEmptyTags && service.Tags !== null)
    service = { ...service, Tags: service.Tags.filter((tag) => tag !== '') };
  return { ...query, Service: service };
}
