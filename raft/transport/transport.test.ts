// Proves the RaftTransport contract for the in-memory and server-port transports (framed messages and gRPC,
// plaintext and mutual TLS), that a TLS server refuses a plaintext peer on both paths, and that the transport counts and
// drops garbage frames without crashing, and reconnects to a peer that went down and came back, at once when that
// peer speaks again rather than when its reconnect backoff runs out.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ManualClock, RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import type { RaftMessage } from '../core/types.js';
import { makeMeta } from '../testing/snapshot-store-contract.js';
import { mutualTlsConfig } from '../testing/tls-fixtures.js';
import { appendMessage, describeTransportContract } from '../testing/transport-contract.js';
import { waitFor } from '../testing/wait.js';
import { connectFramed } from './framed-connect.js';
import { GrpcTransport } from './grpc-transport.js';
import { MemoryNetwork } from './memory-transport.js';
import { tlsOff } from './tls.js';

describeTransportContract('memory', async (count) => {
  const network = new MemoryNetwork();
  const transports = Array.from({ length: count }, (_, position) => network.transport(`n${position + 1}`));
  for (const transport of transports) await transport.start();
  for (const a of transports) for (const b of transports) a.setPeer(b.localId, b.localAddress);
  return { transports, dispose: async () => Promise.all(transports.map((t) => t.stop())).then(() => undefined) };
});

function grpcTransport(id: string, bindAddress = '127.0.0.1:0', framedMessages = true): GrpcTransport {
  return new GrpcTransport(
    { clock: new RealClock(), rand: new SeededRand(7), log: silentLogger() },
    { localId: id, bindAddress, tls: tlsOff, framedMessages },
  );
}

for (const framedMessages of [true, false]) {
  describeTransportContract(`server port, messages ${framedMessages ? 'framed' : 'over gRPC'}`, async (count) => {
    const transports = Array.from({ length: count }, (_, position) =>
      grpcTransport(`n${position + 1}`, '127.0.0.1:0', framedMessages),
    );
    for (const transport of transports) await transport.start();
    for (const a of transports) for (const b of transports) a.setPeer(b.localId, b.localAddress);
    return { transports, dispose: async () => Promise.all(transports.map((t) => t.stop())).then(() => undefined) };
  });
}

