// The RPC error catalogue: every failure an RpcClient call can reject with, one class each, with Consul's text
// where HTTP clients see it. The HTTP layer maps classes (or `code`) to statuses in its one table; suggested
// statuses (Consul's) are noted on each class, nothing here builds a status.
//
//   NoPathToDatacenterError  ERR_NO_PATH_TO_DC     "No path to datacenter"          HTTP 500
//   NoLeaderError            ERR_NO_LEADER         "No cluster leader"              HTTP 500
//   NoServersError           ERR_NO_SERVERS        "No known Consul servers"        HTTP 500
//   BadRequestError          ERR_BAD_REQUEST       invalid args, bad ?filter=       HTTP 400
//   WriteRefusedError        the store's own code  (ERR_MISSING_NODE, ERR_INVALID_WRITE, ERR_NODE_CONFLICT, ...)
//                                                  Consul's text ("Missing node registration")  HTTP 500 (400
//                                                  for ERR_INVALID_WRITE is friendlier; Consul answers 500)
//   NotFoundError            ERR_NOT_FOUND         e.g. a Raft peer that is not in the configuration  HTTP 500/404
//   PermissionDeniedError    ERR_PERMISSION_DENIED "Permission denied" (ACLs, later)                  HTTP 403
//   RpcOverloadedError       ERR_RPC_OVERLOADED    too many calls in flight                           HTTP 429
//   RpcTransportError        ERR_RPC_TRANSPORT     "rpc error making call: ..." (server unreachable)  HTTP 500
//   UnknownMethodError       ERR_UNKNOWN_METHOD    "rpc: can't find method X"                         HTTP 500
//   RpcInternalError         ERR_RPC_INTERNAL      anything else on the server (logged there)         HTTP 500
// Aborts and deadlines keep lib/errors.ts AbortError / TimeoutError.
//
// Over gRPC an error travels as { name, code, message, leaderAddress? } and `decodeRpcError` rebuilds the class.

import { AbortError, LatticeError, ShutdownError, TimeoutError } from '../../lib/errors.js';

export class RpcError extends LatticeError {
  override readonly name: string = 'RpcError';
}

export class NoPathToDatacenterError extends RpcError {
  override readonly name: string = 'NoPathToDatacenterError';
  constructor(
    readonly datacenter: string,
    options?: ErrorOptions,
  ) {
    super('ERR_NO_PATH_TO_DC', 'No path to datacenter', options);
  }
}

export class NoLeaderError extends RpcError {
  override readonly name: string = 'NoLeaderError';
  constructor(options?: ErrorOptions) {
    super('ERR_NO_LEADER', 'No cluster leader', options);
  }
}

export class NoServersError extends RpcError {
  override readonly name: string = 'NoServersError';
  constructor(options?: ErrorOptions) {
    super('ERR_NO_SERVERS', 'No known Consul servers', options);
  }
}

export class BadRequestError extends RpcError {
  override readonly name: string = 'BadRequestError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_BAD_REQUEST', message, options);
  }
}

/** The catalog refused a write; `code` is the state store's (ERR_MISSING_NODE, ERR_INVALID_WRITE, ...). */
export class WriteRefusedError extends RpcError {
  override readonly name: string = 'WriteRefusedError';
}

export class NotFoundError extends RpcError {
  override readonly name: string = 'NotFoundError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_NOT_FOUND', message, options);
  }
}

export class PermissionDeniedError extends RpcError {
  override readonly name: string = 'PermissionDeniedError';
  constructor(options?: ErrorOptions) {
    super('ERR_PERMISSION_DENIED', 'Permission denied', options);
  }
}

export class RpcOverloadedError extends RpcError {
  override readonly name: string = 'RpcOverloadedError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RPC_OVERLOADED', message, options);
  }
}

/**
 * The call could not reach a server, or the connection broke: safe to retry a read on another server. A write
 * is safe to retry only when `notDelivered` (no connection to the server was ever established, so it never left).
 */
export class RpcTransportError extends RpcError {
  override readonly name: string = 'RpcTransportError';
  readonly notDelivered: boolean;
  constructor(
    readonly serverAddress: string,
    message: string,
    options?: ErrorOptions & { readonly notDelivered?: boolean },
  ) {
    super('ERR_RPC_TRANSPORT', `rpc error making call: ${message}`, options);
    this.notDelivered = options?.notDelivered ?? false;
  }
}

export class UnknownMethodError extends RpcError {
  override readonly name: string = 'UnknownMethodError';
  constructor(method: string, options?: ErrorOptions) {
    super('ERR_UNKNOWN_METHOD', `rpc: can't find method ${method}`, options);
  }
}

export class RpcInternalError extends RpcError {
  override readonly name: string = 'RpcInternalError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RPC_INTERNAL', message, options);
  }
}

/** An error as it crosses the wire. */
export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly datacenter?: string;
}

/** What the gRPC server sends for `error`: RPC errors keep their identity, anything else becomes internal. */
export function encodeRpcError(error: unknown): WireError {
  if (error instanceof NoPathToDatacenterError)
    return { name: error.name, code: error.code, message: error.message, datacenter: error.datacenter };
  if (error instanceof RpcError || error instanceof TimeoutError || error instanceof ShutdownError)
    return { name: error.name, code: error.code, message: error.message };
  if (error instanceof AbortError) return { name: 'AbortError', code: error.code, message: error.message };
  return { name: 'RpcInternalError', code: 'ERR_RPC_INTERNAL', message: 'internal error on the server' };
}

const textOf = (value: unknown, fallback: string, lengthMax = 4096): string =>
  typeof value === 'string' ? value.slice(0, lengthMax) : fallback;

/** Rebuilds the class of a WireError (validated: it came from the network). */
export function decodeRpcError(value: unknown): RpcError | TimeoutError | AbortError {
  const wire = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const message = textOf(wire['message'], 'unknown error');
  const code = textOf(wire['code'], 'ERR_RPC_INTERNAL', 64);
  switch (wire['name']) {
    case 'NoPathToDatacenterError':
      return new NoPathToDatacenterError(textOf(wire['datacenter'], '', 256));
    case 'NoLeaderError':
      return new NoLeaderError();
    case 'NoServersError':
      return new NoServersError();
    case 'BadRequestError':
      return new BadRequestError(message);
    case 'WriteRefusedError':
      return new WriteRefusedError(code, message);
    case 'NotFoundError':
      return new NotFoundError(message);
    case 'PermissionDeniedError':
      return new PermissionDeniedError();
    case 'RpcOverloadedError':
      return new RpcOverloadedError(message);
    case 'UnknownMethodError':
      return new UnknownMethodError(message.replace(/^rpc: can't find method /, ''));
    case 'TimeoutError':
      return new TimeoutError(message);
    case 'AbortError':
      return new AbortError(message);
    default:
      return new RpcInternalError(message);
  }
}
