// The Internal endpoint (Consul internal_endpoint.go) behind `/v1/internal/ui/*`: the node dump, one node, the
// service listing and a service's topology, each one read of the state store per run (and a blocking query),
// so a UI page costs one query however many services there are. Unlike Consul, the servers summarize the
// services themselves, so only the summaries (not every instance and check) cross the RPC.

import { BadRequestError } from '../rpc/errors.js';
import type { ServiceEntry } from '../state/types.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { uiNodeDump, uiNodeInfo, uiServiceListing } from './internal-reads.js';
import { uiServiceTopology } from './internal-topology.js';
import { compileQueryFilter, filterMatches, runRead, stringArg } from './read.js';

type InternalHandlers = Pick<
  HandlerTable,
  'Internal.NodeDump' | 'Internal.NodeInfo' | 'Internal.ServiceDump' | 'Internal.ServiceTopology'
>;

/** The decision with no matching intention while ACLs are off (as Intention.Check decides, intention.ts). */
const defaultAllow = true;

/** Service kinds Consul draws a topology for; an ingress gateway's needs gateway-service links Lattice lacks. */
const topologyKinds = new Set(['', 'ingress-gateway']);

export function internalEndpoints(context: EndpointContext): InternalHandlers {
  return {
    'Internal.NodeDump': async (_args, call) => runRead(context, call, () => uiNodeDump(context.store)),
    'Internal.NodeInfo': async (args, call) => {
      const node = stringArg(args, 'Node', { required: true });
      return runRead(context, call, () => uiNodeInfo(context.store, node), { filterable: false });
    },
    'Internal.ServiceDump': async (_args, call) => {
      // Compiled once (a bad expression is the caller's 400 before any wait), applied to the health entries.
      const filter = compileQueryFilter(call.query.filter);
      const keep = filter === null ? null : (entry: ServiceEntry) => filterMatches(filter, entry);
      return runRead(context, call, () => uiServiceListing(context.store, keep), { filterable: false });
    },
    'Internal.ServiceTopology': async (args, call) => {
      const service = stringArg(args, 'ServiceName', { required: true });
      const kind = stringArg(args, 'ServiceKind', { required: false });
      if (!topologyKinds.has(kind)) throw new BadRequestError(`Unsupported service kind "${kind}"`);
      if (kind === 'ingress-gateway')
        throw new BadRequestError('The topology of an ingress gateway is not implemented yet');
      return runRead(context, call, () => uiServiceTopology(context.store, service, defaultAllow), {
        filterable: false,
      });
    },
  };
}
