// The Txn endpoint (Consul txn_endpoint.go): Apply puts a transaction with writes through Raft as one entry and
// answers the FSM's {Results, Errors}; Read runs a read-only transaction on this server under the read rules
// (consistency modes, KnownLeader/LastContact), never through Raft. Both first run Consul's preCheck (a key on
// every KV op, no lock inside a lock delay): a refusal answers {Results: null, Errors} and nothing is applied.

import { txnCommand } from '../fsm/commands.js';
import { InvalidWriteError } from '../state/errors.js';
import { normalizeTxnOps } from '../state/txn-normalize.js';
import { readTxn, type TxnOp, type TxnResponse, txnPreCheck } from '../state/txn-ops.js';
import { WatchSet } from '../state/watch.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead } from './read.js';
import { refusalOf } from './write.js';

type TxnHandlers = Pick<HandlerTable, 'Txn.Apply' | 'Txn.Read'>;

function opsOf(args: unknown): TxnOp[] {
  try {
    return normalizeTxnOps((args as { Ops?: unknown } | null)?.Ops);
  } catch (error) {
    if (error instanceof InvalidWriteError) throw refusalOf(error);
    throw error;
  }
}

export function txnEndpoints(context: EndpointContext): TxnHandlers {
  const refusal = (ops: readonly TxnOp[]): TxnResponse | null => {
    const errors = txnPreCheck(ops, (key) => context.store.lockDelays.remainingMs(key));
    return errors.length === 0 ? null : { Results: null, Errors: errors };
  };
  return {
    'Txn.Apply': async (args, call) => {
      const ops = opsOf(args);
      const refused = refusal(ops);
      if (refused !== null) return refused;
      const { value } = await context.apply(txnCommand(ops), call.signal);
      return value as TxnResponse;
    },
    'Txn.Read': (args, call) => {
      const ops = opsOf(args);
      const query = { ...call.query, minQueryIndex: 0, filter: '' };
      return runRead(
        context,
        { ...call, query },
        () => ({
          index: context.store.latestIndex(),
          value: refusal(ops) ?? readTxn(context.store, ops),
          watch: new WatchSet(),
        }),
        { filterable: false },
      );
    },
  };
}
