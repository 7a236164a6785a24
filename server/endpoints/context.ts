// What endpoint handlers get from the Server: the store, the clock, a way to put a command through Raft, and the
// Raft facts reads report. Handlers run on the server that should answer: the dispatcher (server/rpc/dispatch.ts)
// has already forwarded writes and non-stale reads to the leader and routed the datacenter.

import type { Clock } from '../../lib/clock.js';
import type { Rand } from '../../lib/rand.js';
import type { Command } from '../fsm/commands.js';
import type { SessionTimerControl } from '../leader/session-ttl.js';
import type { ServerMetrics } from '../metrics.js';
import type { QueryOptions, RequestContext, RpcMethodName, RpcMethods } from '../rpc/methods.js';
import type { StateStore } from '../state/store.js';

export interface HandlerCall {
  readonly context: RequestContext;
  /** Always set (defaulted for writes). */
  readonly query: QueryOptions;
  readonly signal?: AbortSignal;
}

export type Handler<M extends RpcMethodName> = (
  args: RpcMethods[M]['args'],
  call: HandlerCall,
) => Promise<RpcMethods[M]['reply']>;

export type HandlerTable = { readonly [M in RpcMethodName]: Handler<M> };

export interface EndpointContext {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly metrics: ServerMetrics;
  /** Blocking queries waiting now, and the most this server lets wait (past it: RpcOverloadedError). */
  readonly blocking: { inFlight: number; readonly inFlightMax: number };
  /** Consul's max_query_time and default_query_time. */
  readonly maxQueryTimeMs: number;
  readonly defaultQueryTimeMs: number;
  /** Puts `command` through Raft (this server leads); resolves with the FSM's value, WriteRefusedError on refusal. */
  apply(command: Command, signal?: AbortSignal): Promise<{ readonly index: number; readonly value: unknown }>;
  /** A linearizable read point (ReadIndex) for `?consistent`. */
  readBarrier(signal?: AbortSignal): Promise<void>;
  knownLeader(): boolean;
  /** Milliseconds since the leader was last heard from; 0 on the leader. */
  lastContactMs(): number;
  /** The leader's session TTL timers (Session.Apply and Session.Renew reset them); absent in bare tests. */
  readonly sessionTimers?: SessionTimerControl;
}
