// A three-member etcd cluster on loopback for the benches that compare against it (kv, raft-kv), set up as
// ../shared/anchors/etcd-raft.sh does: one member per address, client port 2379, peer port 2380.

import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BenchHarness } from './harness.js';

export interface EtcdCluster {
  readonly members: readonly ChildProcess[];
  /** Position in `hosts` of the member that leads. */
  readonly leaderPosition: number;
  /** Starts the member at `position` again on its data directory (it rejoins; the initial flags are ignored). */
  readonly restart: (position: number) => ChildProcess;
}

/** Position in `hosts` of the member that reports itself leader, or null. */
export async function etcdLeaderPosition(hosts: readonly string[]): Promise<number | null> {
  for (const [position, host] of hosts.entries()) {
    const response = await fetch(`http://${host}:2379/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(1000),
    }).catch(() => null);
    const status = (await response?.json().catch(() => null)) as {
      header?: { member_id?: string };
      leader?: string;
    } | null;
    if (status?.leader && status.leader !== '0' && status.header?.member_id === status.leader) return position;
  }
  return null;
}

export async function startEtcdCluster(
  harness: BenchHarness,
  hosts: readonly string[],
  dataDir: string,
  clusterToken: string,
): Promise<EtcdCluster> {
  const cluster = hosts.map((host, position) => `m${position + 1}=http://${host}:2380`).join(',');
  const startMember = (position: number): ChildProcess => {
    const host = hosts[position] as string;
    return harness.start('etcd', [
      '--name',
      `m${position + 1}`,
      '--data-dir',
      join(dataDir, `m${position + 1}`),
      '--listen-client-urls',
      `http://${host}:2379`,
      '--advertise-client-urls',
      `http://${host}:2379`,
      '--listen-peer-urls',
      `http://${host}:2380`,
      '--initial-advertise-peer-urls',
      `http://${host}:2380`,
      '--initial-cluster',
      cluster,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      clusterToken,
      '--logger',
      'zap',
      '--log-level',
      'warn',
    ]);
  };
  const members = hosts.map((_, position) => startMember(position));
  const leaderPosition = await harness.waitUntil('an etcd leader', () => etcdLeaderPosition(hosts));
  harness.progress(`etcd leader: ${hosts[leaderPosition]}`);
  return { members, leaderPosition, restart: startMember };
}
