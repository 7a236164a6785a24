// The receive side of a stream: frames wait in a bounded queue for `read()`, readers wait for frames, and the
// end (close, error) wakes every reader with the same error. Shared by the TCP and in-memory streams.

import { abortReason } from '../../lib/errors.js';
import type { AbortOptions } from '../../lib/lifecycle.js';
import { StreamClosedError } from './transport.js';

interface Waiter {
  resolve(frame: Uint8Array): void;
  reject(error: unknown): void;
}

export class FrameQueue {
  private readonly frames: Uint8Array[] = [];
  private readonly waiters: Waiter[] = [];
  private ended: Error | null = null;

  /** Frames buffered before anyone reads; beyond it the stream is ended (the peer floods). */
  constructor(private readonly frameCountMax = 64) {}

  deliver(frame: Uint8Array): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(frame);
      return;
    }
    if (this.frames.length >= this.frameCountMax) {
      this.end(new StreamClosedError(`peer sent more than ${this.frameCountMax} unread frames`));
      return;
    }
    this.frames.push(frame);
  }

  end(error: Error = new StreamClosedError()): void {
    if (this.ended) return;
    this.ended = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  isEnded(): boolean {
    return this.ended !== null;
  }

  read(options: AbortOptions = {}): Promise<Uint8Array> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.ended) return Promise.reject(this.ended);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        const position = this.waiters.indexOf(waiter);
        if (position >= 0) this.waiters.splice(position, 1);
        reject(abortReason(signal!));
      };
      const waiter: Waiter = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
