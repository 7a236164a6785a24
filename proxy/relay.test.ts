// The relay's byte stream through both proxies (web's upstream listener → mTLS → api's public listener) to a raw TCP
// app: bulk data and thousands of small chunks arrive intact while a reader lags (backpressure), half-closes pass
// through in either order, and an app that speaks first is heard before the caller sends anything.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './testing/mesh-fixture.js';
import { type MeshPair, startMeshPair } from './testing/mesh-pair.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Everything a socket sends until its end, and whether the end came. */
function collect(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

describe('relay byte stream', () => {
  let mesh: MeshPair;
  let app: Server;
  /** What the app does with each connection; set by each test. */
  let onAppConnection: (socket: Socket) => void = (socket) => socket.destroy();

  before(async () => {
    app = createServer({ allowHalfOpen: true }, (socket) => onAppConnection(socket));
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    mesh = await startMeshPair({}, (app.address() as AddressInfo).port);
  });
  after(async () => {
    await mesh?.close();
    app?.close();
  });

  const dialWeb = async () => {
    const socket = connect({ host: '127.0.0.1', port: mesh.upstreamPort, allowHalfOpen: true });
    await once(socket, 'connect');
    return socket;
  };

  it('carries 8 MiB each way intact while the caller reads only after sending all of its own', async () => {
    const fromCaller = randomBytes(8 * 1_048_576);
    const fromApp = randomBytes(8 * 1_048_576);
    let appReceived: Promise<Buffer> | null = null;
    onAppConnection = (socket) => {
      appReceived = collect(socket);
      socket.end(fromApp);
    };
    const caller = await dialWeb();
    caller.pause();
    caller.end(fromCaller);
    await once(caller, 'finish');
    const callerReceived = collect(caller);
    caller.resume();
    assert.equal(sha256(await callerReceived), sha256(fromApp));
    await waitFor(() => appReceived !== null, 'the app to see the connection');
    assert.equal(sha256(await appReceived!), sha256(fromCaller));
  });

  it('carries thousands of small chunks intact to a caller that reads only after they were all sent', async () => {
    const chunks = Array.from({ length: 4_000 }, (_, position) => randomBytes(64 + (position % 200)));
    let appDone: Promise<void> | null = null;
    onAppConnection = (socket) => {
      // One write per event-loop turn, so that the proxies see many small reads rather than one large one.
      appDone = (async () => {
        for (const chunk of chunks) {
          socket.write(chunk);
          await new Promise((resolve) => setImmediate(resolve));
        }
        socket.end();
      })();
    };
    const caller = await dialWeb();
    caller.pause();
    caller.end();
    await waitFor(() => appDone !== null, 'the app to see the connection');
    await appDone;
    const received = collect(caller);
    caller.resume();
    assert.equal(sha256(await received), sha256(Buffer.concat(chunks)));
  });

  it('hears an app that speaks first, then passes the caller half-close through', async () => {
    let appReceived: Promise<Buffer> | null = null;
    onAppConnection = (socket) => {
      socket.write('hello from api\n');
      appReceived = collect(socket);
      void appReceived.then((data) => socket.end(`got ${data.toString()}`));
    };
    const caller = await dialWeb();
    const greeting = await new Promise<string>((resolve) => caller.once('data', (chunk) => resolve(String(chunk))));
    assert.equal(greeting, 'hello from api\n');
    const rest = collect(caller);
    caller.end('ping');
    assert.equal((await rest).toString(), 'got ping');
  });

  it('passes the app half-close through while the caller still sends', async () => {
    let appReceived: Promise<Buffer> | null = null;
    onAppConnection = (socket) => {
      appReceived = collect(socket);
      socket.end('bye');
    };
    const caller = await dialWeb();
    assert.equal((await collect(caller)).toString(), 'bye');
    caller.end('late words');
    await waitFor(() => appReceived !== null, 'the app to see the connection');
    assert.equal((await appReceived!).toString(), 'late words');
  });
});
