// `?near=<node>` (reference §2.5): sorts a read's rows by estimated round-trip time from that node's Vivaldi
// coordinate, nearest first. Rows whose node has no coordinate go last, in their original order; when the source
// node has none, nothing moves (Consul answers unsorted). Coordinates come from Coordinate.ListNodes in the same
// datacenter and consistency mode as the read.

import type { QueryOptions, RpcClient } from '../../server/rpc/methods.js';
import { coordinatesByNode, sortByDistance } from '../../server/state/distance-sort.js';

// The pure sort lives beside the state store so prepared-query execution on the servers uses the same one.
export { coordinatesByNode, sortByDistance };

/** Fetches the datacenter's coordinates and sorts; `near` "" returns the rows as they are. */
export async function sortNear<T>(
  rpc: RpcClient,
  rows: readonly T[],
  nodeOf: (row: T) => string,
  near: string,
  context: { readonly datacenter: string; readonly token: string },
  query: QueryOptions,
  signal: AbortSignal,
): Promise<readonly T[]> {
  if (near === '' || rows.length < 2) return rows;
  const reply = await rpc.call(
    'Coordinate.ListNodes',
    {},
    { context, query: { ...query, minQueryIndex: 0, filter: '', nodeMeta: {} }, signal },
  );
  return sortByDistance(rows, nodeOf, near, coordinatesByNode(reply.value));
}
