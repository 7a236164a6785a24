// Typed events (STYLE §3.6): each emitter declares an event map; `on` returns an unsubscribe function; a
// listener that throws is reported to `onListenerError` and never reaches the code that emitted.

export interface Emitter<M> {
  on<K extends keyof M>(name: K, listener: (detail: M[K]) => void): () => void;
}

export class TypedEmitter<M> implements Emitter<M> {
  private readonly listeners = new Map<keyof M, Set<(detail: never) => void>>();

  constructor(private readonly onListenerError: (error: unknown, name: keyof M) => void = () => undefined) {}

  on<K extends keyof M>(name: K, listener: (detail: M[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (detail: never) => void);
    return () => {
      set.delete(listener as (detail: never) => void);
    };
  }

  emit<K extends keyof M>(name: K, detail: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (detail: M[K]) => void)(detail);
      } catch (error) {
        this.onListenerError(error, name);
      }
    }
  }

  listenerCount(name: keyof M): number {
    return this.listeners.get(name)?.size ?? 0;
  }
}
