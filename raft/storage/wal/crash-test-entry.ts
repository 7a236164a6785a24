// The entry the crash test's child appends at each index, so the parent can check what it reads back.

import type { Entry } from '../../core/types.js';

const dataSizeBytes = 300;

export function crashTestEntry(index: number): Entry {
  const data = new Uint8Array(dataSizeBytes).fill(0x2e);
  data.set(new TextEncoder().encode(`acknowledged-${index}`));
  return { index, term: 1, type: 'normal', data };
}
