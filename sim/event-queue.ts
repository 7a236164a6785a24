// A min-heap of timed events for the simulators: earliest time first, ties in insertion order, so a run is a
// pure function of its seed.

export class EventQueue<T> {
  private readonly heap: { timeMs: number; sequence: number; item: T }[] = [];
  private sequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(timeMs: number, item: T): void {
    this.heap.push({ timeMs, sequence: this.sequence++, item });
    let position = this.heap.length - 1;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!this.before(position, parent)) break;
      this.swap(position, parent);
      position = parent;
    }
  }

  peekTimeMs(): number | null {
    return this.heap[0]?.timeMs ?? null;
  }

  pop(): { timeMs: number; item: T } | null {
    const top = this.heap[0];
    if (!top) return null;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let position = 0;
      for (;;) {
        const left = position * 2 + 1;
        const right = left + 1;
        let smallest = position;
        if (left < this.heap.length && this.before(left, smallest)) smallest = left;
        if (right < this.heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === position) break;
        this.swap(position, smallest);
        position = smallest;
      }
    }
    return { timeMs: top.timeMs, item: top.item };
  }

  private before(left: number, right: number): boolean {
    const a = this.heap[left]!;
    const b = this.heap[right]!;
    return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
  }

  private swap(left: number, right: number): void {
    const held = this.heap[left]!;
    this.heap[left] = this.heap[right]!;
    this.heap[right] = held;
  }
}
