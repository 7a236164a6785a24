// KV tombstone reaping on the leader (Consul's TombstoneGC, tombstone_ttl 15 min with 30 s granularity):
// tombstones keep a prefix's index from sliding back after a delete, long enough for blocking watchers to see
// it, then are reaped through Raft. Every granularity tick the leader samples the store's latest index; a
// tombstone at or below the index sampled one TTL ago is old enough to go.

import type { Clock, Timer } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { type Command, kvCommand } from '../fsm/commands.js';
import type { StateStore } from '../state/store.js';
import { tombstonesSchema } from '../state/tables/kv.js';

/** Consul's tombstone_ttl and tombstone_ttl_granularity defaults. */
export const tombstoneTtlMsDefault = 15 * 60_000;
export const tombstoneGranularityMsDefault = 30_000;

export interface TombstoneGcDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: StateStore;
  apply(command: Command, signal: AbortSignal): Promise<unknown>;
  readonly ttlMs?: number;
  readonly granularityMs?: number;
}

export class TombstoneGc {
  private timer: Timer | null = null;
  private controller: AbortController | null = null;
  /** (time, latest index) samples, oldest first; bounded by ttl / granularity + 1. */
  private samples: { readonly atMs: number; readonly index: number }[] = [];

  constructor(private readonly deps: TombstoneGcDeps) {}

  start(): void {
    if (this.controller !== null) return;
    this.controller = new AbortController();
    this.samples = [];
    this.tick();
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.timer?.cancel();
    this.timer = null;
  }

  private tick(): void {
    const controller = this.controller;
    if (controller === null) return;
    const { clock, store } = this.deps;
    const ttlMs = this.deps.ttlMs ?? tombstoneTtlMsDefault;
    const nowMs = clock.nowMs();
    this.samples.push({ atMs: nowMs, index: store.latestIndex() });
    let reapIndex = 0;
    while (this.samples.length > 0 && nowMs - (this.samples[0] as { atMs: number }).atMs >= ttlMs)
      reapIndex = (this.samples.shift() as { index: number }).index;
    if (
      reapIndex > 0 &&
      store
        .table(tombstonesSchema)
        .all()
        .some((stone) => stone.Index <= reapIndex)
    ) {
      this.deps
        .apply(kvCommand({ Op: 'reap-tombstones', ReapIndex: reapIndex }), controller.signal)
        .catch((error: unknown) => {
          if (!controller.signal.aborted) this.deps.log.warn({ err: error }, 'tombstone reap failed');
        });
    }
    this.timer = clock.setTimer(this.deps.granularityMs ?? tombstoneGranularityMsDefault, () => this.tick());
  }
}
