// Proves the DNS listener on real sockets (127.0.0.61, a free port): UDP and TCP answers through dns-packet as the
// client, pipelined TCP queries, malformed datagrams and streams dropped and counted while the server keeps
// answering, and, when `dig` is installed (Debian bind9-dnsutils), dig's view of A, SRV, tag, node and PTR
// lookups plus a large answer cut over UDP (TC only with enable_truncate, as Consul) and complete over TCP.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { DnsCounters } from './counters.js';
import { DnsHandler } from './handler.js';
import { defaultSoaSettings } from './records.js';
import { DnsResolver } from './resolver.js';
import { DnsServer } from './server.js';
import { FakeCatalog, fakeInstance, fakeNode } from './testing/fake-catalog.js';

const address = '127.0.0.61';
const replyDeadlineMs = 5_000;
const largeCount = 120;

const catalog = new FakeCatalog();
const counters = new DnsCounters();
const log = silentLogger();
const resolver = new DnsResolver(
  { rpc: catalog, rand: new SeededRand(11), clock: new ManualClock(), log },
  {
    domain: 'consul.',
    altDomain: null,
    datacenter: 'dc1',
    allowStale: true,
    maxStaleMs: Number.MAX_SAFE_INTEGER,
    onlyPassing: false,
    aRecordLimit: 0,
    nodeTtlMs: 0,
    serviceTtlMs: {},
    enableAdditionalNodeMetaTxt: true,
    soa: defaultSoaSettings,
    recursorsConfigured: false,
  },
);
const handler = new DnsHandler(
  { resolver, forwarder: null, counters, log },
  { udpAnswerLimit: 3, enableTruncate: false },
);
const server = new DnsServer({ handler, counters, log }, { addresses: [address], port: 0 });
let port = 0;
// The same catalog behind dns_config.enable_truncate = true: the one setting under which Consul sets TC.
const truncatingServer = new DnsServer(
  {
    handler: new DnsHandler({ resolver, forwarder: null, counters, log }, { udpAnswerLimit: 3, enableTruncate: true }),
    counters,
    log,
  },
  { addresses: [address], port: 0 },
);
let truncatingPort = 0;

before(async () => {
  const n1 = fakeNode('n1', '10.0.0.1', { env: 'prod' });
  const n2 = fakeNode('n2', '10.0.0.2');
  catalog.nodes.push(n1, n2);
  catalog.entries.push(
    fakeInstance(n1, 'web', { tags: ['primary'], port: 8080 }),
    fakeInstance(n2, 'web', { address: '10.0.0.20', port: 9090 }),
  );
  for (let position = 0; position < largeCount; position++)
    catalog.entries.push(fakeInstance(fakeNode(`big-${position}`, `10.2.0.${position}`), 'big'));
  await server.start();
  port = server.boundAddresses[0]!.port;
  await truncatingServer.start();
  truncatingPort = truncatingServer.boundAddresses[0]!.port;
});

after(async () => {
  await server.stop();
  await truncatingServer.stop();
});

function query(name: string, type: string, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A' }],
  });
}

function udpExchange(bytes: Buffer): Promise<DecodedPacket & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no UDP reply before the deadline'));
    }, replyDeadlineMs);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(reply));
    });
    socket.send(bytes, port, address);
  });
}

