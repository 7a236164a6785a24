// `?near=<node>` (reference §2.5): sorts a read's rows by estimated round-trip time from that node's Vivaldi
// coordinate, nearest first. Rows whose node has no coordinate go last, in their original order; when the source
// node has none, nothing moves (Consul answers unsorted). Coordinates come from Coordinate.ListNodes in the same
// datacenter and consistency mode as the read.

import { type Coordinate, distanceSeconds, isCompatible } from '../../gossip/vivaldi/coordinate.js';
import type { QueryOptions, RpcClient } from '../../server/rpc/methods.js';
import type { CoordinateEntry } from '../../server/state/types.js';

function fromEntry(entry: CoordinateEntry): Coordinate {
  const coord = entry.Coord;
  return { vec: coord.Vec, error: coord.Error, adjustment: coord.Adjustment, height: coord.Height };
}

/** Node name → coordinate of the default network segment (names compare case-insensitively, as the catalog's). */
export function coordinatesByNode(entries: readonly CoordinateEntry[]): Map<string, Coordinate> {
  const byNode = new Map<string, Coordinate>();
  for (const entry of entries) {
    if (entry.Segment !== '' && byNode.has(entry.Node.toLowerCase())) continue;
    byNode.set(entry.Node.toLowerCase(), fromEntry(entry));
  }
  return byNode;
}

/** Stable sort of `rows` by distance from `source`'s coordinate; pure, for tables. */
export function sortByDistance<T>(
  rows: readonly T[],
  nodeOf: (row: T) => string,
  source: string,
  coordinates: ReadonlyMap<string, Coordinate>,
): T[] {
  const origin = coordinates.get(source.toLowerCase());
  if (!origin) return [...rows];
  const keyed = rows.map((row, position) => {
    const coordinate = coordinates.get(nodeOf(row).toLowerCase());
    const distance =
      coordinate && isCompatible(origin, coordinate) ? distanceSeconds(origin, coordinate) : Number.POSITIVE_INFINITY;
    return { row, position, distance };
  });
  keyed.sort((a, b) => a.distance - b.distance || a.position - b.position);
  return keyed.map((entry) => entry.row);
}

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
