// Turns a prepared query as it arrives (RPC args decoded from the network, or an FSM payload) into a complete,
// typed PreparedQueryFields, and applies Consul's parseQuery checks (prepared_query_endpoint.go: parseQuery,
// parseService, parseDNS) with its texts under "Invalid prepared query: ". Types are checked field by field; what a
// client left out takes Go's zero value (null for lists and maps). Pure.

import { DurationError, parseDuration } from '../../lib/duration.js';
import { InvalidWriteError } from './errors.js';
import { validateMeta } from './normalize.js';
import type {
  PreparedQueryFields,
  QueryFailoverTarget,
  QueryTemplateOptions,
  ServiceQuery,
} from './prepared-query-types.js';

/** Consul's redactedToken: a query read back without the right to see its token shows this instead. */
export const redactedToken = '<hidden>';

function object(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidWriteError(`${path} must be an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InvalidWriteError(`${path} must be a string`);
  return value;
}

function flag(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidWriteError(`${path} must be a boolean`);
  return value;
}

function integer(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new InvalidWriteError(`${path} must be an integer`);
  return value;
}

function texts(value: unknown, path: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new InvalidWriteError(`${path} must be a list of strings`);
  return [...value];
}

function textMap(value: unknown, path: string): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  const entries = Object.entries(object(value, path));
  if (!entries.every(([, item]) => typeof item === 'string'))
    throw new InvalidWriteError(`${path} must map strings to strings`);
  return Object.fromEntries(entries) as Record<string, string>;
}

function targets(value: unknown): QueryFailoverTarget[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new InvalidWriteError('Service.Failover.Targets must be a list');
  return value.map((item, position) => {
    const target = object(item, `Service.Failover.Targets[${position}]`);
    return {
      Peer: text(target['Peer'], `Service.Failover.Targets[${position}].Peer`),
      Datacenter: text(target['Datacenter'], `Service.Failover.Targets[${position}].Datacenter`),
    };
  });
}

function serviceQuery(value: unknown): ServiceQuery {
  const service = object(value, 'Service');
  const failover = object(service['Failover'], 'Service.Failover');
  return {
    Service: text(service['Service'], 'Service.Service'),
    Failover: {
      NearestN: integer(failover['NearestN'], 'Service.Failover.NearestN'),
      Datacenters: texts(failover['Datacenters'], 'Service.Failover.Datacenters'),
      Targets: targets(failover['Targets']),
    },
    OnlyPassing: flag(service['OnlyPassing'], 'Service.OnlyPassing'),
    IgnoreCheckIDs: texts(service['IgnoreCheckIDs'], 'Service.IgnoreCheckIDs'),
    Near: text(service['Near'], 'Service.Near'),
    Tags: texts(service['Tags'], 'Service.Tags'),
    NodeMeta: textMap(service['NodeMeta'], 'Service.NodeMeta'),
    ServiceMeta: textMap(service['ServiceMeta'], 'Service.ServiceMeta'),
    Connect: flag(service['Connect'], 'Service.Connect'),
  };
}

function templateOptions(value: unknown): QueryTemplateOptions {
  const template = object(value, 'Template');
  return {
    Type: text(template['Type'], 'Template.Type'),
    Regexp: text(template['Regexp'], 'Template.Regexp'),
    RemoveEmptyTags: flag(template['RemoveEmptyTags'], 'Template.RemoveEmptyTags'),
  };
}

/** The fields of a query with types checked (no Consul rules yet: see validatePreparedQuery). */
export function normalizePreparedQuery(value: unknown): PreparedQueryFields {
  const query = object(value, 'Query');
  return {
    ID: text(query['ID'], 'ID'),
    Name: text(query['Name'], 'Name'),
    Session: text(query['Session'], 'Session'),
    Token: text(query['Token'], 'Token'),
    Template: templateOptions(query['Template']),
    Service: serviceQuery(query['Service']),
    DNS: { TTL: text(object(query['DNS'], 'DNS')['TTL'], 'DNS.TTL') },
  };
}

/** Consul's parseQuery: the problem with a query about to be created or updated, or null. */
export function preparedQueryProblem(query: PreparedQueryFields): string | null {
  // Anonymous queries require a session or need to be part of a template.
  if (query.Name === '' && query.Template.Type === '' && query.Session === '') return 'Must be bound to a session';
  if (query.Token === redactedToken)
    return `Bad Token '${query.Token}', it looks like a query definition with a redacted token was submitted`;
  const service = query.Service;
  if (service.Service === '') return 'Must provide a Service name to query';
  const failover = service.Failover;
  if (failover.NearestN < 0) return `Bad NearestN '${failover.NearestN}', must be >= 0`;
  const hasTargets = (failover.Targets?.length ?? 0) !== 0;
  if ((failover.NearestN !== 0 || (failover.Datacenters?.length ?? 0) !== 0) && hasTargets)
    return 'Targets cannot be populated with NearestN or Datacenters';
  const metaProblem = validateMeta(service.NodeMeta ?? {}, true);
  if (metaProblem !== null) return metaProblem;
  if (query.DNS.TTL !== '') {
    let ttlMs: number;
    try {
      ttlMs = parseDuration(query.DNS.TTL);
    } catch (error) {
      if (error instanceof DurationError) return `Bad DNS TTL '${query.DNS.TTL}': time: ${error.message}`;
      throw error;
    }
    // Go prints the Duration with %d: nanoseconds.
    if (ttlMs < 0) return `DNS TTL '${Math.round(ttlMs * 1e6)}', must be >=0`;
  }
  return null;
}

/** Throws Consul's `Invalid prepared query: ...` refusal when preparedQueryProblem finds one. */
export function validatePreparedQuery(query: PreparedQueryFields): void {
  const problem = preparedQueryProblem(query);
  if (problem !== null) throw new InvalidWriteError(`Invalid prepared query: ${problem}`);
}
