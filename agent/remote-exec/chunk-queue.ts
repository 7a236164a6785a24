// The hand-over between a command's output and the agent's uploads, in the shape of Consul's buffered channel
// (BufCh, 16 chunks) and its select: the uploader takes the next chunk, or learns that the command was quiet for
// the job's Wait (a heartbeat is due), or that the output ended. A full queue asks the producer to pause the
// command's pipes (Consul's writer blocks instead); after discard() chunks are dropped, as after Consul's CancelCh.

import type { Clock } from '../../lib/clock.js';

/** Consul's make(chan []byte, 16). */
export const chunkQueueCapacity = 16;

export type NextOutput =
  | { readonly kind: 'chunk'; readonly chunk: Buffer }
  | { readonly kind: 'quiet' }
  | { readonly kind: 'end' };

export class ChunkQueue {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private discarding = false;
  private waiter: ((next: NextOutput) => void) | null = null;

  constructor(
    private readonly clock: Clock,
    /** Told `true` when the queue fills (pause the pipes) and `false` when it has room again. */
    private readonly onFull: (full: boolean) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.discarding || this.ended) return;
    if (this.deliver({ kind: 'chunk', chunk })) return;
    this.chunks.push(chunk);
    if (this.chunks.length === chunkQueueCapacity) this.onFull(true);
  }

  /** No more output will come. */
  end(): void {
    this.ended = true;
    if (this.chunks.length === 0) this.deliver({ kind: 'end' });
  }

  /** The uploads stopped: drop what is queued and whatever comes, and let the command run on unblocked. */
  discard(): void {
    const wasFull = this.chunks.length >= chunkQueueCapacity;
    this.discarding = true;
    this.chunks.length = 0;
    if (wasFull) this.onFull(false);
  }

  /** The next chunk; or `quiet` after `quietMs` without one; or `end`. One taker at a time. */
  take(quietMs: number): Promise<NextOutput> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      if (this.chunks.length === chunkQueueCapacity - 1) this.onFull(false);
      return Promise.resolve({ kind: 'chunk', chunk });
    }
    if (this.ended) return Promise.resolve({ kind: 'end' });
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(quietMs, () => {
        this.waiter = null;
        resolve({ kind: 'quiet' });
      });
      this.waiter = (next) => {
        timer.cancel();
        resolve(next);
      };
    });
  }

  private deliver(next: NextOutput): boolean {
    const waiter = this.waiter;
    if (waiter === null) return false;
    this.waiter = null;
    waiter(next);
    return true;
  }
}
