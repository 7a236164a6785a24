// The two ways a PeerLink's messages stream reaches a peer, behind one small interface: the framed socket (the
// fast path) and the gRPC Messages client stream (peers that do not speak the framed path). Both take
// { address, messages } frames, report backpressure through write() returning false and 'drain', and report
// their end once through `onEnded`.

import type * as net from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { encodeLengthPrefixed } from './framed-protocol.js';
import { raftService } from './grpc-service.js';
import { encodeFrame } from './message-codec.js';

export interface MessageFrame {
  readonly address: string;
  readonly messages: readonly unknown[];
}

export interface MessageChannel {
  readonly kind: 'framed' | 'grpc';
  /** Writes a frame; false when the channel's buffer is full (wait for onDrain before writing more). */
  write(frame: MessageFrame): boolean;
  /** Groups the writes made inside `writes` into as few system calls as the channel can. */
  batch(writes: () => void): void;
  onceDrain(callback: () => void): void;
  close(): void;
}

export function framedChannel(socket: net.Socket, onEnded: (error: Error | null) => void): MessageChannel {
  let ended = false;
  const end = (error: Error | null): void => {
    if (ended) return;
    ended = true;
    onEnded(error);
  };
  socket.on('error', (error) => end(error));
  socket.on('close', () => end(null));
  // The server sends nothing after its ack; reading keeps 'end' and 'close' coming when it goes away.
  socket.on('data', () => undefined);
  socket.resume();
  return {
    kind: 'framed',
    write: (frame) => socket.write(encodeLengthPrefixed(encodeFrame(frame))),
    batch: (writes) => {
      // Frames written in one pump go out in one writev instead of one send per frame.
      socket.cork();
      try {
        writes();
      } finally {
        socket.uncork();
      }
    },
    onceDrain: (callback) => socket.once('drain', callback),
    close: () => {
      ended = true;
      socket.destroy();
    },
  };
}

export function grpcMessagesChannel(client: grpc.Client, onEnded: (error: Error | null) => void): MessageChannel {
  const { path, requestSerialize, responseDeserialize } = raftService.messages;
  let ended = false;
  // grpc-js reports a client stream's end and failure through the reply callback, not through events.
  const stream = client.makeClientStreamRequest(path, requestSerialize, responseDeserialize, (error) => {
    if (ended) return;
    ended = true;
    onEnded(error);
  });
  stream.on('error', () => undefined);
  return {
    kind: 'grpc',
    write: (frame) => stream.write(frame),
    batch: (writes) => writes(),
    onceDrain: (callback) => stream.once('drain', callback),
    close: () => {
      ended = true;
      stream.end();
    },
  };
}
