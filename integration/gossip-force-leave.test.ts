// Proves force-leave over real UDP and TCP sockets on 127.0.0.80–127.0.0.84, five GossipDriver instances in this
// one process: a stopped (failed) node becomes `left` on every member after `forceLeave`, a second stopped node
// forced out with `prune` disappears from every member list, and an unknown name is refused with Consul's wording.
// Every wait has a deadline; nothing sleeps.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type GossipDriver, UnknownMemberError } from '../gossip/driver.js';
import { createTestDriver } from '../gossip/testing/driver-fixture.js';
import { waitUntil } from '../gossip/testing/wait.js';

const addresses = ['127.0.0.80', '127.0.0.81', '127.0.0.82', '127.0.0.83', '127.0.0.84'];
const running = new Set<GossipDriver>();

after(async () => {
  for (const driver of running) await driver.stop();
});

const statusIn = (driver: GossipDriver, name: string) =>
  driver.members().find((member) => member.name === name)?.status;

describe('gossip force-leave over UDP/TCP on loopback', () => {
  it('moves a failed node to left everywhere, and with prune removes it everywhere', async () => {
    const names = addresses.map((address) => `fl-${address.split('.')[3]}`);
    const drivers: GossipDriver[] = [];
    for (const [position, address] of addresses.entries()) {
      const driver = createTestDriver({ name: names[position]!, bindAddress: address, seed: position + 80 });
      await driver.start();
      running.add(driver);
      drivers.push(driver);
    }
    for (const driver of drivers.slice(1)) await driver.join([drivers[0]!.localAddress()]);
    await waitUntil(
      () => drivers.every((driver) => names.every((name) => statusIn(driver, name) === 'alive')),
      'the five nodes see each other alive',
      { deadlineMs: 20_000 },
    );

    // Stopped without leaving: the others declare it failed; force-leave turns that into left everywhere.
    const [failedName, prunedName] = [names[4]!, names[3]!];
    await drivers[4]!.stop();
    running.delete(drivers[4]!);
    const survivors = drivers.slice(0, 4);
    await waitUntil(
      () => survivors.every((driver) => statusIn(driver, failedName) === 'failed'),
      `${failedName} is failed on every survivor`,
      { deadlineMs: 20_000 },
    );
    drivers[1]!.forceLeave(failedName);
    await waitUntil(
      () => survivors.every((driver) => statusIn(driver, failedName) === 'left'),
      `${failedName} is left on every survivor`,
    );

    // With prune: the member is forgotten at once rather than kept until the tombstone timeout.
    await drivers[3]!.stop();
    running.delete(drivers[3]!);
    const remaining = drivers.slice(0, 3);
    await waitUntil(
      () => remaining.every((driver) => statusIn(driver, prunedName) === 'failed'),
      `${prunedName} is failed on every remaining node`,
      { deadlineMs: 20_000 },
    );
    drivers[2]!.forceLeave(prunedName, { prune: true });
    await waitUntil(
      () => remaining.every((driver) => statusIn(driver, prunedName) === undefined),
      `${prunedName} is gone from every member list`,
    );
    for (const driver of remaining) {
      assert.equal(statusIn(driver, failedName), 'left', 'the earlier forced leave is kept (no prune)');
      for (const name of names.slice(0, 3)) assert.equal(statusIn(driver, name), 'alive');
    }

    assert.throws(
      () => drivers[0]!.forceLeave('no-such-node'),
      (error: unknown) =>
        error instanceof UnknownMemberError && error.message === "No node found with name 'no-such-node'",
    );
  });
});
