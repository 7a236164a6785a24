// The simulated network's fault model: per-seed odds of loss, duplication and delay spread (which reorders),
// plus partitions as a set of blocked directed links (symmetric splits and one-way cuts).

import type { SeededRand } from '../../lib/rand.js';
import type { NodeId } from '../../raft/core/types.js';

export interface NetworkFaults {
  readonly lossOdds: number;
  readonly duplicateOdds: number;
  readonly delayMsMin: number;
  /** Spread added on top of the minimum; large spreads reorder messages. */
  readonly delayMsSpread: number;
  /** Odds that one message takes far longer (a long tail). */
  readonly slowOdds: number;
}

export const calmNetwork: NetworkFaults = Object.freeze({
  lossOdds: 0,
  duplicateOdds: 0,
  delayMsMin: 1,
  delayMsSpread: 4,
  slowOdds: 0,
});

export function drawNetworkFaults(rand: SeededRand): NetworkFaults {
  return {
    lossOdds: rand.float() * 0.15,
    duplicateOdds: rand.float() * 0.05,
    delayMsMin: 1 + rand.intBelow(5),
    delayMsSpread: rand.intBelow(40),
    slowOdds: rand.float() * 0.02,
  };
}

export class SimNetwork {
  private readonly blocked = new Set<string>();
  faults: NetworkFaults;

  constructor(
    private readonly rand: SeededRand,
    faults: NetworkFaults,
  ) {
    this.faults = faults;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Splits the nodes into two groups that cannot reach each other. */
  splitSymmetric(groupA: readonly NodeId[], groupB: readonly NodeId[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  get blockedLinkCount(): number {
    return this.blocked.size;
  }

  /** The delivery delays for one message: [] when lost, two entries when duplicated. */
  deliveryDelaysMs(): number[] {
    const faults = this.faults;
    if (this.rand.float() < faults.lossOdds) return [];
    const delay = () => {
      const base = faults.delayMsMin + this.rand.intBelow(faults.delayMsSpread + 1);
      return this.rand.float() < faults.slowOdds ? base + 50 + this.rand.intBelow(300) : base;
    };
    const delays = [delay()];
    if (this.rand.float() < faults.duplicateOdds) delays.push(delay());
    return delays;
  }
}
