// The HTTP edge's one table from error to status (STYLE §3.5), read by the single root error handler. Inner code
// throws LatticeError subclasses; only this file knows that a NotImplementedError is a 501.

import type { FastifyError, FastifyInstance } from 'fastify';
import { LatticeError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';

/** Error code → HTTP status. Codes not listed are server faults (500). */
export const httpStatusByErrorCode: Readonly<Record<string, number>> = Object.freeze({
  ERR_VALIDATION: 400,
  ERR_BAD_REQUEST: 400,
  ERR_PERMISSION_DENIED: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_TOO_MANY_REQUESTS: 429,
  ERR_NOT_IMPLEMENTED: 501,
  ERR_SHUTDOWN: 503,
  ERR_TIMEOUT: 504,
});

/** A route or resource that does not exist. */
export class NotFoundError extends LatticeError {
  override readonly name = 'NotFoundError';
  constructor(what: string, options?: ErrorOptions) {
    super('ERR_NOT_FOUND', `${what} not found`, options);
  }
}

export interface HttpErrorReply {
  readonly status: number;
  readonly message: string;
}

export function httpErrorReply(error: unknown): HttpErrorReply {
  if (error instanceof LatticeError) {
    const status = httpStatusByErrorCode[error.code] ?? 500;
    return { status, message: error.message };
  }
  // fastify's own errors (body too large, bad content type, malformed JSON) carry a client status already.
  const statusCode = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return { status: statusCode, message: (error as Error).message };
  return { status: 500, message: 'internal error' };
}

/** Installs the root error handler: JSON `{"error": "..."}` with the catalogued status; 5xx are logged. */
export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler(async (error, request, reply) => {
    const { status, message } = httpErrorReply(error);
    if (status >= 500 && status !== 501)
      log.error({ err: error, method: request.method, url: request.url }, 'HTTP request failed');
    await reply.code(status).send({ error: message });
  });
}
