// Proves the transports: the contract suite against the in-memory, UDP/TCP and encrypted transports; frame parsing
// across chunk boundaries; wrong keys refused and counted on packets and streams; bad addresses refused.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import { Keyring } from '../keyring.js';
import { GossipSecurity, validateGossipSecurity } from '../security.js';
import { waitUntil, withDeadline } from '../testing/wait.js';
import { EncryptedTransport } from './encrypted-transport.js';
import { encodeFrameHeader, FrameReader } from './framing.js';
import { MemoryNetwork } from './memory-transport.js';
import { defaultReceiveBufferSizeBytes, NetTransport } from './net-transport.js';
import { describeTransportContract } from './testing/transport-contract.js';
import { defaultTransportLimits, type GossipTransport, parseAddress, type TransportLimits } from './transport.js';

const limits: TransportLimits = { ...defaultTransportLimits, frameSizeBytesMax: 1024 * 1024 };
const log = silentLogger();

function netTransport(host = '127.0.0.1'): NetTransport {
  return new NetTransport(
    { log },
    { bindAddress: host, bindPort: 0, limits, receiveBufferSizeBytes: defaultReceiveBufferSizeBytes },
  );
}

function sendUdp(to: string, bytes: Uint8Array): void {
  const { host, port } = parseAddress(to);
  const socket = createSocket('udp4');
  socket.send(bytes, port, host, () => socket.close());
}

function encrypt(inner: GossipTransport, keyring: Keyring): EncryptedTransport {
  const security = new GossipSecurity(validateGossipSecurity({ keyring }));
  return new EncryptedTransport({ log, nowMs: () => performance.now() }, inner, security, limits);
}

describeTransportContract('memory', async () => {
  const network = new MemoryNetwork();
  const a = network.createTransport('10.0.0.1:8301', limits);
  const b = network.createTransport('10.0.0.2:8301', limits);
  const raw = network.createTransport('10.0.0.3:8301', { ...limits, packetSizeBytesMax: 1_000_000 });
  await raw.start();
  return {
    a,
    b,
    sendRawToB: (bytes) => b.receivePacket('10.0.0.3:8301', bytes),
    packetSizeBytesMax: limits.packetSizeBytesMax,
    frameSizeBytesMax: limits.frameSizeBytesMax,
  };
});

describeTransportContract('UDP/TCP', async () => {
  const [a, b] = [netTransport(), netTransport()];
  return {
    a,
    b,
    sendRawToB: (bytes) => sendUdp(b.localAddress(), bytes),
    packetSizeBytesMax: limits.packetSizeBytesMax,
    frameSizeBytesMax: limits.frameSizeBytesMax,
  };
});

describeTransportContract('encrypted UDP/TCP', async () => {
  const keyring = new Keyring([randomBytes(32).toString('base64')]);
  const innerB = netTransport();
  return {
    a: encrypt(netTransport(), keyring),
    b: encrypt(innerB, keyring),
    sendRawToB: (bytes) => sendUdp(innerB.localAddress(), bytes),
    packetSizeBytesMax: limits.packetSizeBytesMax,
    frameSizeBytesMax: limits.frameSizeBytesMax,
  };
});

describeTransportContract('encrypted memory', async () => {
  const network = new MemoryNetwork();
  const keyring = new Keyring([randomBytes(16).toString('base64')]);
  const innerB = network.createTransport('b:1', limits);
  return {
    a: encrypt(network.createTransport('a:1', limits), keyring),
    b: encrypt(innerB, keyring),
    sendRawToB: (bytes) => innerB.receivePacket('x:1', bytes),
    packetSizeBytesMax: limits.packetSizeBytesMax,
    frameSizeBytesMax: limits.frameSizeBytesMax,
  };
});

