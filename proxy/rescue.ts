// The only place a proxy failure becomes an outcome: the outermost filter catches what inner filters threw, maps it
// through one table to a connection result, resets the downstream socket and logs. Deny results carry the source,
// destination and the intention's reason.

import {
  CertificateExpiredError,
  UnknownCaError,
  WrongServiceError,
  WrongTrustDomainError,
} from '../connect/errors.js';
import { findCause, LatticeError, ShutdownError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { ConnectionResult } from './counters.js';
import {
  ConnectFailedError,
  ConnectionLimitError,
  ConnectTimeoutError,
  CredentialsUnavailableError,
  IdleTimeoutError,
  IntentionDeniedError,
  IntentionRevokedError,
  NoHealthyEndpointError,
  PeerRejectedError,
  StreamError,
} from './errors.js';
import type { NetworkFilter, ProxyConnection } from './filter-chain.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/** First match wins, so an identity failure inside "no endpoint left" is reported as the identity failure. */
const resultTable: readonly (readonly [ErrorClass, ConnectionResult, 'debug' | 'info' | 'warn'])[] = [
  [IntentionDeniedError, 'denied', 'warn'],
  [IntentionRevokedError, 'revoked', 'warn'],
  [ConnectionLimitError, 'limit', 'warn'],
  [PeerRejectedError, 'peer_rejected', 'warn'],
  [CredentialsUnavailableError, 'no_credentials', 'warn'],
  [ConnectTimeoutError, 'connect_timeout', 'info'],
  [ConnectFailedError, 'connect_failed', 'info'],
  [NoHealthyEndpointError, 'no_endpoint', 'info'],
  [IdleTimeoutError, 'idle_timeout', 'debug'],
  [ShutdownError, 'shutdown', 'debug'],
  [StreamError, 'stream_error', 'debug'],
];

/** Certificate failures are named by connect/'s error codes, the most useful reason for an operator. */
const reasonClasses: readonly ErrorClass[] = [
  UnknownCaError,
  CertificateExpiredError,
  WrongServiceError,
  WrongTrustDomainError,
];

export interface Rescued {
  readonly result: ConnectionResult;
  readonly reason: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
}

export function classifyError(error: unknown): Rescued {
  for (const [type, result, level] of resultTable) {
    const found = findCause(error, type);
    if (!found) continue;
    return { result, reason: reasonOf(error, found), level };
  }
  return { result: 'error', reason: error instanceof Error ? error.message : String(error), level: 'error' };
}

function reasonOf(error: unknown, matched: Error): string {
  if (matched instanceof IntentionDeniedError || matched instanceof IntentionRevokedError) return matched.reason;
  for (const type of reasonClasses) {
    const found = findCause(error, type);
    if (found instanceof LatticeError) return `${found.code}: ${found.message}`;
  }
  let innermost: unknown = matched;
  while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause;
  if (innermost instanceof LatticeError) return innermost.code;
  const code = (innermost as { code?: unknown }).code;
  return typeof code === 'string' ? code : (innermost as Error).message;
}

/** Ends a failed connection abruptly: a TCP reset for plain sockets, a plain destroy under TLS. */
export function resetSocket(connection: ProxyConnection): void {
  const socket = connection.downstream;
  if (socket.destroyed) return;
  // A socket whose FIN is on its way cannot be reset (libuv refuses, and Node then never closes the handle).
  const finOnItsWay = 'writableEnded' in socket && socket.writableEnded;
  if (connection.context.direction === 'outbound' && !finOnItsWay && typeof socket.resetAndDestroy === 'function') {
    socket.resetAndDestroy();
    return;
  }
  socket.destroy();
}

export function rescue(log: Logger): NetworkFilter {
  return (next) => async (connection) => {
    const { context } = connection;
    try {
      await next(connection);
      context.counters.result = 'ok';
    } catch (error) {
      const rescued = classifyError(error);
      context.counters.result = rescued.result;
      context.counters.reason = rescued.reason;
      resetSocket(connection);
      log[rescued.level](
        {
          connection: context.id,
          listener: context.listener,
          source: context.source ?? context.service,
          destination: context.destination,
          remote: context.remoteAddress,
          endpoint: context.endpoint ?? undefined,
          result: rescued.result,
          reason: rescued.reason,
        },
        'proxy connection ended',
      );
    }
  };
}
