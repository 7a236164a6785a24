// The simulated network's fault model: per-packet latency drawn from a distribution, random loss, and partitions
// into groups that cannot reach each other; every draw comes from the simulation's seeded Rand.

import type { Rand } from '../../lib/rand.js';

export interface NetworkOptions {
  /** Smallest one-way delay. */
  readonly latencyMsMin: number;
  /** Mean of the exponential jitter added on top of the minimum. */
  readonly latencyMsJitterMean: number;
  /** Cap on one-way delay, so a draw from the tail cannot stall a packet for minutes. */
  readonly latencyMsMax: number;
  /** Probability that a datagram is lost (streams are reliable, as TCP is). */
  readonly lossRate: number;
}

export const defaultNetworkOptions: NetworkOptions = Object.freeze({
  latencyMsMin: 0.5, // two hosts on one switch
  latencyMsJitterMean: 2, // queueing and scheduling noise inside a datacenter
  latencyMsMax: 100, // a very slow path
  lossRate: 0,
});

export class SimNetwork {
  /** Partition group per node; nodes in different groups cannot reach each other. */
  private groups: Int32Array;
  private partitioned = false;

  constructor(
    readonly options: NetworkOptions,
    private readonly rand: Rand,
    nodeCount: number,
  ) {
    this.groups = new Int32Array(nodeCount);
  }

  /** One-way delay for a message sent now. */
  latencyMs(): number {
    const { latencyMsMin, latencyMsJitterMean, latencyMsMax } = this.options;
    const jitter = -Math.log(1 - this.rand.float()) * latencyMsJitterMean;
    return Math.min(latencyMsMax, latencyMsMin + jitter);
  }

  /** Whether a datagram is lost (loss only; reachability is `reachable`). */
  drops(): boolean {
    return this.options.lossRate > 0 && this.rand.float() < this.options.lossRate;
  }

  reachable(source: number, target: number): boolean {
    return !this.partitioned || this.groups[source] === this.groups[target];
  }

  /** Splits the nodes: `groupOf(node)` names each node's side. */
  partition(groupOf: (node: number) => number): void {
    for (let node = 0; node < this.groups.length; node++) this.groups[node] = groupOf(node);
    this.partitioned = true;
  }

  heal(): void {
    this.partitioned = false;
  }
}
