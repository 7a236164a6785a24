// Fine-grained change notification for blocking queries: a read names the watch keys its result depends on (a
// service name, a node, a table) in a WatchSet; a committed write fires only the keys whose rows it changed, so a
// write to service `db` never wakes the watchers of `web`. Watches are one-shot and callbacks run synchronously
// after the commit; waiting and deadlines belong to the caller (server/state-watch.ts).

/** Why a watch fired: rows it depends on changed, or the whole store was replaced by a snapshot restore. */
export type WatchReason = 'change' | 'restore';

export type WatchCallback = (reason: WatchReason) => void;

/** The keys one read depended on; combine several reads' sets with `addAll`. */
export class WatchSet implements Iterable<string> {
  private readonly keys = new Set<string>();

  constructor(keys: Iterable<string> = []) {
    for (const key of keys) this.keys.add(key);
  }

  add(key: string): this {
    this.keys.add(key);
    return this;
  }

  addAll(other: Iterable<string>): this {
    for (const key of other) this.keys.add(key);
    return this;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys[Symbol.iterator]();
  }
}

interface Watcher {
  readonly keys: readonly string[];
  readonly callback: WatchCallback;
  active: boolean;
}

/** Registered watchers by key; each watcher fires at most once, then is gone. */
export class WatchRegistry {
  private readonly byKey = new Map<string, Set<Watcher>>();
  private count = 0;

  constructor(private readonly onCallbackError: (error: unknown) => void = () => undefined) {}

  /** Calls `callback` once when any key fires (or on restore); the returned function cancels. */
  watch(keys: Iterable<string>, callback: WatchCallback): () => void {
    const watcher: Watcher = { keys: [...new Set(keys)], callback, active: true };
    for (const key of watcher.keys) {
      let set = this.byKey.get(key);
      if (!set) {
        set = new Set();
        this.byKey.set(key, set);
      }
      set.add(watcher);
    }
    this.count++;
    return () => this.remove(watcher);
  }

  /** Fires every watcher registered on any of `keys`, each once. */
  fire(keys: Iterable<string>, reason: WatchReason = 'change'): number {
    const due = new Set<Watcher>();
    for (const key of keys) {
      const set = this.byKey.get(key);
      if (set) for (const watcher of set) due.add(watcher);
    }
    return this.notify(due, reason);
  }

  /** Fires every watcher (a restore replaced everything). */
  fireAll(reason: WatchReason): number {
    const due = new Set<Watcher>();
    for (const set of this.byKey.values()) for (const watcher of set) due.add(watcher);
    return this.notify(due, reason);
  }

  /** Watchers waiting now. */
  get watcherCount(): number {
    return this.count;
  }

  /** Watchers waiting on one key (for tests and metrics). */
  watchersOn(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  private notify(due: ReadonlySet<Watcher>, reason: WatchReason): number {
    for (const watcher of due) this.remove(watcher);
    for (const watcher of due) {
      try {
        watcher.callback(reason);
      } catch (error) {
        this.onCallbackError(error);
      }
    }
    return due.size;
  }

  private remove(watcher: Watcher): void {
    if (!watcher.active) return;
    watcher.active = false;
    this.count--;
    for (const key of watcher.keys) {
      const set = this.byKey.get(key);
      if (!set) continue;
      set.delete(watcher);
      if (set.size === 0) this.byKey.delete(key);
    }
  }
}
