// The Operator endpoint (Consul operator_raft_endpoint.go, operator_autopilot_endpoint.go): the Raft
// configuration, removing a dead peer, leadership transfer, autopilot's health view and its configuration.

import { RaftRejectedError } from '../../raft/node.js';
import { autopilotCommand } from '../fsm/commands.js';
import { BadRequestError, RpcInternalError } from '../rpc/errors.js';
import { autopilotConfig, normalizeAutopilotConfig } from '../state/autopilot-ops.js';
import { InvalidWriteError } from '../state/errors.js';
import type { AutopilotConfigFields } from '../state/tables/autopilot.js';
import { WatchSet } from '../state/watch.js';
import type { ClusterOps } from './cluster-ops.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { booleanArg, runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type OperatorHandlers = Pick<
  HandlerTable,
  | 'Operator.RaftGetConfiguration'
  | 'Operator.RaftRemovePeer'
  | 'Operator.RaftTransferLeader'
  | 'Operator.AutopilotServerHealth'
  | 'Operator.AutopilotState'
  | 'Operator.AutopilotGetConfiguration'
  | 'Operator.AutopilotSetConfiguration'
>;

export function operatorEndpoints(context: EndpointContext, cluster: ClusterOps): OperatorHandlers {
  return {
    'Operator.RaftGetConfiguration': async (_args, call) => {
      // Not a blocking read in Consul either: the configuration is answered as it is now.
      const configuration = cluster.raftConfiguration();
      return runRead(
        context,
        { ...call, query: { ...call.query, minQueryIndex: 0, filter: '' } },
        () => ({ index: configuration.Index, value: configuration, watch: new WatchSet() }),
        { filterable: false },
      );
    },
    'Operator.RaftRemovePeer': async (args, call) => {
      const id = stringArg(args, 'ID', { required: false });
      const address = stringArg(args, 'Address', { required: false });
      if ((id === '') === (address === ''))
        throw new BadRequestError(
          "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove",
        );
      await cluster.removePeer({ id, address }, call.signal);
      return true;
    },
    'Operator.RaftTransferLeader': async (args, call) => {
      try {
        await cluster.transferLeadership(stringArg(args, 'ID', { required: false }), call.signal);
      } catch (error) {
        // Consul passes Raft's refusal through as it is; a plain error would reach a forwarding follower's
        // caller as the masked "internal error on the server".
        if (error instanceof RaftRejectedError) throw new RpcInternalError(error.message, { cause: error });
        throw error;
      }
      return true;
    },
    'Operator.AutopilotServerHealth': (_args, call) => cluster.autopilotHealth(call.signal),
    'Operator.AutopilotState': (_args, call) => cluster.autopilotState(call.signal),
    'Operator.AutopilotGetConfiguration': (_args, call) =>
      runRead(context, call, () => autopilotConfig(context.store), { filterable: false }),
    'Operator.AutopilotSetConfiguration': async (args, call) => {
      const given = (args as { Config?: unknown }).Config;
      if (typeof given !== 'object' || given === null || Array.isArray(given))
        throw new BadRequestError('Missing autopilot configuration');
      const cas = booleanArg(args, 'CAS');
      const casIndex = (args as { CasIndex?: unknown }).CasIndex ?? 0;
      if (typeof casIndex !== 'number' || !Number.isSafeInteger(casIndex) || casIndex < 0)
        throw new BadRequestError('CasIndex must be a non-negative integer');
      let config: AutopilotConfigFields;
      try {
        config = normalizeAutopilotConfig(given as AutopilotConfigFields);
      } catch (error) {
        if (error instanceof InvalidWriteError) throw refusalOf(error);
        throw error;
      }
      const { value } = await context.apply(
        autopilotCommand({ Config: config, Mode: cas ? 'cas' : 'set', ...(cas ? { CasIndex: casIndex } : {}) }),
        call.signal,
      );
      return value === true;
    },
  };
}
