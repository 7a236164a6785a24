// Sorting rows by estimated round-trip time from one node's Vivaldi coordinate, nearest first (Consul's
// sortNodesByDistanceFrom): rows whose node has no coordinate go last in their original order, and nothing moves
// when the source node has none. Pure; shared by `?near=` on the agent's reads and prepared-query execution on
// the servers.

import { type Coordinate, distanceSeconds, isCompatible } from '../../gossip/vivaldi/coordinate.js';
import type { CoordinateEntry } from './types.js';

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
