// Proves, over real TCP on loopback (127.21.0.x), that the driver tells the core when a peer read a push-pull and
// closed the stream unanswered — how a node from before version-2 stream envelopes refuses one — so a new node
// joins an old one and they keep syncing; and that two new nodes exchange deflated states under encryption
// (compressed, then sealed). The old node is a driver that sends version 1 only, behind a transport that closes
// any inbound stream whose first frame is not version 1, as the old decoder made the old driver do.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AbortOptions } from '../lib/lifecycle.js';
import { silentLogger } from '../lib/log.js';
import { WIRE_VERSION } from './core/index.js';
import type { GossipDriver } from './driver.js';
import { createTestDriver } from './testing/driver-fixture.js';
import { waitUntil } from './testing/wait.js';
import { defaultReceiveBufferSizeBytes, NetTransport } from './transport/net-transport.js';
import {
  defaultTransportLimits,
  type GossipStream,
  type GossipTransport,
  type PacketHandler,
  StreamClosedError,
  type StreamHandler,
  type TransportCounters,
} from './transport/transport.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function netTransport(host: string): NetTransport {
  return new NetTransport(
    { log: silentLogger() },
    {
      bindAddress: host,
      bindPort: 0,
      limits: defaultTransportLimits,
      receiveBufferSizeBytes: defaultReceiveBufferSizeBytes,
    },
  );
}

/** An inbound stream whose first frame is refused (the stream closed) unless it is version 1. */
class VersionOneStream implements GossipStream {
  private first = true;
  constructor(
    private readonly inner: GossipStream,
    private readonly onRefused: () => void,
  ) {}
  get remoteAddress(): string {
    return this.inner.remoteAddress;
  }
  write(frame: Uint8Array, options?: AbortOptions): Promise<void> {
    return this.inner.write(frame, options);
  }
  async read(options?: AbortOptions): Promise<Uint8Array> {
    const frame = await this.inner.read(options);
    if (this.first && frame[0] !== WIRE_VERSION) {
      this.onRefused();
      this.inner.close();
      throw new StreamClosedError(`wire version ${frame[0]} is not ${WIRE_VERSION}`);
    }
    this.first = false;
    return frame;
  }
  close(): void {
    this.inner.close();
  }
}

/** A node's transport from before version-2 envelopes, on the inbound stream side. */
class VersionOneTransport implements GossipTransport {
  refused = 0;
  constructor(private readonly inner: GossipTransport) {}
  get counters(): TransportCounters {
    return this.inner.counters;
  }
  localAddress(): string {
    return this.inner.localAddress();
  }
  start(options?: AbortOptions): Promise<void> {
    return this.inner.start(options);
  }
  stop(options?: AbortOptions): Promise<void> {
    return this.inner.stop(options);
  }
  sendPacket(to: string, bytes: Uint8Array): void {
    this.inner.sendPacket(to, bytes);
  }
  onPacket(handler: PacketHandler): () => void {
    return this.inner.onPacket(handler);
  }
  openStream(to: string, options?: AbortOptions): Promise<GossipStream> {
    return this.inner.openStream(to, options);
  }
  onStream(handler: StreamHandler): () => void {
    return this.inner.onStream((stream) => handler(new VersionOneStream(stream, () => this.refused++)));
  }
}

const coreStats = (driver: GossipDriver) => driver.stats().core!;
const sees = (driver: GossipDriver, name: string) =>
  driver.members().some((member) => member.name === name && member.status === 'alive');

describe('GossipDriver stream envelopes over TCP', () => {
  it('joins a node from before envelopes, which refused one, and keeps syncing in version 1', async () => {
    const oldTransport = new VersionOneTransport(netTransport('127.21.0.2'));
    const old = createTestDriver({
      name: 'old',
      transport: oldTransport,
      gossip: { streamCompressionLevel: 0, pushPullIntervalMs: 500 },
    });
    const fresh = createTestDriver({
      name: 'fresh',
      transport: netTransport('127.21.0.1'),
      gossip: { pushPullIntervalMs: 500 },
    });
    await old.start();
    await fresh.start();
    try {
      assert.equal(await fresh.join([old.localAddress()]), 1);
      assert.equal(oldTransport.refused, 1, 'the old node refused the envelope');
      assert.equal(coreStats(fresh).envelopeRetries, 1, 'the new node asked again in version 1');
      await waitUntil(() => sees(fresh, 'old') && sees(old, 'fresh'), 'both see both alive');
      // Several periodic syncs each way (every 0.5 s here): none is refused again.
      const accepted = old.stats().transport!.streamsAccepted;
      await waitUntil(
        () => old.stats().transport!.streamsAccepted >= accepted + 3,
        'three more streams reached the old node',
      );
      assert.equal(oldTransport.refused, 1);
      assert.equal(coreStats(old).streamsMalformed, 0, 'the old node read every answer');
    } finally {
      await fresh.stop();
      await old.stop();
    }
  });

  it('two new nodes exchange deflated, then encrypted, states', async () => {
    const a = createTestDriver({ name: 'a', transport: netTransport('127.21.0.3'), encrypt: KEY });
    const b = createTestDriver({ name: 'b', transport: netTransport('127.21.0.4'), encrypt: KEY });
    await a.start();
    await b.start();
    try {
      assert.equal(await b.join([a.localAddress()]), 1);
      await waitUntil(() => sees(a, 'b') && sees(b, 'a'), 'both see both alive');
      assert.ok(coreStats(b).pushPullsEnveloped >= 1, 'the join went in an envelope');
      assert.ok(coreStats(a).pushPullsEnveloped >= 1, 'and so did its answer');
      assert.equal(coreStats(a).envelopesRefused + coreStats(b).envelopesRefused, 0);
      assert.equal(coreStats(b).envelopeRetries, 0);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
