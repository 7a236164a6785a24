// The seven watch types of `consul watch` (Consul's api/watch funcs.go): which blocking endpoint each follows and
// what its handler is given. Parameters are checked as Consul's Parse checks them: a missing required one, one
// the type does not take, or an unknown type is an error naming it, before any request is made.

import { LatticeError } from '../../lib/errors.js';
import { uuidToUint64 } from '../events/events.js';

export const watchTypes = ['key', 'keyprefix', 'services', 'nodes', 'service', 'checks', 'event'] as const;
export type WatchType = (typeof watchTypes)[number];

/** The parameters a watch takes (CLI flags, or a `watches` entry in agent config); unset ones are undefined. */
export interface WatchParams {
  readonly type?: string;
  readonly key?: string;
  readonly prefix?: string;
  readonly service?: string;
  /** One tag, or several (config `watches` only): instances must carry all of them. */
  readonly tag?: string | readonly string[];
  readonly passingonly?: boolean;
  readonly state?: string;
  readonly name?: string;
}

export interface WatchSpec {
  readonly type: WatchType;
  /** The endpoint, under the agent's base URL, with `/v1/`. */
  readonly path: string;
  readonly query: readonly (readonly [string, string])[];
  readonly allowsStale: boolean;
  /** False when the index only says "changed" (events): it is never compared for order. */
  readonly orderedIndex: boolean;
  /** The result when the endpoint answers 404 (a key that does not exist); undefined: a 404 is an error. */
  readonly notFound?: unknown;
  /** The handler's data from the response body; `lastIndex` is the index this request blocked on. */
  result(body: unknown, lastIndex: bigint | null): unknown;
}

export class WatchParamsError extends LatticeError {
  override readonly name = 'WatchParamsError';
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

const keyPath = (key: string): string => `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
const asIs = (body: unknown): unknown => body;

/** Which parameters each type takes (Consul's Parse rejects the rest as "Invalid parameters"). */
const accepted: Readonly<Record<WatchType, readonly (keyof WatchParams)[]>> = {
  key: ['key'],
  keyprefix: ['prefix'],
  services: [],
  nodes: [],
  service: ['service', 'tag', 'passingonly'],
  checks: ['service', 'state'],
  event: ['name'],
};

/** Consul's event watch hands over only the events after the one the request blocked on. */
function newEvents(body: unknown, lastIndex: bigint | null): unknown {
  if (!Array.isArray(body) || lastIndex === null) return body;
  const seen = body.findIndex((event) => uuidToUint64(String((event as { ID?: unknown }).ID ?? '')) === lastIndex);
  return seen === -1 ? body : body.slice(seen + 1);
}

export function watchSpec(params: WatchParams): WatchSpec {
  const type = params.type ?? '';
  if (type === '') throw new WatchParamsError('Watch type must be specified');
  if (!(watchTypes as readonly string[]).includes(type)) throw new WatchParamsError(`Unsupported watch type: ${type}`);
  const watchType = type as WatchType;
  const unused = (Object.keys(params) as (keyof WatchParams)[]).filter(
    (name) => name !== 'type' && params[name] !== undefined && !accepted[watchType].includes(name),
  );
  if (unused.length > 0) throw new WatchParamsError(`Invalid parameters: [${unused.join(' ')}]`);
  const base = { type: watchType, allowsStale: true, orderedIndex: true, result: asIs };
  switch (watchType) {
    case 'key': {
      if (!params.key) throw new WatchParamsError('Must specify a single key to watch');
      // The API answers a list of one pair; Consul's KV.Get hands over the pair itself, or null when absent.
      return {
        ...base,
        path: keyPath(params.key),
        query: [],
        notFound: null,
        result: (body) => (Array.isArray(body) ? (body[0] ?? null) : null),
      };
    }
    case 'keyprefix': {
      if (!params.prefix) throw new WatchParamsError('Must specify a single prefix to watch');
      // Consul's KV.List gives a nil slice on 404, which the handler sees as JSON null.
      return { ...base, path: keyPath(params.prefix), query: [['recurse', '']], notFound: null };
    }
    case 'services':
      return { ...base, path: '/v1/catalog/services', query: [] };
    case 'nodes':
      return { ...base, path: '/v1/catalog/nodes', query: [] };
    case 'service': {
      if (!params.service) throw new WatchParamsError('Must specify a single service to watch');
      const query: [string, string][] = [];
      for (const tag of typeof params.tag === 'string' ? [params.tag] : (params.tag ?? [])) query.push(['tag', tag]);
      if (params.passingonly) query.push(['passing', '1']);
      return { ...base, path: `/v1/health/service/${encodeURIComponent(params.service)}`, query };
    }
    case 'checks': {
      if (params.service && params.state) throw new WatchParamsError('Cannot specify service and state');
      if (params.service)
        return { ...base, path: `/v1/health/checks/${encodeURIComponent(params.service)}`, query: [] };
      const state = params.state || 'any';
      return { ...base, path: `/v1/health/state/${encodeURIComponent(state)}`, query: [] };
    }
    case 'event': {
      const query: [string, string][] = params.name ? [['name', params.name]] : [];
      // Events live on the agent, so there is nothing stale to allow.
      return {
        ...base,
        path: '/v1/event/list',
        query,
        allowsStale: false,
        orderedIndex: false,
        result: newEvents,
      };
    }
  }
}
