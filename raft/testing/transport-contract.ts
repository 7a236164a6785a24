// The RaftTransport contract: messages reach the addressed peer intact, unknown peers drop and count, snapshots
// stream through intact and a receiver's failure reaches the sender. `open` builds two or more started
// transports that know each other's addresses.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { emptyMessage, type RaftMessage } from '../core/types.js';
import { readAll } from '../storage/snapshot-store.js';
import type { IncomingSnapshot, RaftTransport } from '../transport/transport.js';
import { makeRun } from './entries.js';
import { makeMeta } from './snapshot-store-contract.js';
import { waitFor } from './wait.js';

export interface TransportHarness {
  readonly transports: readonly RaftTransport[];
  readonly dispose: () => Promise<void>;
}

export function appendMessage(from: string, to: string, index: number): RaftMessage {
  return {
    ...emptyMessage,
    type: 'append',
    from,
    to,
    term: 3,
    index,
    logTerm: 2,
    entries: makeRun(index + 1, 2, 3),
    commit: index,
  };
}

export function describeTransportContract(name: string, open: (count: number) => Promise<TransportHarness>): void {
  describe(`RaftTransport contract: ${name}`, () => {
    const harnesses: TransportHarness[] = [];
    const fresh = async (count = 2): Promise<TransportHarness> => {
      const harness = await open(count);
      harnesses.push(harness);
      return harness;
    };
    after(async () => {
      for (const harness of harnesses) await harness.dispose();
    });

    it('delivers messages to the addressed peer, in order and intact', async () => {
      const { transports } = await fresh();
      const [a, b] = transports as [RaftTransport, RaftTransport];
      const received: RaftMessage[] = [];
      b.onMessage((message) => received.push(message));
      const sent = Array.from({ length: 100 }, (_, position) => appendMessage(a.localId, b.localId, position));
      for (const message of sent) assert.equal(a.send(message), true);
      const vote: RaftMessage = {
        ...emptyMessage,
        type: 'vote',
        from: a.localId,
        to: b.localId,
        term: 4,
        index: 9,
        logTerm: 3,
      };
      a.send(vote);
      await waitFor(() => received.length === 101, 'all messages received');
      const appends = received.filter((message) => message.type === 'append');
      assert.equal(appends.length, 100);
      for (let position = 0; position < 100; position++) {
        const got = appends[position] as RaftMessage;
        const want = sent[position] as RaftMessage;
        assert.equal(got.index, want.index);
        assert.equal(got.entries.length, 2);
        assert.deepEqual(new Uint8Array(got.entries[1]?.data ?? []), want.entries[1]?.data);
      }
      assert.equal(received.find((message) => message.type === 'vote')?.term, 4);
      assert.ok(b.stats().receivedCount >= 101);
    });

    it('drops and counts messages to an unknown peer', async () => {
      const { transports } = await fresh();
      const a = transports[0] as RaftTransport;
      assert.equal(a.send(appendMessage(a.localId, 'nobody', 1)), false);
      assert.equal(a.stats().droppedCount, 1);
    });

    it('streams a snapshot through intact', async () => {
      const { transports } = await fresh();
      const [a, b] = transports as [RaftTransport, RaftTransport];
      const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, position) => (position * 7) % 256);
      let got: { from: string; index: number; data: Uint8Array } | null = null;
      b.onSnapshot(async (snapshot: IncomingSnapshot) => {
        got = { from: snapshot.from, index: snapshot.meta.index, data: await readAll(snapshot.chunks) };
      });
      const chunks = async function* () {
        yield data.subarray(0, 100);
        yield data.subarray(100);
      };
      await a.sendSnapshot(b.localId, makeMeta(99, 4), data.byteLength, chunks());
      assert.ok(got !== null);
      const received = got as { from: string; index: number; data: Uint8Array };
      assert.equal(received.from, a.localId);
      assert.equal(received.index, 99);
      assert.deepEqual(new Uint8Array(received.data), data);
    });

    it('rejects the sender when the receiver fails to store the snapshot', async () => {
      const { transports } = await fresh();
      const [a, b] = transports as [RaftTransport, RaftTransport];
      b.onSnapshot(async () => {
        throw new Error('disk full');
      });
      const chunks = async function* () {
        yield Uint8Array.of(1, 2, 3);
      };
      await assert.rejects(a.sendSnapshot(b.localId, makeMeta(5, 1), 3, chunks()));
    });
  });
}
