// Proves the driver's wiring on the in-memory transport with the real clock and fast timing: drivers join, carry
// user events and queries, see a stopped node fail and a leaving node leave, and stop cleanly twice. Waits have
// deadlines; nothing asserts on timing.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import type { GossipDriver } from './driver.js';
import { createTestDriver } from './testing/driver-fixture.js';
import { waitUntil, withDeadline } from './testing/wait.js';
import { MemoryNetwork } from './transport/memory-transport.js';

const statusIn = (driver: GossipDriver, name: string) =>
  driver.members().find((member) => member.name === name)?.status;

describe('GossipDriver on the in-memory transport', () => {
  it('joins, spreads events and queries, detects failure and leave', async () => {
    const network = new MemoryNetwork();
    const names = ['a', 'b', 'c', 'd'];
    const drivers = names.map((name, position) =>
      createTestDriver({ name, seed: position + 1, transport: network.createTransport(`10.0.0.${position + 1}:8301`) }),
    );
    for (const driver of drivers) await driver.start();
    try {
      const [a, b, c, d] = drivers as [GossipDriver, GossipDriver, GossipDriver, GossipDriver];
      assert.equal(await b.join([a.localAddress()]), 1);
      await c.join([a.localAddress()]);
      await d.join([b.localAddress()]);
      await waitUntil(
        () => drivers.every((driver) => names.every((name) => statusIn(driver, name) === 'alive')),
        'all four see all four alive',
      );

      const seen = drivers.map((driver) => {
        const payloads: string[] = [];
        driver.events.on('user', (event) => payloads.push(Buffer.from(event.payload).toString()));
        return payloads;
      });
      c.userEvent('deploy', Buffer.from('v2'));
      await waitUntil(() => seen.every((payloads) => payloads.length === 1), 'every driver got the event once');

      for (const driver of drivers) driver.events.on('query', (query) => driver.respond(query, Buffer.from('pong')));
      const result = await withDeadline(a.query('ping', Buffer.from('x'), { expectedResponses: 4 }), 'query result');
      assert.deepEqual([...result.responses.keys()].sort(), names);

      await d.stop();
      await waitUntil(() => [a, b, c].every((driver) => statusIn(driver, 'd') === 'failed'), 'd failed everywhere');
      await c.leave();
      await c.stop();
      await waitUntil(() => [a, b].every((driver) => statusIn(driver, 'c') === 'left'), 'c left everywhere');
    } finally {
      for (const driver of drivers) await driver.stop();
      for (const driver of drivers) await driver.stop();
    }
  });

  it('rejects a join when no seed answers', async () => {
    const network = new MemoryNetwork();
    const lonely = createTestDriver({ name: 'lonely', transport: network.createTransport('10.0.0.9:8301') });
    await lonely.start();
    try {
      await assert.rejects(lonely.join(['10.0.0.99:8301']), { name: 'JoinError' });
    } finally {
      await lonely.stop();
    }
  });

  it('enables encryption on a running pool in rolling steps (verify_incoming/outgoing off, then on)', async () => {
    const network = new MemoryNetwork();
    const key = randomBytes(32).toString('base64');
    const plain = createTestDriver({ name: 'plain', transport: network.createTransport('10.1.0.1:8301') });
    // Step 1: the key is installed but neither enforced nor used for sending; plain members still talk to it.
    const lenient = createTestDriver({
      name: 'lenient',
      seed: 2,
      encrypt: key,
      encryptVerifyIncoming: false,
      encryptVerifyOutgoing: false,
      transport: network.createTransport('10.1.0.2:8301'),
    });
    // Step 2 on another member: it sends encrypted but still accepts plain text.
    const sending = createTestDriver({
      name: 'sending',
      seed: 3,
      encrypt: key,
      encryptVerifyIncoming: false,
      transport: network.createTransport('10.1.0.3:8301'),
    });
    const drivers = [plain, lenient, sending];
    for (const driver of drivers) await driver.start();
    try {
      await lenient.join([plain.localAddress()]);
      await sending.join([lenient.localAddress()]);
      await waitUntil(
        () =>
          [lenient, sending].every((driver) =>
            ['plain', 'lenient', 'sending'].every((name) => statusIn(driver, name) === 'alive'),
          ),
        'the encrypting members see everyone alive',
      );
      assert.ok(sending.stats().security!.sealed > 0);
      assert.ok(lenient.stats().security!.plaintextAccepted > 0, 'lenient accepted plain text from plain');
      assert.ok(lenient.stats().security!.opened > 0, 'lenient opened sealed traffic from sending');
    } finally {
      for (const driver of drivers) await driver.stop();
    }
  });

  it('keeps one gossip timer per driver and detects a failure in virtual time on a ManualClock', async () => {
    const clock = new ManualClock();
    const network = new MemoryNetwork();
    const drivers = ['a', 'b', 'c'].map((name, position) =>
      createTestDriver({
        name,
        seed: position + 7,
        clock,
        transport: network.createTransport(`10.2.0.${position + 1}:8301`),
      }),
    );
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    for (const driver of drivers) await driver.start();
    assert.equal(clock.pendingTimerCount(), 3, 'one wakeup timer per driver');
    const [a, b, c] = drivers as [GossipDriver, GossipDriver, GossipDriver];
    await b.join([a.localAddress()]);
    await c.join([a.localAddress()]);
    for (let step = 0; step < 100 && !drivers.every((driver) => driver.members().length === 3); step++) {
      clock.advance(50);
      await settle();
    }
    assert.ok(drivers.every((driver) => ['a', 'b', 'c'].every((name) => statusIn(driver, name) === 'alive')));
    await c.stop();
    let virtualMs = 0;
    while (![a, b].every((driver) => statusIn(driver, 'c') === 'failed')) {
      assert.ok(virtualMs < 60_000, 'c is declared failed within a minute of virtual time');
      clock.advance(50);
      virtualMs += 50;
      await settle();
    }
    await a.stop();
    await b.stop();
    clock.advance(10_000);
    await settle();
  });
});
