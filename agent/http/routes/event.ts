// /v1/event/fire/:name and /v1/event/list (reference §4.8): events go out as gossip user events; the list is the
// agent's last 256 accepted events, blocking on `?index` against Consul's uuidToUint64 index of the newest event
// (X-Consul-Index; not monotonic, so a waiter wakes when the index differs from its own).

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { type Clock, delay } from '../../../lib/clock.js';
import { NoPathToDatacenterError } from '../../../server/rpc/errors.js';
import { type EventStore, eventToJson, listIndex, type UserEvent } from '../../events/events.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { registerRoutes } from '../consul-route.js';
import { BadRequestError } from '../errors.js';
import { parseIndexParam, parseWaitParam, type QueryConfig, requestParams } from '../query-options.js';

export interface EventRouteDeps {
  readonly events: EventStore;
  readonly clock: Clock;
  readonly config: QueryConfig;
}

function requestBytes(request: FastifyRequest): Uint8Array {
  if (Buffer.isBuffer(request.body)) return new Uint8Array(request.body);
  if (typeof request.body === 'string') return new Uint8Array(Buffer.from(request.body));
  return new Uint8Array(0);
}

/** Resolves when a new event is accepted, the wait ends or the signal aborts. */
async function waitForEvent(deps: EventRouteDeps, waitMs: number, signal: AbortSignal): Promise<void> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  let off: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => {
    off = deps.events.onEvent(() => resolve());
  });
  const timeout = delay(deps.clock, waitMs, controller.signal).catch(() => undefined);
  try {
    await Promise.race([arrived, timeout]);
  } finally {
    off();
    controller.abort();
    signal.removeEventListener('abort', abort);
  }
}

export const eventRoutes =
  (deps: EventRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const write: AclRequirement = {
      resource: 'event',
      access: 'write',
      name: (request) => (request.params as { name?: string }).name ?? '',
    };
    registerRoutes(scope, [
      {
        method: 'PUT',
        url: '/fire/:name',
        acl: write,
        handler: async (request) => {
          const params = requestParams(request);
          const name = (request.params as { name: string }).name;
          // Consul's EventFire checks the name first, with its own text (the agent's 'User event missing name'
          // is never reached over HTTP).
          if (name === '') throw new BadRequestError('Missing name');
          // Consul forwards an event for another datacenter to its servers (Internal.EventFire); until WAN
          // federation routes RPC, that datacenter is unreachable, and saying so beats firing it here.
          const datacenter = params.get('dc') || deps.config.datacenter;
          if (datacenter !== deps.config.datacenter) throw new NoPathToDatacenterError(datacenter);
          const event = deps.events.fire({
            name,
            payload: requestBytes(request),
            nodeFilter: params.get('node') ?? '',
            serviceFilter: params.get('service') ?? '',
            tagFilter: params.get('tag') ?? '',
          });
          return eventToJson(event);
        },
      },
      {
        method: 'GET',
        url: '/list',
        acl: null,
        handler: async (request, reply) => {
          const params = requestParams(request);
          const name = params.get('name') ?? '';
          const raw = params.get('index');
          parseIndexParam(raw); // Consul's `Invalid index`
          const wanted = raw === null || raw === '' ? 0n : BigInt(raw);
          const waitMs = parseWaitParam(params.get('wait'), deps.config);
          let events: UserEvent[] = deps.events.list(name);
          // Consul blocks only while the index equals the caller's (it is not monotonic, so "greater" means nothing).
          if (wanted > 0n && listIndex(events) === wanted) {
            const signal = clientGoneSignal(reply);
            const deadline = deps.clock.nowMs() + waitMs;
            while (listIndex(events) === wanted && !signal.aborted) {
              const left = deadline - deps.clock.nowMs();
              if (left <= 0) break;
              await waitForEvent(deps, left, signal);
              events = deps.events.list(name);
            }
          }
          void reply.header('X-Consul-Index', listIndex(events).toString());
          void reply.header('X-Consul-KnownLeader', 'true');
          void reply.header('X-Consul-LastContact', '0');
          return events.map(eventToJson);
        },
      },
    ]);
  };
