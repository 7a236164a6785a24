// The LAN → WAN join flooder of a server (Consul agent/consul/flood.go): whenever a server joins the LAN pool, and
// once a minute besides, it joins every server of this datacenter that the WAN pool lacks (server/wan-flood.ts
// decides which, and at which address). So a datacenter's servers need only one of them joined to another
// datacenter, and a server added later shows up in every datacenter's WAN view without a `join -wan` of its own.

import type { SerfMember } from '../../gossip/serf/members.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { readServerTags } from '../../server/bootstrap.js';
import { type FloodJoin, planFloodJoins } from '../../server/wan-flood.js';

/** Consul's SerfFloodInterval default: the periodic flood that catches what an event missed (a failed join). */
export const serfFloodIntervalMs = 60_000;

/** The LAN pool as the flooder reads it. */
export interface FloodLanSource {
  members(): readonly SerfMember[];
  /** Subscribes to LAN member joins; returns the unsubscribe function. */
  onMemberJoin(listener: (member: SerfMember) => void): () => void;
}

/** The WAN pool as the flooder reads and joins it. */
export interface FloodWanTarget {
  members(): readonly SerfMember[];
  /** Joins through the addresses; resolves with how many answered, rejects when none did. */
  join(addresses: readonly string[]): Promise<number>;
}

export interface WanFlooderComponents {
  readonly clock: Clock;
  readonly log: Logger;
  readonly lan: FloodLanSource;
  readonly wan: FloodWanTarget;
}

export interface WanFlooderConfig {
  readonly datacenter: string;
  readonly intervalMs?: number;
}

export class WanFlooder implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly intervalMs: number;
  private timer: Timer | null = null;
  private unsubscribe: (() => void) | null = null;
  /** The flood in progress; a notice during it asks for one more pass after it (nothing is lost, nothing piles up). */
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly components: WanFlooderComponents,
    private readonly config: WanFlooderConfig,
  ) {
    this.intervalMs = config.intervalMs ?? serfFloodIntervalMs;
  }

  async start(_options?: AbortOptions): Promise<void> {
    await this.lifecycle.start(async () => {
      // Consul's lanNodeJoin kicks the flooders for servers only: a client joining changes nothing to flood.
      this.unsubscribe = this.components.lan.onMemberJoin((member) => {
        if (readServerTags(member) !== null) void this.notify();
      });
      this.arm();
    });
    // LAN members may have joined before the WAN pool started (start_join, a snapshot rejoin): flood once now.
    void this.notify();
  }

  /** Stops flooding; joins already sent finish or fail with the WAN pool, which the owner stops next. */
  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.unsubscribe?.();
      this.unsubscribe = null;
      this.timer?.cancel();
      this.timer = null;
      this.again = false;
    });
  }

  /** Asks for a flood soon (Consul FloodNotify); resolves when the pass it caused, or joined, is over. */
  notify(): Promise<void> {
    if (!this.lifecycle.isRunning()) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.floodWhileAsked().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves once no pass is running (the start's own pass included). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async floodWhileAsked(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.floodOnce();
      } catch (error) {
        // A pool stopped under the pass; the next notice or tick tries again.
        this.components.log.warn({ err: error }, 'flood-join pass failed');
      }
    } while (this.again && this.lifecycle.isRunning());
  }

  private async floodOnce(): Promise<void> {
    const { lan, wan, log } = this.components;
    const plan = planFloodJoins(lan.members(), wan.members(), this.config.datacenter);
    for (const skip of plan.skipped)
      log.debug({ server: skip.node, error: skip.reason }, 'Failed to flood-join server');
    await Promise.all(plan.joins.map((join) => this.floodJoin(join)));
  }

  private async floodJoin(join: FloodJoin): Promise<void> {
    const { wan, log } = this.components;
    try {
      const count = await wan.join([join.address]);
      if (!this.lifecycle.isRunning()) return;
      if (count > 0)
        log.debug(
          { server: join.wanName, address: join.address },
          'Successfully performed flood-join for server at address',
        );
    } catch (error) {
      if (!this.lifecycle.isRunning()) return;
      log.debug(
        { server: join.wanName, address: join.address, error: error instanceof Error ? error.message : String(error) },
        'Failed to flood-join server at address',
      );
    }
  }

  private arm(): void {
    this.timer = this.components.clock.setTimer(this.intervalMs, () => {
      this.timer = null;
      if (!this.lifecycle.isRunning()) return;
      this.arm();
      void this.notify();
    });
  }
}
