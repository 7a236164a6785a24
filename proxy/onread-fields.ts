// Giving an already-created socket the reads of Node's `onread` option. net.Socket keeps the option in three fields
// keyed by symbols private to Node (the buffer, the buffer generator, the callback) and, once it has a handle, calls
// `handle.useUserBuffer(buffer)`; onStreamRead then hands each read to the callback instead of pushing a new Buffer
// through the readable stream. Accepted sockets are created by the server without the option, so the fields are
// found once on a probe socket created with it (by the values it stored, not by name) and set the same way. When
// this Node keeps them differently, `installOnread` says so and the caller falls back to the readable stream.

import { type OnReadOpts, Socket } from 'node:net';

interface OnreadKeys {
  readonly buffer: symbol;
  readonly generator: symbol;
  readonly callback: symbol;
}

function findOnreadKeys(): OnreadKeys | null {
  const generator = () => Buffer.alloc(1);
  const callback = () => true;
  // A socket without a handle: nothing is opened.
  // net.Socket takes `onread` like net.connect does (its constructor types leave it out).
  const probe = new Socket({ onread: { buffer: generator, callback } } as ConstructorParameters<typeof Socket>[0]);
  const keys: Partial<Record<keyof OnreadKeys, symbol>> = {};
  for (const key of Object.getOwnPropertySymbols(probe)) {
    const value = (probe as unknown as Record<symbol, unknown>)[key];
    if (value === generator) keys.generator = key;
    else if (value === callback) keys.callback = key;
    else if (value === true && key.description === 'kBuffer') keys.buffer = key;
  }
  probe.destroy();
  return keys.buffer && keys.generator && keys.callback ? (keys as OnreadKeys) : null;
}

const onreadKeys = findOnreadKeys();

interface UserBufferHandle {
  useUserBuffer?: (buffer: Buffer) => void;
}

/** Sends the socket's future reads to `onread` (a generator-style buffer); false when this Node cannot. */
export function installOnread(socket: Socket, onread: OnReadOpts): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (onreadKeys === null || typeof handle?.useUserBuffer !== 'function') return false;
  if (typeof onread.buffer !== 'function') return false;
  const first = onread.buffer();
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[onreadKeys.buffer] = first;
  fields[onreadKeys.generator] = onread.buffer;
  fields[onreadKeys.callback] = onread.callback;
  handle.useUserBuffer(first as Buffer);
  return true;
}
