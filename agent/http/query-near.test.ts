// Proves `?near` ordering as a table: rows sorted by Vivaldi distance from the source node, rows without a
// coordinate last in their original order, nothing moved when the source has no coordinate.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoordinateEntry } from '../../server/state/types.js';
import { coordinatesByNode, sortByDistance } from './query-near.js';

function at(node: string, x: number): CoordinateEntry {
  return { Node: node, Segment: '', Coord: { Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 } };
}

const coordinates = coordinatesByNode([at('a', 0), at('b', 0.05), at('c', 0.01), at('d', 0.2)]);
const byName = (row: string): string => row;

describe('sortByDistance', () => {
  it('orders by estimated RTT from the source, nearest first', () => {
    assert.deepEqual(sortByDistance(['d', 'b', 'c', 'a'], byName, 'a', coordinates), ['a', 'c', 'b', 'd']);
  });
  it('puts rows without coordinates last, in their original order', () => {
    assert.deepEqual(sortByDistance(['x', 'd', 'y', 'a'], byName, 'A', coordinates), ['a', 'd', 'x', 'y']);
  });
  it('leaves the order alone when the source is unknown', () => {
    assert.deepEqual(sortByDistance(['d', 'b', 'a'], byName, 'nobody', coordinates), ['d', 'b', 'a']);
  });
});
