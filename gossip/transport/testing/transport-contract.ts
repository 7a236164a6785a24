// The GossipTransport contract, run against every implementation (memory, UDP/TCP, and both encrypted): packets
// arrive with the sender's address, oversized packets are dropped and counted, streams carry frames both ways in
// order, oversized frames are refused, and closing ends the peer's reads.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil, withDeadline } from '../../testing/wait.js';
import type { GossipStream, GossipTransport } from '../transport.js';

export interface TransportPair {
  readonly a: GossipTransport;
  readonly b: GossipTransport;
  /** Sends raw bytes to `b` around any wrapping, to prove what `b` drops. */
  readonly sendRawToB: (bytes: Uint8Array) => void;
  readonly packetSizeBytesMax: number;
  readonly frameSizeBytesMax: number;
}

export function describeTransportContract(name: string, open: () => Promise<TransportPair>): void {
  describe(`GossipTransport contract: ${name}`, () => {
    let pair: TransportPair;
    before(async () => {
      pair = await open();
      await pair.a.start();
      await pair.b.start();
    });
    after(async () => {
      await pair.a.stop();
      await pair.b.stop();
      await pair.a.stop();
    });

    it('delivers a packet with the sender address', async () => {
      const received = new Promise<[string, string]>((resolve) => {
        const off = pair.b.onPacket((from, bytes) => {
          off();
          resolve([from, Buffer.from(bytes).toString()]);
        });
      });
      pair.a.sendPacket(pair.b.localAddress(), Buffer.from('hello'));
      assert.deepEqual(await withDeadline(received, 'a packet'), [pair.a.localAddress(), 'hello']);
    });

    it('drops and counts an oversized packet without calling the handler', async () => {
      let calls = 0;
      const off = pair.b.onPacket(() => calls++);
      const before = pair.b.counters.packetsOversized;
      pair.sendRawToB(Buffer.alloc(pair.packetSizeBytesMax + 100));
      await waitUntil(() => pair.b.counters.packetsOversized > before, 'the oversized packet is counted');
      off();
      assert.equal(calls, 0);
    });

    it('carries frames both ways over a stream, in order', async () => {
      const accepted = new Promise<GossipStream>((resolve) => {
        const off = pair.b.onStream((stream) => {
          off();
          resolve(stream);
        });
      });
      const client = await pair.a.openStream(pair.b.localAddress());
      await client.write(Buffer.from('one'));
      await client.write(Buffer.alloc(100_000, 7));
      const server = await withDeadline(accepted, 'the inbound stream');
      assert.equal(Buffer.from(await server.read()).toString(), 'one');
      assert.equal((await server.read()).length, 100_000);
      await server.write(Buffer.from('reply'));
      assert.equal(Buffer.from(await client.read()).toString(), 'reply');
      client.close();
      await assert.rejects(withDeadline(server.read(), 'end of stream'), {
        name: /StreamClosedError|GossipDecryptError/,
      });
      server.close();
    });

    it('refuses to write an oversized frame', async () => {
      const off = pair.b.onStream((stream) => stream.close());
      const client = await pair.a.openStream(pair.b.localAddress());
      await assert.rejects(client.write(Buffer.alloc(pair.frameSizeBytesMax + 1)), { name: 'FrameTooLargeError' });
      client.close();
      off();
    });

    it('honours an aborted read', async () => {
      const off = pair.b.onStream(() => undefined);
      const client = await pair.a.openStream(pair.b.localAddress());
      const controller = new AbortController();
      const read = client.read({ signal: controller.signal });
      controller.abort();
      await assert.rejects(read, { name: 'AbortError' });
      client.close();
      off();
    });
  });
}
