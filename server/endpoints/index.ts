// Every RPC method's handler, assembled from one file per Consul endpoint group. Adding an endpoint: write its
// file, spread it here; the type below refuses a missing method at compile time.

import type { DatacenterMapReply } from '../rpc/reply-types.js';
import { catalogEndpoints } from './catalog.js';
import type { ClusterOps } from './cluster-ops.js';
import { configEntryEndpoints } from './config-entry.js';
import { connectCaEndpoints } from './connect-ca.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { coordinateEndpoints } from './coordinate.js';
import { healthEndpoints } from './health.js';
import { intentionEndpoints } from './intention.js';
import { internalEndpoints } from './internal.js';
import { kvsEndpoints } from './kvs.js';
import { operatorEndpoints } from './operator.js';
import { preparedQueryEndpoints } from './prepared-query.js';
import { sessionEndpoints } from './session.js';
import { snapshotEndpoints } from './snapshot.js';
import { statusEndpoints } from './status.js';
import { txnEndpoints } from './txn.js';

export type { ClusterOps } from './cluster-ops.js';
export type { EndpointContext, Handler, HandlerCall, HandlerTable } from './context.js';

export function buildHandlers(
  context: EndpointContext,
  cluster: ClusterOps,
  datacenters: () => readonly string[],
  datacenterMaps: () => readonly DatacenterMapReply[] = () => [],
): HandlerTable {
  return {
    ...catalogEndpoints(context, datacenters),
    ...healthEndpoints(context),
    ...coordinateEndpoints(context, datacenterMaps),
    ...statusEndpoints(cluster),
    ...operatorEndpoints(context, cluster),
    ...snapshotEndpoints(cluster),
    ...kvsEndpoints(context),
    ...sessionEndpoints(context, context.sessionTimers),
    ...txnEndpoints(context),
    ...connectCaEndpoints(context, datacenters()[0] ?? ''),
    ...intentionEndpoints(context),
    ...configEntryEndpoints(context),
    ...preparedQueryEndpoints(context, datacenters()[0] ?? ''),
    ...internalEndpoints(context),
  };
}
