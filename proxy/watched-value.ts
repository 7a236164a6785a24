// One value that ProxySource implementations hand out as `Watched` views: setting it notifies every listener, each
// view removes its own listeners when closed, and the owner learns when the last view closes (to stop a watch).

import type { Watched } from './source.js';

export class WatchedValue<T> {
  private latest: T | null = null;
  private readonly listeners = new Set<(value: T) => void>();
  private openViews = 0;

  get value(): T | null {
    return this.latest;
  }

  /** Views not yet closed. */
  get views(): number {
    return this.openViews;
  }

  set(value: T): void {
    this.latest = value;
    for (const listener of [...this.listeners]) listener(value);
  }

  view(onLastClose: () => void = () => undefined): Watched<T> {
    this.openViews++;
    const owned = new Set<(value: T) => void>();
    let closed = false;
    return {
      current: () => this.latest,
      onChange: (listener) => {
        this.listeners.add(listener);
        owned.add(listener);
        return () => {
          this.listeners.delete(listener);
          owned.delete(listener);
        };
      },
      close: () => {
        if (closed) return;
        closed = true;
        for (const listener of owned) this.listeners.delete(listener);
        this.openViews--;
        if (this.openViews === 0) onLastClose();
      },
    };
  }
}
