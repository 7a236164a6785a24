// Builders for log entries in tests: contiguous runs with given terms and recognisable data.

import type { Entry } from '../core/types.js';

/** Entries from `firstIndex` onwards, one per term in `terms`, each with data naming its index and term. */
export function makeEntries(firstIndex: number, terms: readonly number[]): Entry[] {
  return terms.map((term, position) => ({
    index: firstIndex + position,
    term,
    type: 'normal' as const,
    data: new TextEncoder().encode(`entry-${firstIndex + position}-term-${term}`),
  }));
}

/** `count` entries from `firstIndex` onwards, all in `term`. */
export function makeRun(firstIndex: number, count: number, term = 1): Entry[] {
  return makeEntries(firstIndex, new Array<number>(count).fill(term));
}