/** Sends every message on one connection and collects as many replies. */
function tcpExchange(messages: readonly Buffer[]): Promise<(DecodedPacket & { rcode?: string })[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, address);
    const replies: (DecodedPacket & { rcode?: string })[] = [];
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${replies.length} TCP replies before the deadline`));
    }, replyDeadlineMs);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length === messages.length) {
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      }
    });
    socket.on('error', reject);
    for (const message of messages) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    }
  });
}

describe('DnsServer on real sockets', () => {
  it('answers over UDP', async () => {
    const reply = await udpExchange(query('web.service.consul', 'A', 7));
    assert.equal(reply.id, 7);
    assert.equal(reply.rcode, 'NOERROR');
    assert.equal(reply.answers?.length, 2);
  });

  it('answers pipelined queries over one TCP connection, the large one complete', async () => {
    const replies = await tcpExchange([query('web.service.consul', 'SRV', 1), query('big.service.consul', 'A', 2)]);
    const byId = new Map(replies.map((reply) => [reply.id, reply]));
    assert.equal(byId.get(1)?.answers?.length, 2);
    assert.equal(byId.get(2)?.answers?.length, largeCount);
  });

  it('drops malformed datagrams and streams, counts them, and keeps answering', async () => {
    const before = counters.snapshot().malformedDropped;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.send(Buffer.from('garbage, not DNS'), port, address, () => resolve()));
    socket.close();
    // A TCP frame announcing 3 bytes cannot hold a DNS header: the connection is dropped.
    await new Promise<void>((resolve) => {
      const stream = connect(port, address, () => stream.write(Buffer.from([0, 3, 1, 2, 3])));
      stream.on('close', () => resolve());
      stream.on('error', () => undefined);
    });
    const deadline = Date.now() + replyDeadlineMs;
    while (counters.snapshot().malformedDropped < before + 2 && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    assert.equal(counters.snapshot().malformedDropped, before + 2);
    const reply = await udpExchange(query('web.service.consul', 'A', 9));
    assert.equal(reply.rcode, 'NOERROR');
  });
});

const digPath = ['/usr/bin/dig', '/bin/dig'].find((path) => existsSync(path));

function dig(...args: string[]): Promise<string> {
  return digAt(port, ...args);
}

function digAt(serverPort: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      digPath!,
      [`@${address}`, '-p', String(serverPort), '+tries=1', '+time=3', ...args],
      { timeout: replyDeadlineMs * 2 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

describe('dig against the DNS server', { skip: digPath === undefined ? 'dig is not installed' : false }, () => {
  it('resolves A, SRV, tag, node and PTR lookups', async () => {
    assert.deepEqual((await dig('+short', 'web.service.consul', 'A')).trim().split('\n').sort(), [
      '10.0.0.1',
      '10.0.0.20',
    ]);
    assert.deepEqual((await dig('+short', 'web.service.consul', 'SRV')).trim().split('\n').sort(), [
      '1 1 8080 n1.node.dc1.consul.',
      '1 1 9090 0a000014.addr.dc1.consul.',
    ]);
    const srv = await dig('web.service.consul', 'SRV');
    assert.match(srv, /flags: qr aa rd;/);
    assert.match(srv, /n1\.node\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.0\.0\.1/);
    assert.match(srv, /0a000014\.addr\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.0\.0\.20/);
    assert.equal((await dig('+short', 'primary.web.service.consul')).trim(), '10.0.0.1');
    assert.equal((await dig('+short', '_web._primary.service.consul', 'SRV')).trim(), '1 1 8080 n1.node.dc1.consul.');
    assert.equal((await dig('+short', 'n1.node.consul')).trim(), '10.0.0.1');
    assert.equal((await dig('+short', 'n1.node.consul', 'TXT')).trim(), '"env=prod"');
    assert.equal((await dig('+short', '-x', '10.0.0.2')).trim(), 'n2.node.dc1.consul.');
    const missing = await dig('nope.service.consul');
    assert.match(missing, /status: NXDOMAIN/);
    assert.match(missing, /AUTHORITY SECTION:\nconsul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\./);
  });

  it('cuts a large UDP answer without TC (enable_truncate off, as Consul) and gives all of it over TCP', async () => {
    const udp = await dig('+notcp', 'big.service.consul', 'A');
    assert.match(udp, /flags: qr aa rd;/);
    const udpCount = Number(/ANSWER: (\d+)/.exec(udp)?.[1]);
    assert.ok(udpCount > 3 && udpCount < largeCount, `UDP carried ${udpCount} answers`);
    const plain = await dig('+notcp', '+noedns', 'big.service.consul', 'A');
    assert.match(plain, /flags: qr aa rd;/);
    assert.match(plain, /ANSWER: 3,/);
    const tcp = await dig('+tcp', 'big.service.consul', 'A');
    assert.match(tcp, new RegExp(`ANSWER: ${largeCount},`));
    assert.doesNotMatch(tcp, /flags: [^;]*tc/);
  });

  it('sets TC on a cut with enable_truncate, and dig then retries over TCP by itself', async () => {
    const udp = await digAt(truncatingPort, '+ignore', '+notcp', 'big.service.consul', 'A');
    assert.match(udp, /flags: qr aa tc rd;/);
    const plain = await digAt(truncatingPort, '+ignore', '+notcp', '+noedns', 'big.service.consul', 'A');
    assert.match(plain, /flags: qr aa tc rd;/);
    assert.match(plain, /ANSWER: 3,/);
    const retried = await digAt(truncatingPort, 'big.service.consul', 'A');
    assert.match(retried, new RegExp(`ANSWER: ${largeCount},`));
  });
});