describe('GrpcTransport', () => {
  it('counts and drops garbage frames and keeps serving', async () => {
    const a = grpcTransport('n1');
    const b = grpcTransport('n2');
    await a.start();
    await b.start();
    const client = new grpc.Client(b.localAddress, grpc.credentials.createInsecure());
    try {
      const raw = (bytes: Buffer) => bytes;
      const garbage = [
        Buffer.from([0xc1, 0xff, 0x00]),
        Buffer.from('not msgpack at all'),
        Buffer.from([0x80]),
        Buffer.from([
          0x81,
          0xa8,
          ...Buffer.from('messages'),
          0x91,
          0x81,
          0xa4,
          ...Buffer.from('type'),
          0xa3,
          0x62,
          0x61,
          0x64,
        ]),
      ];
      await new Promise<void>((resolve) => {
        const stream = client.makeClientStreamRequest('/lattice.raft.Raft/Messages', raw, raw, () => resolve());
        for (const frame of garbage) stream.write(frame);
        stream.end();
      });
      const afterStream = b.stats().invalidCount;
      await new Promise<void>((resolve) =>
        client.makeUnaryRequest('/lattice.raft.Raft/Vote', raw, raw, Buffer.from([0xde, 0xad]), () => resolve()),
      );
      assert.deepEqual([afterStream, b.stats().invalidCount], [4, 5]);
      const received: RaftMessage[] = [];
      b.onMessage((message) => received.push(message));
      a.setPeer('n2', b.localAddress);
      a.send(appendMessage('n1', 'n2', 1));
      await waitFor(() => received.length === 1, 'a valid message after the garbage');
      // A message addressed to someone else is invalid here.
      a.send(appendMessage('n1', 'n2', 2));
      a.send({ ...appendMessage('n1', 'n2', 3), to: 'n9' } as RaftMessage);
      await waitFor(() => received.length === 2, 'second valid message');
    } finally {
      client.close();
      await a.stop();
      await b.stop();
    }
  });

  it('fails a snapshot send, without an unhandled rejection, when the receiver goes away mid-transfer', async () => {
    const a = grpcTransport('n1');
    const b = grpcTransport('n2');
    await a.start();
    await b.start();
    a.setPeer('n2', b.localAddress);
    const chunkBytes = 1024 * 1024;
    const declaredBytes = 512 * chunkBytes;
    b.onSnapshot(async (snapshot) => {
      for await (const _chunk of snapshot.chunks) {
        void b.stop();
        await new Promise<void>(() => undefined);
      }
    });
    const data = async function* () {
      for (let sent = 0; sent < declaredBytes; sent += chunkBytes) yield new Uint8Array(chunkBytes);
    };
    try {
      await assert.rejects(a.sendSnapshot('n2', makeMeta(7, 2), declaredBytes, data()));
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('reconnects to a peer that went down and came back', async () => {
    const a = grpcTransport('n1');
    let b = grpcTransport('n2');
    await a.start();
    await b.start();
    const address = b.localAddress;
    a.setPeer('n2', address);
    try {
      const received: RaftMessage[] = [];
      b.onMessage((message) => received.push(message));
      a.send(appendMessage('n1', 'n2', 1));
      await waitFor(() => received.length === 1, 'first message');
      await b.stop();
      b = grpcTransport('n2', address);
      await b.start();
      const after: RaftMessage[] = [];
      b.onMessage((message) => after.push(message));
      let index = 2;
      await waitFor(() => {
        a.send(appendMessage('n1', 'n2', index++));
        return after.length > 0;
      }, 'a message through the new connection');
      assert.ok(after.length > 0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('reconnects to a restarted peer as soon as it speaks, not when the reconnect backoff runs out', async () => {
    // The sender's clock never moves: its reconnect timer never fires, so only the peer's message can reconnect.
    const a = new GrpcTransport(
      { clock: new ManualClock(), rand: new SeededRand(7), log: silentLogger() },
      { localId: 'n1', bindAddress: '127.0.0.1:0', tls: tlsOff },
    );
    let b = grpcTransport('n2');
    await a.start();
    await b.start();
    const address = b.localAddress;
    a.setPeer('n2', address);
    try {
      const received: RaftMessage[] = [];
      b.onMessage((message) => received.push(message));
      a.send(appendMessage('n1', 'n2', 1));
      await waitFor(() => received.length === 1, 'first message');
      await b.stop();
      b = grpcTransport('n2', address);
      await b.start();
      b.setPeer('n1', a.localAddress);
      const after: RaftMessage[] = [];
      b.onMessage((message) => after.push(message));
      let index = 2;
      await waitFor(() => {
        a.send(appendMessage('n1', 'n2', index));
        b.send(appendMessage('n2', 'n1', index++));
        return after.length > 0;
      }, 'a message to the restarted peer once it spoke');
      assert.ok(after.every((message) => message.from === 'n1'));
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describeTransportContract('server port with mutual TLS', async (count) => {
  const tls = await mutualTlsConfig();
  const transports = Array.from(
    { length: count },
    (_, position) =>
      new GrpcTransport(
        { clock: new RealClock(), rand: new SeededRand(position), log: silentLogger() },
        { localId: `n${position + 1}`, bindAddress: '127.0.0.1:0', tls },
      ),
  );
  for (const transport of transports) await transport.start();
  for (const a of transports) for (const b of transports) a.setPeer(b.localId, b.localAddress);
  return { transports, dispose: async () => Promise.all(transports.map((t) => t.stop())).then(() => undefined) };
});

it('GrpcTransport with TLS refuses a plaintext peer', async () => {
  const secure = new GrpcTransport(
    { clock: new RealClock(), rand: new SeededRand(1), log: silentLogger() },
    { localId: 'n1', bindAddress: '127.0.0.1:0', tls: await mutualTlsConfig() },
  );
  const plain = grpcTransport('n2');
  await secure.start();
  await plain.start();
  try {
    plain.setPeer('n1', secure.localAddress);
    for (let index = 0; index < 20; index++) plain.send(appendMessage('n2', 'n1', index));
    const data = async function* () {
      yield Uint8Array.of(1);
    };
    secure.onSnapshot(async () => undefined);
    await assert.rejects(plain.sendSnapshot('n1', makeMeta(1, 1), 1, data()));
    // The framed path refuses the plaintext handshake too (the link then tries gRPC, which fails as above).
    assert.notEqual((await connectFramed(secure.localAddress, tlsOff, new RealClock())).kind, 'ready');
    assert.notEqual(plain.messageChannelKind('n1'), 'framed');
    assert.equal(secure.stats().receivedCount, 0);
  } finally {
    await secure.stop();
    await plain.stop();
  }
});
