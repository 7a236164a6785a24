// Route declarations as data (DESIGN §9): each endpoint states its method, path, ACL need and handler in one
// place; `registerRoutes` mounts them and gives every declared path Consul's method handling (agent/http.go wrap
// and MethodNotAllowedError): another method → 405 `method X not allowed` with `Allow: OPTIONS,<methods>`, and
// OPTIONS → 200, empty, same Allow.

import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { NotImplementedError } from '../../lib/errors.js';
import type { AclRequirement } from './acl-hook.js';
import { consulEndpointFor, isSubtreeRoot } from './consul-endpoints.js';
import { allowHeader, MethodNotAllowedError, UnknownPathError } from './errors.js';

export type ConsulMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ConsulRoute {
  readonly method: ConsulMethod;
  /** Relative to the plugin's prefix: `/service/:name`. */
  readonly url: string;
  /** What the request needs; null only for endpoints Consul serves to anyone (status, datacenters). */
  readonly acl: AclRequirement | null;
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** Overrides the API's body limit for this route (snapshot restore carries megabytes). */
  readonly bodySizeBytesMax?: number;
  /**
   * A check Consul's handler makes before anything else (its parseEntMeta): run as the route's onRequest hook, so
   * it answers before the body is read and before the ACL hook, as Consul does.
   */
  readonly precheck?: (request: FastifyRequest) => void;
}

/** Methods a client might send that fastify routes; HEAD is answered by fastify itself where GET exists. */
const probedMethods: readonly HTTPMethods[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'];

function precheckHook(check: (request: FastifyRequest) => void) {
  return async (request: FastifyRequest): Promise<void> => check(request);
}

export function registerRoutes(scope: FastifyInstance, routes: readonly ConsulRoute[]): void {
  const methodsByUrl = new Map<string, ConsulMethod[]>();
  for (const route of routes) {
    const methods = methodsByUrl.get(route.url) ?? [];
    methods.push(route.method);
    methodsByUrl.set(route.url, methods);
    scope.route({
      method: route.method,
      url: route.url,
      config: route.acl ? { acl: route.acl } : {},
      ...(route.bodySizeBytesMax === undefined ? {} : { bodyLimit: route.bodySizeBytesMax }),
      ...(route.precheck === undefined ? {} : { onRequest: precheckHook(route.precheck) }),
      handler: route.handler,
    });
  }
  for (const [url, methods] of methodsByUrl) {
    const others = probedMethods.filter(
      (method) => !methods.includes(method as ConsulMethod) && !(method === 'HEAD' && methods.includes('GET')),
    );
    scope.route({
      method: others,
      url,
      handler: async (request) => {
        throw new MethodNotAllowedError(request.method, methods);
      },
    });
    scope.route({
      method: 'OPTIONS',
      url,
      handler: async (_request, reply) => {
        await reply.header('Allow', allowHeader(methods)).code(200).send('');
      },
    });
  }
}

/**
 * For a family whose endpoints are all built (catalog, health...): any other path under its prefix is Consul's 404
 * `Invalid URL path`, not the root handler's 501 for families still to come.
 */
export function refuseUnknownPaths(scope: FastifyInstance): void {
  scope.route({
    method: [...probedMethods, 'OPTIONS'],
    url: '/*',
    handler: async (request, reply) => {
      // Go's ServeMux sends a subtree root named without its slash (`/v1/catalog/service`) to the subtree.
      const [path = '', query] = request.url.split(/\?(.*)/s, 2);
      if (isSubtreeRoot(`${path}/`)) return reply.redirect(query === undefined ? `${path}/` : `${path}/?${query}`, 301);
      // An endpoint of Consul's table under this prefix that Lattice has not built (/v1/health/ingress/:service)
      // answers as at the top level: 405 for another method, else 501, never "not a recognized endpoint".
      const endpoint = consulEndpointFor(path);
      if (endpoint === undefined) throw new UnknownPathError();
      if (endpoint.methods.length > 0 && !endpoint.methods.includes(request.method)) {
        if (request.method !== 'OPTIONS') throw new MethodNotAllowedError(request.method, endpoint.methods);
        return reply.code(200).header('Allow', allowHeader(endpoint.methods)).send('');
      }
      throw new NotImplementedError(`${request.method} ${path}`);
    },
  });
}
