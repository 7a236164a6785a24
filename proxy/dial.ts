// Dialling with a deadline from the injected clock and cancellation from a signal: resolves with the socket once it
// is connected (TCP) or has finished its handshake (TLS), and otherwise destroys it and rejects with a typed error.

import type { Socket } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { ConnectFailedError, ConnectTimeoutError } from './errors.js';

export interface DialOptions {
  readonly target: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
}

export function dial<S extends Socket>(
  create: () => S,
  readyEvent: 'connect' | 'secureConnect',
  options: DialOptions,
): Promise<S> {
  if (options.signal.aborted) return Promise.reject(options.signal.reason);
  return new Promise<S>((resolve, reject) => {
    const socket = create();
    const fail = (error: unknown) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error) => fail(new ConnectFailedError(options.target, { cause: error }));
    const onClose = () => fail(new ConnectFailedError(options.target));
    const onAbort = () => fail(options.signal.reason);
    const timer = options.clock.setTimer(options.timeoutMs, () =>
      fail(new ConnectTimeoutError(options.target, options.timeoutMs)),
    );
    const onReady = () => {
      cleanup();
      resolve(socket);
    };
    function cleanup(): void {
      timer.cancel();
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off(readyEvent, onReady);
      options.signal.removeEventListener('abort', onAbort);
    }
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once(readyEvent, onReady);
    options.signal.addEventListener('abort', onAbort, { once: true });
  });
}
