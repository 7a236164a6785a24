// The heap's size and shape, the Node counterpart of the heap profile Consul's debug bundle holds: V8's heap and
// per-space statistics and the process's memory usage. Statistics, not a heap snapshot: a snapshot pauses the
// agent for seconds and is as large as the heap, which a periodic capture must not do to a live agent.

import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface HeapReport {
  readonly collectedAt: string;
  readonly memoryUsage: NodeJS.MemoryUsage;
  readonly heapStatistics: ReturnType<typeof getHeapStatistics>;
  readonly heapSpaces: ReturnType<typeof getHeapSpaceStatistics>;
}

export function heapReport(now: Date): HeapReport {
  return {
    collectedAt: now.toISOString(),
    memoryUsage: process.memoryUsage(),
    heapStatistics: getHeapStatistics(),
    heapSpaces: getHeapSpaceStatistics(),
  };
}
