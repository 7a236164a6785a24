// Proves the gossip driver over real UDP and TCP sockets on 127.0.0.2–127.0.0.6, several GossipDriver instances in
// this one process (`lattice agent` is not wired to gossip yet): an encrypted pool forms, a node with the wrong key
// is refused on both sides, a key rotation (install, use, remove) under user-event traffic keeps membership intact
// and rewrites every keyring file, a stopped node is seen failed, a leaving node left, a restarted node rejoins
// from its snapshot by itself, and a 30-instance pool converges and detects a failure. Every wait has a deadline.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { GossipDriver } from '../gossip/driver.js';
import { localKeyringPath } from '../gossip/keyring-file.js';
import { createTestDriver } from '../gossip/testing/driver-fixture.js';
import { capturingLogger, waitUntil, waitUntilAsync } from '../gossip/testing/wait.js';

const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
const running = new Set<GossipDriver>();
const dirs: string[] = [];

after(async () => {
  for (const driver of running) await driver.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function startDriver(options: Parameters<typeof createTestDriver>[0]): Promise<GossipDriver> {
  const driver = createTestDriver(options);
  await driver.start();
  running.add(driver);
  return driver;
}

async function stopDriver(driver: GossipDriver): Promise<void> {
  await driver.stop();
  running.delete(driver);
}

const statusIn = (driver: GossipDriver, name: string) =>
  driver.members().find((member) => member.name === name)?.status;
const allAlive = (drivers: GossipDriver[], names: string[]) =>
  drivers.every((driver) => names.every((name) => statusIn(driver, name) === 'alive'));

describe('gossip pool over UDP/TCP on loopback', () => {
  it('runs an encrypted pool through a wrong-key join, a key rotation, a failure, a leave and a restart', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lattice-gossip-it-'));
    dirs.push(root);
    const firstKey = randomBytes(32).toString('base64');
    const names = addresses.map((_, position) => `node-${position + 2}`);
    const dataDirs = names.map((name) => join(root, name));
    const drivers: GossipDriver[] = [];
    const seedLog = capturingLogger();
    for (const [position, address] of addresses.entries()) {
      drivers.push(
        await startDriver({
          ...(position === 0 ? { log: seedLog.log } : {}),
          name: names[position]!,
          bindAddress: address,
          dataDir: dataDirs[position]!,
          encrypt: firstKey,
          seed: position + 10,
        }),
      );
    }
    for (const driver of drivers.slice(1)) await driver.join([drivers[0]!.localAddress()]);
    await waitUntil(() => allAlive(drivers, names), 'the five nodes see each other alive', { deadlineMs: 20_000 });
    for (const driver of drivers) {
      const security = driver.stats().security!;
      assert.ok(security.opened > 0 && security.sealed > 0, 'traffic is encrypted both ways');
      assert.equal(security.plaintextAccepted, 0);
    }

    // A node with another key is refused: its join fails, the pool counts the refused traffic.
    const intruderLog = capturingLogger();
    const intruder = await startDriver({
      log: intruderLog.log,
      name: 'intruder',
      bindAddress: '127.0.0.6',
      encrypt: randomBytes(32).toString('base64'),
    });
    await assert.rejects(intruder.join([drivers[0]!.localAddress()]), { name: 'JoinError' });
    assert.ok(drivers[0]!.stats().security!.decryptFailed > 0, 'the seed counted the undecryptable join');
    assert.ok(drivers.every((driver) => statusIn(driver, 'intruder') === undefined));
    assert.ok(
      seedLog.lines.some((line) =>
        /refused gossip stream from 127\.0\.0\.6.*different gossip encryption key/.test(line),
      ),
      'the seed logs why it refused the intruder',
    );
    assert.ok(
      intruderLog.lines.some((line) => /failed to join 127\.0\.0\.2:\d+.*different gossip encryption key/.test(line)),
      'the intruder logs why its join failed',
    );
    await stopDriver(intruder);

    // Rotation under traffic: nobody is marked failed, and every keyring file ends with only the new key.
    const failures: string[] = [];
    for (const driver of drivers) driver.events.on('member-failed', (member) => failures.push(member.name));
    const received: number[] = drivers.map(() => 0);
    for (const [position, driver] of drivers.entries()) {
      driver.events.on('user', () => {
        received[position]!++;
      });
    }
    const secondKey = randomBytes(32).toString('base64');
    const manager = drivers[1]!.keyManager;
    drivers[2]!.userEvent('traffic', Buffer.from('1'));
    assert.equal((await manager.installKey(secondKey)).NumResp, 5);
    drivers[3]!.userEvent('traffic', Buffer.from('2'));
    assert.deepEqual((await manager.listKeys()).Keys, { [firstKey]: 5, [secondKey]: 5 });
    await manager.useKey(secondKey);
    drivers[4]!.userEvent('traffic', Buffer.from('3'));
    await assert.rejects(manager.removeKey(secondKey), /5\/5 nodes reported failure/);
    await manager.removeKey(firstKey);
    const listed = await manager.listKeys();
    assert.deepEqual(listed.Keys, { [secondKey]: 5 });
    assert.deepEqual(listed.PrimaryKeys, { [secondKey]: 5 });
    await waitUntil(() => received.every((count) => count === 3), 'every node got the three events during rotation');
    assert.deepEqual(failures, []);
    assert.ok(allAlive(drivers, names));
    for (const dataDir of dataDirs) {
      const path = localKeyringPath(dataDir);
      await waitUntilAsync(
        async () => JSON.stringify(JSON.parse(await readFile(path, 'utf8'))) === JSON.stringify([secondKey]),
        `${path} holds only the new key`,
      );
    }

    // Stop without leaving: the others mark it failed.
    const killed = drivers[4]!;
    const killedPort = Number(killed.localAddress().split(':')[1]);
    await stopDriver(killed);
    await waitUntil(
      () => drivers.slice(0, 4).every((driver) => statusIn(driver, names[4]!) === 'failed'),
      'node-6 failed everywhere',
      {
        deadlineMs: 20_000,
      },
    );

    // A graceful leave is seen as left.
    const leaver = drivers[3]!;
    await leaver.leave();
    await stopDriver(leaver);
    await waitUntil(
      () => drivers.slice(0, 3).every((driver) => statusIn(driver, names[3]!) === 'left'),
      'node-5 left everywhere',
      {
        deadlineMs: 20_000,
      },
    );

    // The killed node restarts on the same address and data dir with no join call and no encrypt setting: the
    // keyring file and the snapshot bring it back.
    const restarted = await startDriver({
      name: names[4]!,
      bindAddress: addresses[4]!,
      bindPort: killedPort,
      dataDir: dataDirs[4]!,
      seed: 99,
    });
    assert.deepEqual(restarted.keyring()?.list(), [secondKey]);
    await waitUntil(
      () =>
        [...drivers.slice(0, 3), restarted].every((driver) => statusIn(driver, names[4]!) === 'alive') &&
        statusIn(restarted, names[0]!) === 'alive',
      'node-6 rejoined from its snapshot',
      { deadlineMs: 20_000 },
    );
  });

  it('forms a pool of 30 instances and detects a stopped one everywhere', async () => {
    const drivers: GossipDriver[] = [];
    for (let position = 0; position < 30; position++) {
      const address = addresses[position % addresses.length]!;
      drivers.push(await startDriver({ name: `pool-${position}`, bindAddress: address, seed: 1_000 + position }));
    }
    const names = drivers.map((_, position) => `pool-${position}`);
    for (const driver of drivers.slice(1)) await driver.join([drivers[0]!.localAddress()]);
    await waitUntil(() => allAlive(drivers, names), 'all 30 see all 30 alive', {
      deadlineMs: 60_000,
      checkEveryMs: 50,
    });
    const victim = drivers[17]!;
    await stopDriver(victim);
    const survivors = drivers.filter((driver) => driver !== victim);
    await waitUntil(
      () => survivors.every((driver) => statusIn(driver, 'pool-17') === 'failed'),
      'pool-17 failed on all 29',
      {
        deadlineMs: 60_000,
        checkEveryMs: 50,
      },
    );
    for (const driver of survivors) await stopDriver(driver);
  });
});
