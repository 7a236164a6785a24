// The HTTP edge's one table from error to status (STYLE §3.5), read by the single root error handler. Inner code
// throws LatticeError subclasses; only this file knows that a NotImplementedError is a 501. Bodies are plain text,
// one line, as Consul's (reference §1.4: clients act on the status; none parses an error body).

import type { FastifyError, FastifyInstance } from 'fastify';
import { LatticeError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { redactedUrl } from './redact-url.js';

/**
 * Error code → HTTP status. A LatticeError whose code is not listed is an operating failure the client can do
 * nothing about (500, its one-line message passed on, as Consul passes RPC errors); anything else is a bug (500,
 * a fixed text, logged).
 */
export const httpStatusByErrorCode: Readonly<Record<string, number>> = Object.freeze({
  ERR_VALIDATION: 400,
  ERR_BAD_REQUEST: 400,
  // The store refused a write for its content (bad type, meta limits); Consul says 500, but it is the caller's input.
  ERR_INVALID_WRITE: 400,
  // Consul's acl_endpoint.go aclDisabled: python-consul maps this 401 to ACLDisabled.
  ERR_ACL_DISABLED: 401,
  ERR_PERMISSION_DENIED: 403,
  ERR_ACL_NOT_FOUND: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_CONFLICT: 409,
  ERR_REQUEST_TOO_LARGE: 413,
  ERR_TOO_MANY_REQUESTS: 429,
  ERR_RATE_LIMITED: 429,
  ERR_RPC_OVERLOADED: 429,
  ERR_NOT_IMPLEMENTED: 501,
  ERR_SHUTDOWN: 503,
  // The client hung up (or the agent is stopping) while its request waited: nobody reads this status.
  ERR_ABORTED: 503,
  ERR_TIMEOUT: 504,
  // Consul answers these RPC failures with 500 and its exact text (`No cluster leader`, `No path to datacenter`).
  ERR_NO_LEADER: 500,
  ERR_NO_PATH_TO_DC: 500,
});

/** A route or resource that does not exist. */
export class NotFoundError extends LatticeError {
  override readonly name = 'NotFoundError';
  constructor(what: string, options?: ErrorOptions) {
    super('ERR_NOT_FOUND', `${what} not found`, options);
  }
}

/** A path under a built endpoint family that names no endpoint: Consul's exact 404 text. */
export class UnknownPathError extends LatticeError {
  override readonly name = 'UnknownPathError';
  constructor(options?: ErrorOptions) {
    super('ERR_NOT_FOUND', 'Invalid URL path: not a recognized HTTP API endpoint', options);
  }
}

/** A path outside /v1/ that no UI or other route serves: Consul's exact 404 text. */
export class OutsideApiPathError extends LatticeError {
  override readonly name = 'OutsideApiPathError';
  constructor(options?: ErrorOptions) {
    super(
      'ERR_NOT_FOUND',
      "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'",
      options,
    );
  }
}

/** One of Consul's /v1/acl/* endpoints while ACLs are not enabled (Consul: 401 `ACL support disabled`). */
export class AclDisabledError extends LatticeError {
  override readonly name = 'AclDisabledError';
  constructor(options?: ErrorOptions) {
    super('ERR_ACL_DISABLED', 'ACL support disabled', options);
  }
}

/** Bad input in a query parameter, path or body; the message is Consul's text, sent as it is. */
export class BadRequestError extends LatticeError {
  override readonly name = 'BadRequestError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_BAD_REQUEST', message, options);
  }
}

/** A known path asked with a method it does not serve; the handler adds `Allow: OPTIONS,<methods>`. */
export class MethodNotAllowedError extends LatticeError {
  override readonly name = 'MethodNotAllowedError';
  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
    options?: ErrorOptions,
  ) {
    super('ERR_METHOD_NOT_ALLOWED', `method ${method} not allowed`, options);
  }
}

/** Consul's Allow header value: OPTIONS first, then the path's methods in declaration order. */
export function allowHeader(methods: readonly string[]): string {
  return ['OPTIONS', ...methods].join(',');
}

export interface HttpErrorReply {
  readonly status: number;
  readonly message: string;
}

/** Shown for bugs instead of their text, which may hold internals (reference §4.4: never a runtime error's text). */
export const internalErrorText = 'Unexpected internal error; the agent log has the details';

export function httpErrorReply(error: unknown): HttpErrorReply {
  if (error instanceof LatticeError) {
    const status = httpStatusByErrorCode[error.code] ?? 500;
    return { status, message: oneLine(error.message) };
  }
  // fastify's own errors (body too large, malformed JSON) carry a client status already.
  const statusCode = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return { status: statusCode, message: oneLine((error as Error).message) };
  return { status: 500, message: internalErrorText };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Installs the root error handler: a plain-text body with the catalogued status; 500s are logged. */
export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler(async (error, request, reply) => {
    const { status, message } = httpErrorReply(error);
    if (status === 500)
      log.error({ err: error, method: request.method, url: redactedUrl(request.url) }, 'HTTP request failed');
    if (error instanceof MethodNotAllowedError) void reply.header('Allow', allowHeader(error.allowed));
    await reply.code(status).type('text/plain; charset=utf-8').send(message);
  });
}
