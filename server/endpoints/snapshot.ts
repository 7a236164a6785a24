// The Snapshot endpoint (Consul snapshot_endpoint.go): save on the leader after a barrier, restore through Raft.
// One message each way for now, bounded by snapshotSizeBytesMax; streaming is the next step when catalogs grow.

import { BadRequestError } from '../rpc/errors.js';
import type { ClusterOps } from './cluster-ops.js';
import type { HandlerTable } from './context.js';

/** Largest snapshot carried in one RPC message: under the 16 MiB gRPC message limit of the Raft port. */
export const snapshotSizeBytesMax = 15 * 1024 * 1024;

type SnapshotHandlers = Pick<HandlerTable, 'Snapshot.Save' | 'Snapshot.Restore'>;

export function snapshotEndpoints(cluster: ClusterOps): SnapshotHandlers {
  return {
    'Snapshot.Save': (_args, call) => cluster.saveSnapshot(call.signal),
    'Snapshot.Restore': (args, call) => {
      const data = (args as { Data?: unknown }).Data;
      if (!(data instanceof Uint8Array)) throw new BadRequestError('Snapshot.Restore needs Data bytes');
      if (data.byteLength > snapshotSizeBytesMax)
        throw new BadRequestError(`snapshot over ${snapshotSizeBytesMax} bytes`);
      return cluster.restoreSnapshot(data, call.signal);
    },
  };
}
