// The ACL seam (DESIGN §9): every route states what it needs as data, and one authorizer answers. Until the ACL
// system exists the authorizer allows everything; routes and list filters already ask it, so enabling ACLs later
// changes this file's implementation, not every endpoint.

import { LatticeError } from '../../lib/errors.js';

export type AclResource =
  | 'acl'
  | 'agent'
  | 'event'
  | 'intention'
  | 'key'
  | 'keyring'
  | 'mesh'
  | 'node'
  | 'operator'
  | 'query'
  | 'service'
  | 'session';

export type AclAccess = 'read' | 'write';

/** What one request asks for: `agent:read` on node "n1", `service:write` on "web". */
export interface AclRequest {
  /** The secret ID from X-Consul-Token, Authorization: Bearer or ?token=; null for anonymous. */
  readonly token: string | null;
  readonly resource: AclResource;
  readonly access: AclAccess;
  /** The resource's name (node, service, key prefix); empty for resources without names (operator, keyring). */
  readonly name: string;
}

export interface Authorizer {
  allows(request: AclRequest): boolean;
}

/** The authorizer while ACLs are not built (Consul with `acl.enabled = false`): every request is allowed. */
export const allowAllAuthorizer: Authorizer = Object.freeze({ allows: () => true });

export class PermissionDeniedError extends LatticeError {
  override readonly name = 'PermissionDeniedError';
  constructor(request: AclRequest, options?: ErrorOptions) {
    // Consul's wording, which clients match on: "Permission denied: token with AccessorID ... lacks permission".
    super(
      'ERR_PERMISSION_DENIED',
      `Permission denied: lacks permission '${request.resource}:${request.access}' on "${request.name}"`,
      options,
    );
  }
}
