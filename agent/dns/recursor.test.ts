// Proves recursor forwarding on real UDP sockets (fake recursors on 127.0.0.62): a silent recursor is skipped
// after recursor_timeout, one answering SERVFAIL is skipped, the first NOERROR/NXDOMAIN reply is relayed byte for
// byte, replies with another ID are ignored, null comes back when every recursor fails, and a TCP client's
// question goes out over TCP. Also the address forms `recursors` accepts.

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { parseRecursor, RecursorForwarder } from './recursor.js';

const host = '127.0.0.62';
const sockets: Socket[] = [];
const servers: Server[] = [];
after(() => {
  for (const socket of sockets) socket.close();
  for (const server of servers) server.close();
});

/** A fake TCP recursor answering each framed query with NOERROR. */
async function fakeTcpRecursor(): Promise<number> {
  const server = createServer((connection) => {
    let buffered = Buffer.alloc(0);
    connection.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      const reply = answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), 0);
      const frame = Buffer.alloc(2);
      frame.writeUInt16BE(reply.length);
      connection.end(Buffer.concat([frame, reply]));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A fake recursor: answers each query with `reply(query)` (null = stay silent). */
async function fakeRecursor(reply: (query: Buffer) => Buffer[] | null): Promise<{ port: number; asked: number }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const state = { port: 0, asked: 0 };
  socket.on('message', (query, remote) => {
    state.asked++;
    for (const bytes of reply(query) ?? []) socket.send(bytes, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  state.port = socket.address().port;
  return state;
}

function answer(query: Buffer, rcode: number, id = query.readUInt16BE(0)): Buffer {
  const decoded = dnsPacket.decode(query);
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: decoded.questions ?? [],
    answers: rcode === 0 ? [{ type: 'A', name: 'example.com', ttl: 60, data: '93.184.216.34' }] : [],
  });
}

const query = dnsPacket.encode({ type: 'query', id: 777, questions: [{ name: 'example.com', type: 'A' }] });

describe('RecursorForwarder', () => {
  it('skips silent and failing recursors and relays the first usable reply as it came', async () => {
    const silent = await fakeRecursor(() => null);
    const failing = await fakeRecursor((bytes) => [answer(bytes, 2)]);
    let relayed: Buffer | null = null;
    const working = await fakeRecursor((bytes) => {
      relayed = answer(bytes, 0);
      // A stray reply with another ID comes first; it must be ignored.
      return [answer(bytes, 0, 1), relayed];
    });
    const forwarder = new RecursorForwarder(
      { clock: new RealClock(), log: silentLogger() },
      {
        recursors: [silent, failing, working].map(({ port }) => ({ host, port })),
        recursorTimeoutMs: 200,
      },
    );
    const reply = await forwarder.forward(query);
    assert.ok(reply !== null && relayed !== null && reply.equals(relayed));
    assert.deepEqual([silent.asked, failing.asked, working.asked], [1, 1, 1]);
  });

  it('relays NXDOMAIN, and answers null when every recursor fails', async () => {
    const nxdomain = await fakeRecursor((bytes) => [answer(bytes, 3)]);
    const forwarder = (ports: number[]) =>
      new RecursorForwarder(
        { clock: new RealClock(), log: silentLogger() },
        { recursors: ports.map((port) => ({ host, port })), recursorTimeoutMs: 200 },
      );
    const reply = await forwarder([nxdomain.port]).forward(query);
    assert.equal(reply === null ? null : reply[3]! & 0x0f, 3); // NXDOMAIN
    const silent = await fakeRecursor(() => null);
    const refusing = await fakeRecursor((bytes) => [answer(bytes, 5)]);
    assert.equal(await forwarder([silent.port, refusing.port]).forward(query), null);
  });

  it('forwards over TCP when the client asked over TCP', async () => {
    const port = await fakeTcpRecursor();
    const forwarder = new RecursorForwarder(
      { clock: new RealClock(), log: silentLogger() },
      { recursors: [{ host, port }], recursorTimeoutMs: 2_000 },
    );
    const reply = await forwarder.forward(query, 'tcp');
    assert.ok(reply !== null);
    assert.equal(reply.readUInt16BE(0), 777);
    assert.equal(reply[3]! & 0x0f, 0);
  });

  const addressTable: [string, { host: string; port: number } | null][] = [
    ['8.8.8.8', { host: '8.8.8.8', port: 53 }],
    ['8.8.8.8:5353', { host: '8.8.8.8', port: 5353 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
    ['[2001:db8::53]:5353', { host: '2001:db8::53', port: 5353 }],
    ['dns.example.com', null],
    ['8.8.8.8:99999', null],
  ];
  for (const [text, parsed] of addressTable)
    it(`parses recursor ${text}`, () => assert.deepEqual(parseRecursor(text), parsed));
});
