// Network coordinates (Consul's coordinate.go): a batch update from the leader's coordinate endpoint, skipping
// nodes that no longer exist, and reads of all coordinates or one node's.

import { InvalidWriteError } from './errors.js';
import { coordinateWatchKey, tableIndexKey } from './indexes.js';
import { stringField } from './normalize.js';
import type { QueryResult, StateStore } from './store.js';
import { coordinatesSchema, nodeKey, nodesSchema } from './tables/catalog.js';
import type { WriteTxn } from './txn.js';
import type { Coordinate, CoordinateEntry } from './types.js';
import { WatchSet } from './watch.js';

const coordinatesIndexKey = tableIndexKey(coordinatesSchema.name);
const coordinateDimensionsMax = 32;

function finiteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidWriteError(`${field} must be a finite number`);
  return value;
}

/** Validates one update: Consul refuses coordinates with NaN or infinite components. */
export function normalizeCoordinateUpdate(value: unknown): CoordinateEntry {
  if (typeof value !== 'object' || value === null) throw new InvalidWriteError('coordinate update must be an object');
  const update = value as Record<string, unknown>;
  const node = stringField(update['Node'], 'Node');
  if (node === '') throw new InvalidWriteError('Must provide node');
  const coord = update['Coord'];
  if (typeof coord !== 'object' || coord === null) throw new InvalidWriteError('Coord must be an object');
  const fields = coord as Record<string, unknown>;
  const vec = fields['Vec'];
  if (!Array.isArray(vec) || vec.length > coordinateDimensionsMax)
    throw new InvalidWriteError('Coord.Vec must be a list');
  const parsed: Coordinate = {
    Vec: vec.map((component, position) => finiteNumber(component, `Coord.Vec[${position}]`)),
    Error: finiteNumber(fields['Error'], 'Coord.Error'),
    Adjustment: finiteNumber(fields['Adjustment'], 'Coord.Adjustment'),
    Height: finiteNumber(fields['Height'], 'Coord.Height'),
  };
  return { Node: node, Segment: stringField(update['Segment'], 'Segment'), Coord: parsed };
}

/** Writes a batch of coordinates at `index`; updates for unknown nodes are skipped. Returns how many were written. */
export function coordinateBatchUpdate(store: StateStore, index: number, updates: unknown): number {
  if (!Array.isArray(updates)) throw new InvalidWriteError('coordinate updates must be a list');
  const entries = updates.map(normalizeCoordinateUpdate);
  return store.write(index, (txn) => coordinateBatchUpdateTxn(txn, entries));
}

export function coordinateBatchUpdateTxn(txn: WriteTxn, entries: readonly CoordinateEntry[]): number {
  const nodes = txn.table(nodesSchema);
  let written = 0;
  for (const entry of entries) {
    const node = nodes.get(nodeKey(entry.Node));
    if (node === undefined) continue;
    txn.put(coordinatesSchema, { ...entry, Node: node.Node });
    txn.touch(coordinateWatchKey(node.Node));
    written++;
  }
  if (written > 0) txn.bumpIndex(coordinatesIndexKey);
  return written;
}

/** `/v1/coordinate/nodes`. */
export function coordinates(store: StateStore): QueryResult<readonly CoordinateEntry[]> {
  return {
    index: store.indexes.get(coordinatesIndexKey),
    value: store.table(coordinatesSchema).all(),
    watch: new WatchSet([coordinatesIndexKey]),
  };
}

/** `/v1/coordinate/node/:node`: the node's coordinates, one per segment. */
export function nodeCoordinates(store: StateStore, node: string): QueryResult<readonly CoordinateEntry[]> {
  return {
    index: store.indexes.get(coordinatesIndexKey),
    value: store.table(coordinatesSchema).lookup('node', nodeKey(node)),
    watch: new WatchSet([coordinateWatchKey(node)]),
  };
}
