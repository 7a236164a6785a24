// The connection-level filter chain: a handler takes one accepted connection and resolves when it is finished;
// a filter wraps a handler. The L4 relay is the innermost handler; L7 will add an HTTP codec filter in front of
// its own request-level chain without changing this shape.

import type { Socket } from 'node:net';
import type { ConnectionCounters } from './counters.js';
import type { MuxStream } from './mux/stream.js';

export type Direction = 'inbound' | 'outbound';

export interface ConnectionContext {
  readonly id: number;
  readonly listener: string;
  readonly direction: Direction;
  /** The local service whose proxy owns the listener. */
  readonly service: string;
  /** Inbound: the local service. Outbound: the upstream's name. */
  readonly destination: string;
  readonly remoteAddress: string;
  /** Inbound: the caller's service, once its certificate is verified. */
  source: string | null;
  sourceNamespace: string | null;
  peerUri: string | null;
  /** Outbound: `address:port` of the endpoint dialled. */
  endpoint: string | null;
  readonly counters: ConnectionCounters;
}

/** An accepted socket, or a stream of a multiplexed session (one caller's connection carried with others). */
export type Downstream = Socket | MuxStream;

export interface ProxyConnection {
  readonly downstream: Downstream;
  readonly context: ConnectionContext;
  /** Fires when the listener stops, a policy revokes the connection, or the downstream socket fails. */
  readonly signal: AbortSignal;
}

export type ConnectionHandler = (connection: ProxyConnection) => Promise<void>;
export type NetworkFilter = (next: ConnectionHandler) => ConnectionHandler;

export function chain(inner: ConnectionHandler, outermostFirst: readonly NetworkFilter[]): ConnectionHandler {
  return outermostFirst.reduceRight((handler, filter) => filter(handler), inner);
}
