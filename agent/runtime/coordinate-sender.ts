// Sends this node's LAN Vivaldi coordinate to the servers (Consul agent.sendCoordinate): at most every 15 s,
// staggered, and only once the coordinate is usable; failures are logged and the next round tries again.

import { type Coordinate, coordinateToJson } from '../../gossip/vivaldi/coordinate.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { RpcClient } from '../../server/rpc/methods.js';

/** Consul's sync_coordinate_interval_min: 15 s between updates from one agent. */
export const coordinateUpdateIntervalMs = 15_000;

export interface CoordinateSenderComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly coordinate: () => Coordinate | null;
  readonly rpc: () => RpcClient | null;
}

export class CoordinateSender implements Startable {
  private readonly lifecycle = new LifecycleState();
  private timer: Timer | null = null;

  constructor(
    private readonly components: CoordinateSenderComponents,
    private readonly config: { readonly nodeName: string; readonly datacenter: string },
  ) {}

  start(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.start(async () => this.arm());
  }

  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(async () => this.timer?.cancel());
  }

  private arm(): void {
    // The interval plus up to half of it again, so agents started together spread out.
    const delayMs = coordinateUpdateIntervalMs * (1 + this.components.rand.float() / 2);
    this.timer = this.components.clock.setTimer(delayMs, () => {
      this.timer = null;
      void this.send().finally(() => {
        if (this.lifecycle.isRunning()) this.arm();
      });
    });
  }

  private async send(): Promise<void> {
    const coordinate = this.components.coordinate();
    const rpc = this.components.rpc();
    if (coordinate === null || rpc === null) return;
    const json = coordinateToJson(coordinate);
    try {
      await rpc.call(
        'Coordinate.Update',
        { Node: this.config.nodeName, Segment: '', Coord: json },
        { context: { datacenter: this.config.datacenter, token: '' } },
      );
    } catch (error) {
      this.components.log.debug({ err: error }, 'coordinate update failed');
    }
  }
}
