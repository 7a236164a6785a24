// The bootstrap_expect loop of a server without Raft state: look at the LAN pool every
// bootstrapCheckIntervalMs, ask the candidate servers for their Raft peers, and start Raft once, either
// bootstrapping with the agreed voter list or empty to be added by an existing leader (server/bootstrap.ts decides).

import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { type BootstrapDecision, decideBootstrap } from './bootstrap.js';
import type { LanPool } from './lan-pool.js';

export interface ClusterFormationDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly gossip: LanPool;
  readonly config: {
    readonly datacenter: string;
    readonly bootstrapExpect: number;
    readonly bootstrapCheckIntervalMs: number;
  };
  /** Raft was started already (this process bootstrapped or joined): never decide twice. */
  isDecided(): boolean;
  startRaft(voters: readonly { id: string; address: string }[], reason: string): Promise<void>;
  /** A server's Raft peer count (Status.RaftStats), null when it did not answer. */
  peerCount(id: string, address: string): Promise<number | null>;
}

export class ClusterFormation {
  private timer: Timer | null = null;
  private stopped = false;

  constructor(private readonly deps: ClusterFormationDeps) {}

  start(): void {
    this.arm(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimer(delayMs, () => {
      this.step().then(
        (again) => {
          if (again) this.arm(this.deps.config.bootstrapCheckIntervalMs);
        },
        (error: unknown) => {
          this.deps.log.warn({ err: error }, 'bootstrap check failed; retrying');
          this.arm(this.deps.config.bootstrapCheckIntervalMs);
        },
      );
    });
  }

  /** One look at the pool; true to look again later. */
  private async step(): Promise<boolean> {
    const { config, log } = this.deps;
    const input = {
      datacenter: config.datacenter,
      expect: config.bootstrapExpect,
      hasRaftState: false,
      decided: this.deps.isDecided(),
      members: this.deps.gossip.members(),
    };
    let decision: BootstrapDecision = decideBootstrap(input);
    if (decision.kind === 'query') {
      const peerCounts = new Map<string, number | null>();
      for (const server of decision.servers)
        peerCounts.set(server.id, await this.deps.peerCount(server.id, server.rpcAddress));
      if (this.stopped) return false;
      decision = decideBootstrap({ ...input, decided: this.deps.isDecided(), peerCounts });
    }
    switch (decision.kind) {
      case 'wait':
        log.debug({ reason: decision.reason }, 'bootstrap_expect: waiting');
        return true;
      case 'query':
        return true;
      case 'bootstrap':
        log.info({ voters: decision.voters }, 'bootstrap_expect reached: bootstrapping the cluster');
        await this.deps.startRaft(decision.voters, 'bootstrap_expect');
        return false;
      case 'join-existing':
        await this.deps.startRaft([], decision.reason);
        return false;
      case 'done':
        return false;
    }
  }
}
