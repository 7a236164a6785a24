// /v1/session/*: create (defaults as Consul's agent fills them: this agent's node, `serfHealth`, 15 s lock
// delay, behavior release), destroy, renew (404 `Session id '<id>' not found` once gone) and the blocking reads
// info, node and list, answered `[]` rather than null (Consul agent/session_endpoint.go).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DurationError, parseDuration } from '../../../lib/duration.js';
import type { Session } from '../../../server/state/kv-types.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { decodeBody, defineSchema, readJsonBody } from '../decode-body.js';
import { refusingEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { parseWriteContext } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import { presentSession } from './kv-present.js';
import { pathName, type ServerRouteDeps } from './server-deps.js';

/** Consul's default lock delay. */
const lockDelayMsDefault = 15_000;
/** Consul's lockDelayMinThreshold: a number below this is seconds, not nanoseconds (reference §1.3). */
const lockDelaySecondsBelow = 1000;

const sessionSchema = defineSchema({
  Name: 'string',
  Node: 'string',
  Checks: 'stringList',
  NodeChecks: 'stringList',
  ServiceChecks: { list: defineSchema({ ID: 'string', Namespace: 'string' }) },
  LockDelay: 'any',
  Behavior: 'string',
  // A string to Consul's decoder (structs.Session.TTL): Session.Apply parses it and answers a bad one with 500.
  TTL: 'string',
});

/**
 * LockDelay as Consul's Session.UnmarshalJSON reads it: a Go duration string or a number of nanoseconds, and
 * either below 1000 ns taken as seconds (`15` and `"15ns"` are 15 s).
 */
export function lockDelayNanoseconds(value: unknown): number {
  if (value === undefined || value === null) return lockDelayMsDefault * 1e6;
  const seconds = (nanoseconds: number): number =>
    nanoseconds < lockDelaySecondsBelow ? Math.round(nanoseconds * 1e9) : Math.round(nanoseconds);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return seconds(value);
  if (typeof value === 'string') {
    try {
      return seconds(parseDuration(value) * 1e6);
    } catch (error) {
      if (error instanceof DurationError) throw new BadRequestError(`Request decode failed: ${error.message}`);
      throw error;
    }
  }
  throw new BadRequestError('Request decode failed: cannot unmarshal LockDelay');
}

/**
 * The Session.Apply body for a create, with Consul's defaults for what the client left out (NodeChecks and the
 * deprecated Checks both default to serfHealth) and its fixupEmptySessionChecks: `Checks: []` binds no node
 * check, a Checks of just serfHealth is dropped, and an emptied NodeChecks drops the default Checks.
 */
export function sessionCreateBody(body: Record<string, unknown>, nodeName: string): Record<string, unknown> {
  let checks = (body['Checks'] as string[] | undefined) ?? ['serfHealth'];
  let nodeChecks = (body['NodeChecks'] as string[] | undefined) ?? ['serfHealth'];
  const serviceChecks = body['ServiceChecks'] as { ID: string; Namespace?: string }[] | undefined;
  if (checks.length === 0) nodeChecks = [];
  else if (checks.length === 1 && checks[0] === 'serfHealth') checks = [];
  else if (nodeChecks.length === 0) checks = [];
  return {
    Checks: checks.length === 0 ? null : checks,
    Name: body['Name'] ?? '',
    Node: body['Node'] || nodeName,
    LockDelay: lockDelayNanoseconds(body['LockDelay']),
    Behavior: body['Behavior'] ?? '',
    TTL: body['TTL'] ?? '',
    NodeChecks: nodeChecks ?? null,
    ServiceChecks: serviceChecks?.map((check) => ({ ID: check.ID ?? '', Namespace: check.Namespace ?? '' })) ?? null,
  };
}

export const sessionRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const sessionRead: AclRequirement = { resource: 'session', access: 'read', name: () => '' };
    const sessionWrite: AclRequirement = { resource: 'session', access: 'write', name: () => config.nodeName };
    const idOf = (request: FastifyRequest, what: string): string => {
      const id = pathName(request);
      if (id === '') throw new BadRequestError(`Missing ${what}`);
      return id;
    };
    const write = (request: FastifyRequest, reply: FastifyReply) => {
      const { datacenter, token } = parseWriteContext(request, config);
      return { context: { datacenter, token }, signal: clientGoneSignal(reply) };
    };
    const list = (sessions: readonly Session[] | null | undefined) => (sessions ?? []).map(presentSession);

    const routes: ConsulRoute[] = [
      {
        method: 'PUT',
        url: '/create',
        acl: sessionWrite,
        handler: async (request, reply) => {
          const raw = readJsonBody(request);
          const body = raw === undefined ? {} : decodeBody(sessionSchema, raw);
          const id = await rpc.call(
            'Session.Apply',
            { Op: 'create', Session: sessionCreateBody(body, config.nodeName) },
            write(request, reply),
          );
          return { ID: id };
        },
      },
      {
        method: 'PUT',
        url: '/destroy/*',
        acl: sessionWrite,
        handler: async (request, reply) => {
          const id = idOf(request, 'session');
          await rpc.call('Session.Apply', { Op: 'destroy', Session: { ID: id } }, write(request, reply));
          return true;
        },
      },
      {
        method: 'PUT',
        url: '/renew/*',
        acl: sessionWrite,
        handler: async (request, reply) => {
          const id = idOf(request, 'session');
          const sessions = await rpc.call('Session.Renew', { SessionID: id }, write(request, reply));
          if (sessions === null || sessions.length === 0) throw new NotFoundError(`Session id '${id}'`);
          return list(sessions);
        },
      },
      {
        method: 'GET',
        url: '/info/*',
        acl: sessionRead,
        handler: async (request, reply) => {
          const id = idOf(request, 'session');
          return list((await rpcRead(read, request, reply, 'Session.Get', () => ({ SessionID: id }))).value);
        },
      },
      {
        method: 'GET',
        url: '/node/*',
        acl: sessionRead,
        handler: async (request, reply) => {
          const node = idOf(request, 'node');
          return list((await rpcRead(read, request, reply, 'Session.NodeSessions', () => ({ Node: node }))).value);
        },
      },
      {
        method: 'GET',
        url: '/list',
        acl: sessionRead,
        handler: async (request, reply) =>
          list((await rpcRead(read, request, reply, 'Session.List', () => ({}))).value),
      },
    ];
    registerRoutes(scope, refusingEnterpriseMeta(routes));
    refuseUnknownPaths(scope);
  };
