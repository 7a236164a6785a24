// Taking over an accepted socket's reads: what it read before the switch and what it reads after reach the target
// in order, its end is still seen, and on this Node the switch happens (the relay pipes only as a fallback).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ForwardingReader } from './forwarding-reader.js';

/** A connected pair of sockets on loopback: the dialled end and the accepted end. */
async function socketPair(): Promise<{ dialled: Socket; accepted: Socket; close: () => void }> {
  const server = createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const acceptedPromise = once(server, 'connection') as Promise<[Socket]>;
  const dialled = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, allowHalfOpen: true });
  const [accepted] = await acceptedPromise;
  await once(dialled, 'connect');
  return {
    dialled,
    accepted,
    close: () => {
      dialled.destroy();
      accepted.destroy();
      server.close();
    },
  };
}

function collect(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(socket, 'end').then(() => Buffer.concat(chunks).toString());
}

describe('ForwardingReader.takeOver', () => {
  it('forwards what the accepted socket read before the switch, then what it reads after, then sees its end', async () => {
    const source = await socketPair();
    const sink = await socketPair();
    try {
      const received = collect(sink.dialled);
      source.dialled.write('before the switch;');
      // The accepted socket reads it into its readable buffer (no reader yet).
      await new Promise<void>((resolve) => source.accepted.once('readable', () => resolve()));
      assert.equal(new ForwardingReader().takeOver(source.accepted, sink.accepted), true);
      source.accepted.once('end', () => sink.accepted.end());
      source.dialled.write('after the switch;');
      source.dialled.end('last words');
      assert.equal(await received, 'before the switch;after the switch;last words');
    } finally {
      source.close();
      sink.close();
    }
  });

  it('declines a socket that is already destroyed', async () => {
    const source = await socketPair();
    try {
      source.accepted.destroy();
      assert.equal(new ForwardingReader().takeOver(source.accepted, source.dialled), false);
    } finally {
      source.close();
    }
  });
});
