// A min-priority queue of simulator events ordered by time, then by insertion, so equal-time events run in the
// order they were scheduled and a run replays exactly from its seed.

export interface Scheduled {
  readonly atMs: number;
  readonly sequence: number;
}

export class EventQueue<T extends Scheduled> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  peekTimeMs(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.heap[0]!.atMs;
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push(item);
    let position = heap.length - 1;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!before(item, heap[parent]!)) break;
      heap[position] = heap[parent]!;
      position = parent;
    }
    heap[position] = item;
  }

  pop(): T | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let position = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[position] = heap[child]!;
      position = child;
    }
    heap[position] = last;
    return top;
  }
}

function before(left: Scheduled, right: Scheduled): boolean {
  return left.atMs < right.atMs || (left.atMs === right.atMs && left.sequence < right.sequence);
}
