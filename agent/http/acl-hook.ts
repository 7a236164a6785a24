// Resolves the request's ACL token the three ways Consul accepts (X-Consul-Token, Authorization: Bearer,
// ?token=) and checks the route's declared requirement with the authorizer, before any handler runs.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AclAccess, type AclResource, type Authorizer, PermissionDeniedError } from '../acl/authorizer.js';

/** Declared in a route's `config.acl`; `name` reads the resource name from the request. */
export interface AclRequirement {
  readonly resource: AclResource;
  readonly access: AclAccess;
  readonly name: (request: FastifyRequest) => string;
}

export interface RouteConfigWithAcl {
  readonly acl?: AclRequirement;
}

/** Consul's order (reference §1.2): `?token=` first (python-consul sends only that), then the header, then Bearer. */
export function resolveToken(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown> | undefined;
  const queryToken = query?.['token'];
  if (typeof queryToken === 'string' && queryToken !== '') return queryToken;
  const header = request.headers['x-consul-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  // The value is split on spaces and the first piece used; other schemes (Basic) are ignored.
  const bearer = authorization ? /^bearer\s+(\S+)/i.exec(authorization) : null;
  return bearer ? bearer[1]! : null;
}

export function installAclHook(app: FastifyInstance, authorizer: Authorizer): void {
  app.addHook('preHandler', async (request) => {
    const requirement = (request.routeOptions.config as RouteConfigWithAcl | undefined)?.acl;
    if (!requirement) return;
    const aclRequest = {
      token: resolveToken(request),
      resource: requirement.resource,
      access: requirement.access,
      name: requirement.name(request),
    };
    if (!authorizer.allows(aclRequest)) throw new PermissionDeniedError(aclRequest);
  });
}