describe('encryption between transports', () => {
  it('refuses packets and streams sealed with another key, and counts them', async () => {
    const network = new MemoryNetwork();
    const a = encrypt(network.createTransport('a:1', limits), new Keyring([randomBytes(32).toString('base64')]));
    const b = encrypt(network.createTransport('b:1', limits), new Keyring([randomBytes(32).toString('base64')]));
    await a.start();
    await b.start();
    let delivered = 0;
    b.onPacket(() => delivered++);
    a.sendPacket('b:1', Buffer.from('ping'));
    await waitUntil(() => b.security.counters.decryptFailed === 1, 'the packet is refused');
    assert.equal(delivered, 0);
    const accepted = new Promise<{ read: Promise<Uint8Array> }>((resolve) =>
      b.onStream((stream) => resolve({ read: stream.read() })),
    );
    const client = await a.openStream('b:1');
    await client.write(Buffer.from('push-pull'));
    await assert.rejects((await withDeadline(accepted, 'inbound stream')).read, /different gossip encryption key/);
    assert.equal(b.security.counters.decryptFailed, 2);
  });
  it('refuses plain text when encryption is on', async () => {
    const network = new MemoryNetwork();
    const plain = network.createTransport('a:1', limits);
    const b = encrypt(network.createTransport('b:1', limits), new Keyring([randomBytes(32).toString('base64')]));
    await plain.start();
    await b.start();
    let delivered = 0;
    b.onPacket(() => delivered++);
    plain.sendPacket('b:1', Buffer.alloc(64, 9));
    await waitUntil(() => b.security.counters.plaintextRefused === 1, 'plain text is refused');
    assert.equal(delivered, 0);
  });
});

describe('NetTransport limits', () => {
  it('says clearly when the gossip port is taken', async () => {
    const first = netTransport();
    await first.start();
    try {
      const port = Number(first.localAddress().split(':')[1]);
      const second = new NetTransport(
        { log },
        { bindAddress: '127.0.0.1', bindPort: port, limits, receiveBufferSizeBytes: defaultReceiveBufferSizeBytes },
      );
      await assert.rejects(second.start(), /cannot bind gossip UDP on 127\.0\.0\.1:\d+: the address is already in use/);
    } finally {
      await first.stop();
    }
  });
  it('closes idle streams and refuses inbound streams beyond the cap, counting both', async () => {
    const tight = { ...limits, streamIdleTimeoutMs: 50, inboundStreamCountMax: 1 };
    const config = { bindAddress: '127.0.0.1', bindPort: 0, limits: tight, receiveBufferSizeBytes: 65_536 };
    const server = new NetTransport({ log }, config);
    const client = new NetTransport({ log }, config);
    await server.start();
    await client.start();
    try {
      server.onStream(() => undefined);
      const first = await client.openStream(server.localAddress());
      await waitUntil(() => server.counters.streamsAccepted === 1, 'the first stream is accepted');
      const second = await client.openStream(server.localAddress());
      await waitUntil(() => server.counters.streamsRefused === 1, 'the second stream is refused');
      await assert.rejects(withDeadline(second.read(), 'refused stream end'), { name: 'StreamClosedError' });
      await assert.rejects(withDeadline(first.read(), 'idle stream end'), { name: 'StreamClosedError' });
      await waitUntil(
        () => server.counters.streamsTimedOut + client.counters.streamsTimedOut > 0,
        'idle timeout counted',
      );
    } finally {
      await client.stop();
      await server.stop();
    }
  });
});

describe('FrameReader', () => {
  it('reassembles frames split across chunks and several frames in one chunk', () => {
    const reader = new FrameReader(100);
    const wire = Buffer.concat([
      encodeFrameHeader(3),
      Buffer.from('abc'),
      encodeFrameHeader(0),
      encodeFrameHeader(2),
      Buffer.from('xy'),
    ]);
    const frames: string[] = [];
    for (let position = 0; position < wire.length; position++) {
      for (const frame of reader.push(wire.subarray(position, position + 1))) frames.push(frame.toString());
    }
    assert.deepEqual(frames, ['abc', '', 'xy']);
  });
  it('refuses an oversized length before buffering the body', () => {
    assert.throws(() => new FrameReader(10).push(encodeFrameHeader(11)), { name: 'FrameTooLargeError' });
  });
});

describe('parseAddress', () => {
  it('parses IPv4 and IPv6 and refuses the rest', () => {
    assert.deepEqual(parseAddress('127.0.0.2:8301'), { host: '127.0.0.2', port: 8301 });
    assert.deepEqual(parseAddress('[::1]:8301'), { host: '::1', port: 8301 });
    for (const bad of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', ':8301', 'a:b']) {
      assert.throws(() => parseAddress(bad), /invalid gossip address/);
    }
  });
});
