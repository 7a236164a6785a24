// The data plane's operating errors. Inner code throws these (or connect/'s certificate errors); only rescue.ts turns
// them into a reset and a logged result.

import { LatticeError } from '../lib/errors.js';

/** The intention table denies the caller's service to this destination at accept time. */
export class IntentionDeniedError extends LatticeError {
  override readonly name: string = 'IntentionDeniedError';
  constructor(
    readonly source: string,
    readonly destination: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super('ERR_INTENTION_DENIED', `${source} => ${destination} denied: ${reason}`, options);
  }
}

/** An intention change now denies an already-open connection. */
export class IntentionRevokedError extends LatticeError {
  override readonly name: string = 'IntentionRevokedError';
  constructor(
    readonly source: string,
    readonly destination: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super('ERR_INTENTION_REVOKED', `${source} => ${destination} no longer allowed: ${reason}`, options);
  }
}

/** The listener already holds its maximum of open connections. */
export class ConnectionLimitError extends LatticeError {
  override readonly name: string = 'ConnectionLimitError';
  constructor(
    readonly listener: string,
    readonly connectionsMax: number,
  ) {
    super('ERR_CONNECTION_LIMIT', `listener ${listener} is at its limit of ${connectionsMax} connections`);
  }
}

/** A dial did not complete (TCP connect, or TCP plus TLS handshake) within its timeout. */
export class ConnectTimeoutError extends LatticeError {
  override readonly name: string = 'ConnectTimeoutError';
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super('ERR_CONNECT_TIMEOUT', `connect to ${target} timed out after ${timeoutMs} ms`);
  }
}

/** A dial failed (refused, reset, TLS alert); the socket error is the cause. */
export class ConnectFailedError extends LatticeError {
  override readonly name: string = 'ConnectFailedError';
  constructor(
    readonly target: string,
    options?: ErrorOptions,
  ) {
    super('ERR_CONNECT_FAILED', `connect to ${target} failed`, options);
  }
}

/** The upstream has no healthy endpoint left to try. */
export class NoHealthyEndpointError extends LatticeError {
  override readonly name: string = 'NoHealthyEndpointError';
  constructor(
    readonly upstream: string,
    options?: ErrorOptions,
  ) {
    super('ERR_NO_HEALTHY_ENDPOINT', `upstream ${upstream} has no healthy endpoint to try`, options);
  }
}

/** A peer presented no usable certificate, or its chain failed verification; connect/'s error is the cause. */
export class PeerRejectedError extends LatticeError {
  override readonly name: string = 'PeerRejectedError';
  constructor(
    readonly peer: string,
    options?: ErrorOptions,
  ) {
    super('ERR_PEER_REJECTED', `peer ${peer} rejected`, options);
  }
}

/** The leaf certificate or the roots are not available yet (or any more) for this service. */
export class CredentialsUnavailableError extends LatticeError {
  override readonly name: string = 'CredentialsUnavailableError';
  constructor(
    readonly service: string,
    readonly what: 'leaf' | 'roots',
  ) {
    super('ERR_CREDENTIALS_UNAVAILABLE', `no ${what} certificate available for ${service}`);
  }
}

/** A relayed connection saw no bytes in either direction for its idle timeout. */
export class IdleTimeoutError extends LatticeError {
  override readonly name: string = 'IdleTimeoutError';
  constructor(readonly idleTimeoutMs: number) {
    super('ERR_IDLE_TIMEOUT', `connection idle for ${idleTimeoutMs} ms`);
  }
}

/** A socket of a relayed connection failed mid-stream; the socket error is the cause. */
export class StreamError extends LatticeError {
  override readonly name: string = 'StreamError';
  constructor(
    readonly side: 'downstream' | 'upstream',
    options?: ErrorOptions,
  ) {
    super('ERR_STREAM', `${side} socket failed`, options);
  }
}
