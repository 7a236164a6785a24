// An RpcClient over a real in-memory StateStore (no Raft), for agent tests: anti-entropy writes land in the same
// catalog code the servers run, so a test sees exactly what the catalog would hold. `offline` makes every call
// fail like an unreachable server; `calls` counts writes.

import { NoServersError } from '../../server/rpc/errors.js';
import type { CallOptions, RpcClient, RpcMethodName, RpcMethods } from '../../server/rpc/methods.js';
import { deregister, ensureRegistration, nodeChecks, nodeServices, StateStore } from '../../server/state/index.js';
import type { DeregisterRequest } from '../../server/state/types.js';

export class StoreRpcClient implements RpcClient {
  readonly store = new StateStore();
  offline = false;
  writes = 0;
  private index = 0;

  async call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    _options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    if (this.offline) throw new NoServersError();
    const meta = () => ({ index: Math.max(1, this.store.latestIndex()), knownLeader: true, lastContactMs: 0 });
    switch (method) {
      case 'Catalog.Register':
        this.writes++;
        ensureRegistration(this.store, ++this.index, args);
        return true as RpcMethods[M]['reply'];
      case 'Catalog.Deregister':
        this.writes++;
        deregister(this.store, ++this.index, args as DeregisterRequest);
        return true as RpcMethods[M]['reply'];
      case 'Catalog.NodeServices':
        return {
          value: nodeServices(this.store, (args as { Node: string }).Node).value,
          meta: meta(),
        } as RpcMethods[M]['reply'];
      case 'Health.NodeChecks':
        return {
          value: nodeChecks(this.store, (args as { Node: string }).Node).value,
          meta: meta(),
        } as RpcMethods[M]['reply'];
      case 'Coordinate.Update':
        return true as RpcMethods[M]['reply'];
      default:
        throw new Error(`StoreRpcClient: ${method} is not supported`);
    }
  }

  /** Writes behind the agent's back (drift for anti-entropy to repair). */
  register(request: unknown): void {
    ensureRegistration(this.store, ++this.index, request);
  }

  remove(request: DeregisterRequest): void {
    deregister(this.store, ++this.index, request);
  }
}
