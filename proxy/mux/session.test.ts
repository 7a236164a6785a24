// Streams of a multiplexed session over a real TCP connection (TLS adds nothing the session sees): bytes arrive
// intact both ways with half-closes passed on, a reader that stops holds back its stream at the window instead of
// buffering without bound, a reset or a dead session closes the sockets, a stream beyond the limit is refused, and
// garbage from the peer ends the session without harming the process.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { waitForCondition } from '../../lib/testing/wait.js';
import { FrameType, MuxProtocolError, writeFrameHeader } from './frames.js';
import { MUX_LIMITS, MuxSession } from './session.js';
import type { MuxStream } from './stream.js';

const HOST = '127.0.0.1';

async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, onSocket);
  server.listen(0, HOST);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

interface Rig {
  readonly dialer: MuxSession;
  readonly acceptor: MuxSession;
  /** Streams the acceptor saw, in order, with their app sockets. */
  readonly accepted: { stream: MuxStream; app: Socket; done: Promise<void> }[];
  /** A caller connection carried over a new stream to the app. */
  call(): Promise<{ caller: Socket; stream: MuxStream; done: Promise<void> }>;
  close(): Promise<void>;
}

/** dialer ⇄ acceptor over TCP; each stream goes to `app`, a server the test shapes. */
async function rig(app: (socket: Socket) => void, options: { windowBytes?: number; streamsMax?: number } = {}) {
  const servers: Server[] = [];
  const appServer = await listen(app);
  servers.push(appServer.server);
  const accepted: Rig['accepted'] = [];
  let acceptor!: MuxSession;
  const transport = await listen((socket) => {
    acceptor = new MuxSession(socket, {
      role: 'acceptor',
      ...options,
      onOpen: (stream) => {
        const appSocket = connect({
          host: HOST,
          port: appServer.port,
          allowHalfOpen: true,
          onread: stream.onreadOptions(),
        });
        const done = once(appSocket, 'connect').then(() => stream.bind(appSocket, false));
        done.catch(() => undefined);
        accepted.push({ stream, app: appSocket, done });
      },
    });
    acceptor.start();
  });
  servers.push(transport.server);
  const client = connect({ host: HOST, port: transport.port, allowHalfOpen: true });
  await once(client, 'connect');
  // The limit under test is the acceptor's: the dialer may open more than the peer takes.
  const dialer = new MuxSession(client, {
    role: 'dialer',
    ...(options.windowBytes ? { windowBytes: options.windowBytes } : {}),
  });
  dialer.start();
  await waitForCondition(() => acceptor !== undefined, 'the acceptor session');
  const pending: { stream: MuxStream; resolve: (s: Socket) => void }[] = [];
  const front = await listen((socket) => {
    const next = pending.shift()!;
    next.resolve(socket);
  });
  servers.push(front.server);
  const result: Rig = {
    dialer,
    get acceptor() {
      return acceptor;
    },
    accepted,
    async call() {
      const stream = dialer.openStream();
      const acceptedSocket = new Promise<Socket>((resolve) => pending.push({ stream, resolve }));
      const caller = connect({ host: HOST, port: front.port });
      const done = acceptedSocket.then((socket) => stream.bind(socket, true));
      done.catch(() => undefined);
      await once(caller, 'connect');
      return { caller, stream, done };
    },
    async close() {
      dialer.close(null);
      acceptor?.close(null);
      for (const server of servers) server.close();
    },
  };
  return result;
}

