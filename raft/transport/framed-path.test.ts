// Proves the framed Raft path on the shared server port: messages go over it (plaintext and mutual TLS) while
// votes, snapshots and extra gRPC services still answer on the same port; garbage on it is counted and ends
// only the offending connection; a plaintext or unknown-version client gets no ack; a peer that speaks only
// gRPC (older Lattice) still receives messages through the fallback; a restarted peer gets the framed path back.

import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ManualClock, RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import type { RaftMessage } from '../core/types.js';
import { mutualTlsConfig } from '../testing/tls-fixtures.js';
import { appendMessage } from '../testing/transport-contract.js';
import { waitFor } from '../testing/wait.js';
import { grpcMessageSizeBytesMax } from './defaults.js';
import { connectFramed } from './framed-connect.js';
import { encodeLengthPrefixed, framedHello, framedMagicByte } from './framed-protocol.js';
import { raftService } from './grpc-service.js';
import { GrpcTransport } from './grpc-transport.js';
import { decodeFrame, encodeFrame } from './message-codec.js';
import { channelCredentials, type RaftTlsConfig, serverCredentials, tlsOff } from './tls.js';

const stopped: GrpcTransport[] = [];
after(async () => {
  for (const transport of stopped) await transport.stop();
});

async function started(
  id: string,
  tls: RaftTlsConfig = tlsOff,
  extra?: grpc.ServiceDefinition,
): Promise<GrpcTransport> {
  const transport = new GrpcTransport(
    { clock: new RealClock(), rand: new SeededRand(3), log: silentLogger() },
    {
      localId: id,
      bindAddress: '127.0.0.1:0',
      tls,
      extraServices: extra ? [{ definition: extra, implementation: { Echo: echo } }] : [],
    },
  );
  await transport.start();
  stopped.push(transport);
  return transport;
}

/** The fixture's certificate names 127.0.0.1 and server.dc1.lattice, not the 127.46.0.x addresses dialled here. */
const mutualTls = (): Promise<RaftTlsConfig> => mutualTlsConfig('server.dc1.lattice');

const echoService = {
  Echo: {
    path: '/lattice.test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeFrame,
    requestDeserialize: decodeFrame,
    responseSerialize: encodeFrame,
    responseDeserialize: decodeFrame,
  },
} satisfies grpc.ServiceDefinition;

function echo(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>): void {
  callback(null, { echoed: call.request });
}

/** A raw framed client: says hello and resolves once the server acked (or with null when it closed instead). */
async function rawFramedClient(address: string, hello: Buffer = framedHello(false)): Promise<net.Socket | null> {
  const [host, port] = address.split(':') as [string, string];
  const socket = net.connect({ host, port: Number(port) });
  socket.on('error', () => undefined);
  socket.write(hello);
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.byteLength >= hello.byteLength) resolve(received.equals(hello) ? socket : null);
    });
    socket.once('close', () => resolve(null));
  });
}

const closed = (socket: net.Socket): Promise<void> =>
  socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));

