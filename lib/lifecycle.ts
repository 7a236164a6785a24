// Shared words for lifecycle and cancellation (STYLE §3.3): constructors do no I/O, `start()` binds and arms,
// `stop()` undoes it in reverse, is safe to call twice and finishes within the caller's signal.

import { abortReason } from './errors.js';

export interface AbortOptions {
  readonly signal?: AbortSignal;
}

export interface Startable {
  start(options?: AbortOptions): Promise<void>;
  stop(options?: AbortOptions): Promise<void>;
}

/** Throws the signal's reason (as a LatticeError) if it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * Starts components in order; if one fails, stops the ones already started (in reverse) and rethrows.
 * Returns a function that stops them all in reverse order.
 */
export async function startAll(
  components: readonly Startable[],
  options: AbortOptions = {},
): Promise<(options?: AbortOptions) => Promise<void>> {
  const started: Startable[] = [];
  const stopStarted = async (stopOptions: AbortOptions = {}): Promise<void> => {
    const errors: unknown[] = [];
    for (const component of [...started].reverse()) {
      try {
        await component.stop(stopOptions);
      } catch (error) {
        errors.push(error);
      }
    }
    started.length = 0;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several components failed to stop');
  };
  try {
    for (const component of components) {
      throwIfAborted(options.signal);
      await component.start(options);
      started.push(component);
    }
  } catch (error) {
    await stopStarted().catch(() => undefined);
    throw error;
  }
  return stopStarted;
}

/**
 * Guards a component's start/stop pair: `stop` before `start` is a no-op, a second `stop` returns the first
 * stop's promise, and `start` after `stop` is refused.
 */
export class LifecycleState {
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | null = null;

  get current(): string {
    return this.state;
  }

  isRunning(): boolean {
    return this.state === 'running';
  }

  async start(run: () => Promise<void>): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start: component is ${this.state}`);
    this.state = 'starting';
    try {
      await run();
      this.state = 'running';
    } catch (error) {
      this.state = 'stopped';
      throw error;
    }
  }

  stop(run: () => Promise<void>): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state === 'new') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.state = 'stopping';
    this.stopping = run().finally(() => {
      this.state = 'stopped';
    });
    return this.stopping;
  }
}
