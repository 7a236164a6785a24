// The size of V8's young generation (new space) in an agent process. V8 doubles new space whenever enough has
// survived scavenges since it last grew, up to 2 × 16 MiB on 64-bit. Loading an agent's modules makes a lot of
// long-lived objects at once, so every agent used to leave start-up with 32 MiB of new space of which ~2 MiB was in
// use (25 of an idle client agent's 116 MiB resident). Setting V8's semi-space growth factor to 1 holds new space
// at its initial size; restoring V8's default (2) lets it grow as before.
//
// `lattice agent` holds it from the start. A server releases it as soon as its configuration says so (its hot paths
// keep V8's sizing). A client agent keeps it held while it is quiet, and once started releases it for good when it
// allocates fast for long enough that a small new space would cost throughput: held at 1 MiB, a client under wrk
// answered ~30 % fewer HTTP requests per second (scripts/measure-agent-rss.mjs with LOAD_S), while an idle client
// scavenges a few times a minute (node --trace-gc). Measured with Node 20 (V8 11.3); the flag is read at every
// new-space growth.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';

/** V8's default growth factor: new space doubles at each growth. */
const growthFactorDefault = 2;

/** Keeps new space at its current size (V8 grows it by a factor of 1). */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Lets V8 grow new space again as it does by default. */
export function releaseYoungGeneration(): void {
  setFlagsFromString(`--semi-space-growth-factor=${growthFactorDefault}`);
}

export interface ScavengeRateLimit {
  /** Scavenges (minor GCs) within `windowMs` that count as busy. */
  readonly scavengesMax: number;
  readonly windowMs: number;
}

/**
 * At a 1 MiB new space a scavenge happens per MiB allocated: 60 within 3 s is 20 MiB/s kept up for seconds, a client
 * answering thousands of requests or relaying proxy traffic, never gossip and anti-entropy alone (a join or a full
 * sync is a shorter burst).
 */
export const busyScavengeRate: ScavengeRateLimit = Object.freeze({ scavengesMax: 60, windowMs: 3_000 });

/** Counts scavenges in a sliding window; pure, so the threshold is tested without a real heap. */
export class ScavengeRate {
  private readonly times: number[] = [];

  constructor(private readonly limit: ScavengeRateLimit = busyScavengeRate) {}

  /** Records one scavenge at `atMs`; true once `scavengesMax` of them fall within one window. */
  record(atMs: number): boolean {
    this.times.push(atMs);
    while (this.times.length > 0 && (this.times[0] as number) <= atMs - this.limit.windowMs) this.times.shift();
    return this.times.length >= this.limit.scavengesMax;
  }
}

/**
 * Watches scavenges and releases the young generation once they come at a busy rate; returns a function that stops
 * watching. The observer holds no handle, so it never keeps the process alive.
 */
export function releaseYoungGenerationWhenBusy(
  onRelease: () => void = () => undefined,
  limit: ScavengeRateLimit = busyScavengeRate,
): () => void {
  const rate = new ScavengeRate(limit);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind !== constants.NODE_PERFORMANCE_GC_MINOR || !rate.record(entry.startTime)) continue;
      observer.disconnect();
      releaseYoungGeneration();
      onRelease();
      return;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