function collect(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('mux session streams', () => {
  const rigs: Rig[] = [];
  after(async () => {
    for (const opened of rigs) await opened.close();
  });

  it('carries bytes both ways intact and passes half-closes on, for several streams at once', async () => {
    // The app echoes and ends its side once the caller has ended its own.
    const r = await rig((socket) => {
      socket.pipe(socket);
    });
    rigs.push(r);
    const calls = await Promise.all([r.call(), r.call(), r.call()]);
    const payloads = calls.map(() => randomBytes(700_000));
    const echoed = calls.map(({ caller }) => collect(caller));
    for (const [index, { caller }] of calls.entries()) caller.end(payloads[index]!);
    const results = await Promise.all(echoed);
    for (const [index, result] of results.entries())
      assert.equal(sha(result), sha(payloads[index]!), `stream ${index}`);
    await Promise.all(calls.map(({ done }) => done));
    await Promise.all(r.accepted.map(({ done }) => done));
    assert.equal(r.dialer.streamCount, 0);
    await waitForCondition(() => r.acceptor.streamCount === 0, 'the acceptor to forget its streams');
  });

  it('stops reading a caller once the window is out while the app does not read, then delivers everything', async () => {
    const windowBytes = 65_536;
    let appSocket!: Socket;
    const r = await rig(
      (socket) => {
        appSocket = socket;
        socket.pause();
      },
      { windowBytes },
    );
    rigs.push(r);
    const { caller, stream } = await r.call();
    const payload = randomBytes(8 * 1024 * 1024);
    caller.end(payload);
    await waitForCondition(() => stream.waitingForCredit, 'the dialer to wait for credit');
    const carried = r.accepted[0]!;
    // What the acceptor holds for the stalled app is bounded by the window, whatever the caller sent.
    assert.ok(carried.app.writableLength <= windowBytes, `buffered ${carried.app.writableLength}`);
    const received: Buffer[] = [];
    appSocket.on('data', (chunk: Buffer) => received.push(chunk));
    appSocket.resume();
    await once(appSocket, 'end');
    const got = Buffer.concat(received);
    assert.equal(sha(got), sha(payload));
    appSocket.end();
    await once(caller, 'end');
  });

  it('returns credit for bytes that arrived before the app was dialled, so a sender that used the window goes on', async () => {
    const received: Buffer[] = [];
    const app = await listen((socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('end', () => socket.end('stored'));
    });
    let opened!: MuxStream;
    const transport = await listen((socket) => {
      const acceptor = new MuxSession(socket, { role: 'acceptor', onOpen: (stream) => (opened = stream) });
      acceptor.start();
    });
    const front = await listen(() => undefined);
    const servers = [app.server, transport.server, front.server];
    const client = connect({ host: HOST, port: transport.port });
    await once(client, 'connect');
    const dialer = new MuxSession(client, { role: 'dialer' });
    dialer.start();
    try {
      const stream = dialer.openStream();
      front.server.once('connection', (socket: Socket) => void stream.bind(socket, true).catch(() => undefined));
      const caller = connect({ host: HOST, port: front.port, allowHalfOpen: true });
      const reply = collect(caller);
      const payload = randomBytes(2 * 1024 * 1024);
      caller.end(payload);
      // The app is dialled only once the caller has used the whole window: all of it arrived early.
      await waitForCondition(() => stream.waitingForCredit, 'the dialer to run out of credit');
      const appSocket = connect({ host: HOST, port: app.port, allowHalfOpen: true, onread: opened.onreadOptions() });
      await once(appSocket, 'connect');
      void opened.bind(appSocket, false).catch(() => undefined);
      const receivedBytes = () => received.reduce((total, chunk) => total + chunk.length, 0);
      await waitForCondition(() => receivedBytes() === payload.length, 'the whole upload at the app');
      assert.equal((await reply).toString(), 'stored');
      assert.equal(sha(Buffer.concat(received)), sha(payload));
    } finally {
      dialer.close(null);
      for (const server of servers) server.close();
    }
  });

  it('closes the caller when the app resets, and fails the stream', async () => {
    const r = await rig((socket) => socket.once('data', () => socket.resetAndDestroy()));
    rigs.push(r);
    const { caller, done } = await r.call();
    caller.on('error', () => undefined);
    const closed = once(caller, 'close');
    caller.write('hello');
    await closed;
    await assert.rejects(done);
  });

  it('refuses a stream beyond the limit and keeps serving the others', async () => {
    const r = await rig((socket) => socket.pipe(socket), { streamsMax: 1 });
    rigs.push(r);
    const first = await r.call();
    const second = await r.call();
    second.caller.on('error', () => undefined);
    await assert.rejects(second.done);
    const echoed = collect(first.caller);
    first.caller.end('still here');
    assert.equal((await echoed).toString(), 'still here');
  });

  it('fails every stream when the session dies', async () => {
    const r = await rig(() => undefined);
    rigs.push(r);
    const calls = await Promise.all([r.call(), r.call()]);
    const closed = calls.map(({ caller }) => {
      caller.on('error', () => undefined);
      return once(caller, 'close');
    });
    await waitForCondition(() => r.acceptor.streamCount === 2, 'both streams at the acceptor');
    r.dialer.socket.destroy();
    await Promise.all(closed);
    for (const { done } of calls) await assert.rejects(done);
    assert.equal(r.dialer.isClosed, true);
  });

  it('ends the session when the peer grants credit beyond the window, before reading the app without bound', async () => {
    let session!: MuxSession;
    const app = await listen((socket) => {
      socket.on('error', () => undefined);
      socket.write(Buffer.alloc(65_536));
    });
    const ended = new Promise<Error | null>((resolve) => {
      const transport = createServer((socket) => {
        session = new MuxSession(socket, {
          role: 'acceptor',
          onOpen: (stream) => {
            const appSocket = connect({ host: HOST, port: app.port, onread: stream.onreadOptions() });
            appSocket.on('error', () => undefined);
            appSocket.once('connect', () => void stream.bind(appSocket, false).catch(() => undefined));
          },
        });
        session.onEnd(resolve);
        session.start();
      });
      transport.listen(0, HOST, () => {
        const raw = connect({ host: HOST, port: (transport.address() as AddressInfo).port });
        raw.on('error', () => undefined);
        const open = Buffer.alloc(9);
        writeFrameHeader(open, 0, FrameType.open, 1, 0);
        // 4 GiB - 1 of credit, twice: past the window, and past what the 4-byte field can say.
        const window = Buffer.alloc(13);
        writeFrameHeader(window, 0, FrameType.window, 1, 4);
        window.writeUInt32BE(0xffff_ffff, 9);
        raw.write(Buffer.concat([open, window, window]));
        raw.once('close', () => transport.close());
      });
    });
    try {
      await waitForCondition(() => session?.isClosed === true, 'the session to end');
    } finally {
      app.server.close();
    }
    const reason = await ended;
    assert.ok(reason instanceof MuxProtocolError, String(reason));
    assert.match(reason.message, /beyond its window/);
  });

  it('ends the session on a frame for a stream the peer never opened', async () => {
    for (const type of [FrameType.data, FrameType.window, FrameType.end, FrameType.reset]) {
      let session!: MuxSession;
      const transport = await listen((socket) => {
        session = new MuxSession(socket, { role: 'acceptor', onOpen: () => assert.fail('no stream was opened') });
        session.start();
      });
      const raw = connect({ host: HOST, port: transport.port });
      raw.on('error', () => undefined);
      const length = type === FrameType.data || type === FrameType.window ? 4 : 0;
      const frame = Buffer.alloc(9 + length, 1);
      writeFrameHeader(frame, 0, type, 77, length);
      raw.write(frame);
      try {
        await waitForCondition(() => session?.isClosed === true, `the session to end on frame type ${type}`);
      } finally {
        raw.destroy();
        transport.server.close();
      }
      const reason = await new Promise<Error | null>((resolve) => session.onEnd(resolve));
      assert.ok(reason instanceof MuxProtocolError, String(reason));
      assert.match(reason.message, /never opened/);
    }
  });

  it('stops reading apps while the session socket is backed up, for a peer that opens streams and does not read', async () => {
    const streamsOpened = 300;
    const app = await listen((socket) => {
      socket.on('error', () => undefined);
      // Twice the window: each stream runs out of credit unless the session stops it first.
      socket.write(Buffer.alloc(2 * MUX_LIMITS.windowBytes));
    });
    const streams: MuxStream[] = [];
    let session!: MuxSession;
    const transport = await listen((socket) => {
      session = new MuxSession(socket, {
        role: 'acceptor',
        onOpen: (stream) => {
          streams.push(stream);
          const appSocket = connect({ host: HOST, port: app.port, onread: stream.onreadOptions() });
          appSocket.on('error', () => undefined);
          appSocket.once('connect', () => void stream.bind(appSocket, false).catch(() => undefined));
        },
      });
      session.start();
    });
    const raw = connect({ host: HOST, port: transport.port });
    raw.on('error', () => undefined);
    await once(raw, 'connect');
    raw.pause();
    const opens = Buffer.alloc(9 * streamsOpened);
    for (let index = 0; index < streamsOpened; index += 1)
      writeFrameHeader(opens, 9 * index, FrameType.open, index + 1, 0);
    raw.write(opens);
    try {
      await waitForCondition(
        () =>
          streams.length === streamsOpened &&
          streams.every((stream) => stream.waitingForCredit || stream.waitingForSession || stream.destroyed),
        'every stream to stop reading its app',
        { deadlineMs: 30_000 },
      );
      // Windows alone would let 300 × 256 KiB pile up unsent; one read per stream may pass the check.
      const bound = MUX_LIMITS.writeBacklogBytes + 2 * MUX_LIMITS.readBytes;
      assert.ok(session.socket.writableLength <= bound, `${session.socket.writableLength} bytes unsent`);
      assert.ok(streams.some((stream) => stream.waitingForSession));
    } finally {
      session?.close(null);
      raw.destroy();
      app.server.close();
      transport.server.close();
    }
  });

  it('ends the session on garbage from the peer, and the process goes on', async () => {
    let session!: MuxSession;
    const ended = new Promise<Error | null>((resolve) => {
      const transport = createServer((socket) => {
        session = new MuxSession(socket, { role: 'acceptor', onOpen: () => assert.fail('no stream from garbage') });
        session.onEnd(resolve);
        session.start();
      });
      transport.listen(0, HOST, () => {
        const raw = connect({ host: HOST, port: (transport.address() as AddressInfo).port });
        raw.on('error', () => undefined);
        raw.end(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        raw.once('close', () => transport.close());
      });
    });
    const reason = await ended;
    assert.ok(reason instanceof MuxProtocolError, String(reason));
    assert.equal(session.isClosed, true);
  });
});