describe('framed Raft path', () => {
  for (const mode of ['plaintext', 'mutual TLS'] as const) {
    it(`carries messages over the framed socket (${mode}) while gRPC services answer on the same port`, async () => {
      const tls = mode === 'plaintext' ? tlsOff : await mutualTls();
      const a = await started('n1', tls);
      const b = await started('n2', tls, echoService);
      const received: RaftMessage[] = [];
      b.onMessage((message) => received.push(message));
      a.setPeer('n2', b.localAddress);
      for (let index = 0; index < 50; index++) a.send(appendMessage('n1', 'n2', index));
      await waitFor(() => received.length === 50, 'appends through the framed path');
      assert.equal(a.messageChannelKind('n2'), 'framed');
      assert.deepEqual(
        received.map((message) => message.index),
        Array.from({ length: 50 }, (_, index) => index),
      );
      // An extra service registered on the transport's gRPC server still answers on the shared port.
      const client = new grpc.Client(b.localAddress, channelCredentials(tls), {
        ...(tls.enabled ? { 'grpc.ssl_target_name_override': 'server.dc1.lattice' } : {}),
      });
      try {
        const reply = await new Promise<unknown>((resolve, reject) =>
          client.makeUnaryRequest(
            echoService.Echo.path,
            encodeFrame,
            decodeFrame,
            { hello: 'there' },
            (error, value) => (error ? reject(error) : resolve(value)),
          ),
        );
        assert.deepEqual(reply, { echoed: { hello: 'there' } });
      } finally {
        client.close();
      }
    });
  }

  it('delivers appends far beyond the socket buffer in order (backpressure: waits for drain, drops nothing)', async () => {
    const a = await started('n1');
    const b = await started('n2');
    const received: RaftMessage[] = [];
    b.onMessage((message) => received.push(message));
    a.setPeer('n2', b.localAddress);
    // 300 appends of 2 x 256 KiB: 64 of them (one frame by count) would be 32 MiB, over the frame limit.
    const entryBytes = 256 * 1024;
    const count = 300;
    for (let index = 0; index < count; index++) {
      const message = appendMessage('n1', 'n2', index * 2);
      const entries = message.entries.map((entry) => ({
        ...entry,
        data: new Uint8Array(entryBytes).fill(index % 256),
      }));
      assert.equal(a.send({ ...message, entries }), true);
    }
    await waitFor(() => received.length === count, `${count} appends of ${2 * entryBytes} bytes`);
    assert.equal(a.messageChannelKind('n2'), 'framed');
    received.forEach((message, position) => {
      assert.equal(message.index, position * 2);
      assert.equal(message.entries[1]?.data[entryBytes - 1], position % 256);
    });
    assert.equal(a.stats().droppedCount, 0);
  });

  it('counts garbage, closes only the connection that sent an undecodable or oversize frame', async () => {
    const a = await started('n1');
    const b = await started('n2');
    const received: RaftMessage[] = [];
    b.onMessage((message) => received.push(message));
    a.setPeer('n2', b.localAddress);
    a.send(appendMessage('n1', 'n2', 1));
    await waitFor(() => received.length === 1, 'a message from the well-behaved peer');

    // Decodes but does not validate: counted and dropped, the connection stays and a valid frame still passes.
    const lenient = await rawFramedClient(b.localAddress);
    assert.ok(lenient, 'the server acks the hello');
    lenient.write(encodeLengthPrefixed(encodeFrame({ messages: [{ type: 'bad' }] })));
    lenient.write(encodeLengthPrefixed(encodeFrame({ address: 'x', messages: [appendMessage('n3', 'n2', 7)] })));
    await waitFor(() => received.some((message) => message.from === 'n3'), 'a valid frame after an invalid one');
    assert.equal(b.stats().invalidCount, 1);
    assert.equal(lenient.destroyed, false);

    const undecodable = await rawFramedClient(b.localAddress);
    assert.ok(undecodable);
    undecodable.write(encodeLengthPrefixed(Buffer.from([0xc1, 0xc1, 0xc1])));
    await closed(undecodable);

    const oversize = await rawFramedClient(b.localAddress);
    assert.ok(oversize);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(grpcMessageSizeBytesMax + 1, 0);
    oversize.write(header);
    await closed(oversize);
    assert.equal(b.stats().invalidCount, 3);

    a.send(appendMessage('n1', 'n2', 2));
    await waitFor(() => received.filter((message) => message.from === 'n1').length === 2, 'the other peer still');
    assert.equal(lenient.destroyed, false);
    lenient.destroy();
  });

  it('refuses a client with an unknown version and a plaintext client on a TLS server (no ack)', async () => {
    const plain = await started('n1');
    assert.equal(await rawFramedClient(plain.localAddress, Buffer.from([framedMagicByte, 99, 0, 0, 0])), null);
    const secure = await started('n2', await mutualTls());
    assert.equal(await rawFramedClient(secure.localAddress), null);
    const result = await connectFramed(secure.localAddress, tlsOff, new RealClock());
    assert.equal(result.kind, 'unsupported');
  });

  it('takes a peer that accepts but never acks for one that does not speak the path; a refused dial for a down one', async () => {
    const hellos: Buffer[] = [];
    const silent = net.createServer((socket) => socket.on('data', (chunk: Buffer) => hellos.push(chunk)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const clock = new ManualClock();
      const attempt = connectFramed(`127.0.0.1:${port}`, tlsOff, clock);
      await waitFor(() => hellos.length > 0, 'the hello at the silent peer');
      clock.advance(5_000);
      assert.equal((await attempt).kind, 'unsupported');
    } finally {
      silent.close();
      await new Promise<void>((resolve) => silent.once('close', () => resolve()));
    }
    assert.equal((await connectFramed(`127.0.0.1:${port}`, tlsOff, new ManualClock())).kind, 'failed');
  });

  for (const mode of ['plaintext', 'mutual TLS'] as const) {
    it(`falls back to the gRPC stream for a peer that speaks only gRPC, older Lattice (${mode})`, async () => {
      const tls = mode === 'plaintext' ? tlsOff : await mutualTls();
      const received: unknown[] = [];
      const old = new grpc.Server();
      old.addService(raftService, {
        messages: (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          call.on('data', (frame: { messages: unknown[] }) => received.push(...frame.messages));
          call.on('end', () => callback(null, {}));
          call.on('error', () => undefined);
        },
        vote: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
          callback(null, {}),
        installSnapshot: (_call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
          callback(null, { stored: true }),
      });
      const port = await new Promise<number>((resolve, reject) =>
        old.bindAsync('127.0.0.1:0', serverCredentials(tls), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      try {
        const a = await started('n1', tls);
        a.setPeer('n2', `127.0.0.1:${port}`);
        for (let index = 0; index < 10; index++) a.send(appendMessage('n1', 'n2', index));
        await waitFor(() => received.length === 10, 'messages through the gRPC fallback');
        assert.equal(a.messageChannelKind('n2'), 'grpc');
      } finally {
        old.forceShutdown();
      }
    });
  }

  it('gets the framed path back to a peer that restarted', async () => {
    const a = await started('n1');
    const first = await started('n2');
    const address = first.localAddress;
    a.setPeer('n2', address);
    a.send(appendMessage('n1', 'n2', 1));
    await waitFor(() => first.stats().receivedCount === 1, 'first message');
    await first.stop();
    const second = new GrpcTransport(
      { clock: new RealClock(), rand: new SeededRand(3), log: silentLogger() },
      { localId: 'n2', bindAddress: address, tls: tlsOff },
    );
    await second.start();
    stopped.push(second);
    let index = 2;
    await waitFor(() => {
      a.send(appendMessage('n1', 'n2', index++));
      return second.stats().receivedCount > 0;
    }, 'a message to the restarted peer');
    assert.equal(a.messageChannelKind('n2'), 'framed');
  });
});
