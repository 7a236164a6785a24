// An RpcClient that runs the real endpoint handlers over one StateStore, with commands applied at once (as a
// one-server FSM would) and the leader's answers: for route and DNS tests that want the real server semantics
// without Raft, sockets or timers.

import type { Clock } from '../../lib/clock.js';
import { ManualClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { SeededRand } from '../../lib/rand.js';
import { buildHandlers, type EndpointContext, type HandlerTable } from '../endpoints/index.js';
import { refusalOf } from '../endpoints/write.js';
import { applyCommand } from '../fsm/fsm.js';
import { ServerMetrics } from '../metrics.js';
import { defaultQueryOptions, type RpcClient } from '../rpc/methods.js';
import type { StateStore } from '../state/store.js';

export interface EndpointRpc {
  readonly rpc: RpcClient;
  readonly context: EndpointContext;
  /** The index the next applied command gets. */
  nextIndex(): number;
}

export function endpointRpc(
  store: StateStore,
  options: { readonly clock?: Clock; readonly datacenter?: string; readonly seed?: number } = {},
): EndpointRpc {
  let index = store.latestIndex();
  const context: EndpointContext = {
    store,
    clock: options.clock ?? new ManualClock(),
    rand: new SeededRand(options.seed ?? 7),
    metrics: new ServerMetrics(null, { nodes: () => 0, services: () => 0, checks: () => 0 }),
    blocking: { inFlight: 0, inFlightMax: 100 },
    maxQueryTimeMs: 600_000,
    defaultQueryTimeMs: 300_000,
    apply: async (command) => {
      // Tests may also write to the store directly: stay above whatever it holds.
      index = Math.max(index, store.latestIndex()) + 1;
      try {
        return { index, value: applyCommand(store, index, command) };
      } catch (error) {
        if (error instanceof LatticeError) throw refusalOf(error);
        throw error;
      }
    },
    readBarrier: async () => undefined,
    knownLeader: () => true,
    lastContactMs: () => 0,
  };
  const handlers: HandlerTable = buildHandlers(context, {} as never, () => [options.datacenter ?? 'dc1']);
  const rpc: RpcClient = {
    call: (method, args, callOptions) =>
      (handlers[method] as (args: unknown, call: unknown) => Promise<never>)(args, {
        context: callOptions.context,
        query: callOptions.query ?? defaultQueryOptions,
        signal: callOptions.signal,
      }),
  };
  return { rpc, context, nextIndex: () => Math.max(index, store.latestIndex()) + 1 };
}
