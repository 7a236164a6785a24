// Proves Raft durability and recovery on real processes: three `lattice debug raft-kv` servers with level
// storage and the gRPC transport on 127.0.0.2-4. Writers run while the leader is SIGKILLed; afterwards a new
// leader is elected and every acknowledged write is on every server, including the killed one after it restarts.
// A follower killed while the cluster writes on and snapshots (small threshold) catches up through InstallSnapshot,
// killing all three at once loses no acknowledged write, and a lone survivor restarted with a peers.json naming
// only itself (Consul's manual outage recovery) leads alone with every acknowledged write.

import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './helpers/lattice-process.js';
import { RaftKvCluster, Writers } from './raft-helpers.js';

describe('raft cluster of three processes', () => {
  const cluster = new RaftKvCluster([
    '--tick-ms',
    '50',
    '--snapshot-threshold',
    '200',
    '--trailing-logs',
    '20',
    '--snapshot-interval-ms',
    '200',
  ]);
  before(() => cluster.start());
  after(() => cluster.dispose());

  it('keeps every acknowledged write when the leader is killed, elects a new one, and catches the old one up', async () => {
    const leader = await cluster.waitForLeader();
    const writers = new Writers(cluster, 'crash');
    writers.start(16);
    try {
      await waitFor(() => writers.acked.size >= 300, { deadlineMs: 30_000, what: '300 acknowledged writes' });
      await cluster.kill(leader);
      const ackedAtKill = writers.acked.size;
      const next = await cluster.waitForLeader(20_000, leader);
      assert.notEqual(next, leader);
      await waitFor(() => writers.acked.size >= ackedAtKill + 300, {
        deadlineMs: 30_000,
        what: '300 more acknowledged writes under the new leader',
      });
    } finally {
      await writers.stop();
    }
    for (const server of cluster.running()) await cluster.waitForKeys(server.id, writers.acked);
    cluster.startServer(leader);
    await cluster.waitForKeys(leader, writers.acked);
    await cluster.waitForLeader();
  });

  it('catches up a follower that fell behind the snapshots through InstallSnapshot', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.servers.find((server) => server.id !== leader)?.id as string;
    await cluster.kill(follower);
    assert.equal(cluster.running().length, 2);
    const writers = new Writers(cluster, 'behind');
    writers.start(16);
    try {
      await waitFor(
        async () => {
          const status = await cluster.status(leader);
          return status !== null && status.snapshotIndex > status.lastIndex - 100 && writers.acked.size >= 600;
        },
        { deadlineMs: 60_000, what: 'the leader to snapshot past 600 writes' },
      );
    } finally {
      await writers.stop();
    }
    cluster.startServer(follower);
    await cluster.waitForKeys(follower, writers.acked, 60_000);
    const status = await cluster.status(follower);
    assert.ok(
      status !== null && status.snapshotsInstalled >= 1,
      `follower installed no snapshot: ${JSON.stringify(status)}`,
    );
  });

  it('keeps every acknowledged write when every server is killed at once and restarted', async () => {
    await cluster.waitForLeader();
    const writers = new Writers(cluster, 'all-down');
    writers.start(16);
    try {
      await waitFor(() => writers.acked.size >= 300, { deadlineMs: 30_000, what: '300 acknowledged writes' });
      // Kill while writes are in flight: acknowledged ones must survive, unacknowledged ones may or may not.
      await Promise.all(cluster.servers.map((server) => cluster.kill(server.id)));
    } finally {
      await writers.stop();
    }
    for (const server of cluster.servers) cluster.startServer(server.id);
    await cluster.waitForLeader();
    for (const server of cluster.servers) await cluster.waitForKeys(server.id, writers.acked);
  });

  it('recovers a lone survivor through raft/peers.json, as Consul does after losing quorum', async () => {
    await cluster.waitForLeader();
    const writers = new Writers(cluster, 'peers-json');
    writers.start(8);
    try {
      await waitFor(() => writers.acked.size >= 100, { deadlineMs: 30_000, what: '100 acknowledged writes' });
    } finally {
      await writers.stop();
    }
    await Promise.all(cluster.servers.map((server) => cluster.kill(server.id)));
    // n2 and n3 are gone for good; the operator writes peers.json on the survivor and restarts it.
    const survivor = cluster.server('n1');
    const peersFile = join(cluster.dataDirOf(survivor.id), 'raft', 'peers.json');
    await writeFile(
      peersFile,
      JSON.stringify([{ id: survivor.id, address: `${survivor.host}:8300`, non_voter: false }]),
    );
    cluster.startServer(survivor.id);
    assert.equal(await cluster.waitForLeader(), survivor.id);
    await cluster.waitForKeys(survivor.id, writers.acked);
    const written = await cluster.put('after-recovery', 'yes', survivor.id);
    assert.equal(written.acked, true);
    await assert.rejects(access(peersFile), /ENOENT/);
  });
});
