// `POST /v1/agent/connect/authorize` as a pure decision (reference §6): the caller has already verified the client
// chain; this parses the client's SPIFFE ID, finds the first intention for (client service → Target), and answers
// with Consul's reason texts. The API is L4-only, so a matching L7 intention is reported as not authorized.

import { ValidationError } from '../../lib/errors.js';
import { SpiffeIdError } from '../errors.js';
import { parseServiceSpiffeId, type ServiceSpiffeId } from '../spiffe.js';
import type { Intention } from './model.js';
import type { IntentionTable } from './table.js';

export interface AuthorizeRequest {
  readonly Target: string;
  readonly ClientCertURI: string;
  readonly ClientCertSerial?: string;
  readonly Namespace?: string;
}

export interface AuthorizeResult {
  readonly Authorized: boolean;
  readonly Reason: string;
  /** Not in Consul's body: the matched intention, for logs and metrics at the edge. */
  readonly intention: Intention | null;
  readonly client: ServiceSpiffeId;
}

/** Throws ValidationError (HTTP 400 at the edge) for an empty Target or a URI that is not a service SPIFFE ID. */
export function authorize(table: IntentionTable, request: AuthorizeRequest): AuthorizeResult {
  if (typeof request.Target !== 'string' || request.Target === '')
    throw new ValidationError('Target service must be specified');
  let client: ServiceSpiffeId;
  try {
    client = parseServiceSpiffeId(request.ClientCertURI);
  } catch (error) {
    if (error instanceof SpiffeIdError) {
      throw new ValidationError('ClientCertURI must be a valid service SPIFFE ID', { cause: error });
    }
    throw error;
  }
  const decision = table.decide(
    { name: client.service, namespace: client.namespace },
    { name: request.Target, ...(request.Namespace ? { namespace: request.Namespace } : {}) },
  );
  return { Authorized: decision.allowed, Reason: decision.reason, intention: decision.intention, client };
}
