// The Operator endpoint (Consul operator_raft_endpoint.go, operator_autopilot_endpoint.go): the Raft
// configuration, removing a dead peer, leadership transfer, and autopilot's health view.

import { BadRequestError } from '../rpc/errors.js';
import { WatchSet } from '../state/watch.js';
import type { ClusterOps } from './cluster-ops.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg } from './read.js';

type OperatorHandlers = Pick<
  HandlerTable,
  | 'Operator.RaftGetConfiguration'
  | 'Operator.RaftRemovePeer'
  | 'Operator.RaftTransferLeader'
  | 'Operator.AutopilotServerHealth'
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
      await cluster.transferLeadership(stringArg(args, 'ID', { required: false }), call.signal);
      return true;
    },
    'Operator.AutopilotServerHealth': (_args, call) => cluster.autopilotHealth(call.signal),
  };
}
