// The KVS endpoint (Consul kvs_endpoint.go): writes validated, then through Raft on the leader, where a lock
// attempt on a key still inside an invalidated session's lock delay is refused (false) before it reaches the
// log; reads with Consul's KV index rules (state/kv-reads.ts). A missing key answers null.

import { kvCommand } from '../fsm/commands.js';
import { InvalidWriteError } from '../state/errors.js';
import { normalizeKvApply } from '../state/kv-apply.js';
import { kvsGet, kvsList, kvsListKeys } from '../state/kv-reads.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type KvsHandlers = Pick<HandlerTable, 'KVS.Apply' | 'KVS.Get' | 'KVS.List' | 'KVS.ListKeys'>;

export function kvsEndpoints(context: EndpointContext): KvsHandlers {
  return {
    'KVS.Apply': async (args, call) => {
      let request: ReturnType<typeof normalizeKvApply>;
      try {
        request = normalizeKvApply(args);
      } catch (error) {
        if (error instanceof InvalidWriteError) throw refusalOf(error);
        throw error;
      }
      if (request.Op === 'lock' && context.store.lockDelays.remainingMs(request.DirEnt.Key) > 0) return false;
      const { value } = await context.apply(kvCommand(request), call.signal);
      return value === true;
    },
    'KVS.Get': (args, call) => {
      const key = stringArg(args, 'Key', { required: false });
      return runRead(context, call, () => kvsGet(context.store, key), { filterable: false });
    },
    'KVS.List': (args, call) => {
      const prefix = stringArg(args, 'Key', { required: false });
      return runRead(context, call, () => kvsList(context.store, prefix), { filterable: false });
    },
    'KVS.ListKeys': (args, call) => {
      const prefix = stringArg(args, 'Prefix', { required: false });
      const separator = stringArg(args, 'Separator', { required: false });
      return runRead(context, call, () => kvsListKeys(context.store, prefix, separator), { filterable: false });
    },
  };
}
