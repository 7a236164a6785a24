// retry_join (Consul agent/retry_join.go): joins the LAN pool through the configured addresses, retrying every
// retry_interval (with jitter from lib/backoff so a rebooted rack does not retry in lockstep) until one answers
// or retry_max attempts have failed (0 = forever). Runs in the background: the agent serves while it retries.

import { backoffDelayMs } from '../../lib/backoff.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';

export interface RetryJoinComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly join: (addresses: readonly string[]) => Promise<number>;
  /** Called when retry_max attempts all failed (Consul then shuts the agent down). */
  readonly onGiveUp: (error: Error) => void;
}

export interface RetryJoinConfig {
  readonly addresses: readonly string[];
  readonly retryIntervalMs: number;
  /** 0: forever. */
  readonly retryMax: number;
}

export class RetryJoin implements Startable {
  private readonly lifecycle = new LifecycleState();
  private timer: Timer | null = null;
  private attempt = 0;
  private joined = false;

  constructor(
    private readonly components: RetryJoinComponents,
    private readonly config: RetryJoinConfig,
  ) {}

  get hasJoined(): boolean {
    return this.joined;
  }

  start(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.start(async () => {
      if (this.config.addresses.length === 0) return;
      this.components.log.info({ addresses: this.config.addresses }, 'Retry join is supported for: static addresses');
      this.arm(0);
    });
  }

  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.timer?.cancel();
    });
  }

  private arm(delayMs: number): void {
    this.timer = this.components.clock.setTimer(delayMs, () => {
      this.timer = null;
      void this.tryOnce();
    });
  }

  private async tryOnce(): Promise<void> {
    if (!this.lifecycle.isRunning()) return;
    this.attempt++;
    this.components.log.info({ attempt: this.attempt }, 'Joining cluster...');
    try {
      const count = await this.components.join(this.config.addresses);
      this.joined = true;
      this.components.log.info({ count }, `Join cluster completed. Synced with ${count} initial agents`);
      return;
    } catch (error) {
      if (!this.lifecycle.isRunning()) return;
      const message = error instanceof Error ? error.message : String(error);
      if (this.config.retryMax > 0 && this.attempt >= this.config.retryMax) {
        this.components.log.error({ attempts: this.attempt }, `Join cluster failed, giving up: ${message}`);
        this.components.onGiveUp(new Error(`agent: max join retry exhausted (${message})`));
        return;
      }
      // retry_interval, plus up to a quarter of it as jitter.
      const jitterMs = backoffDelayMs(
        { baseDelayMs: this.config.retryIntervalMs / 4, delayMsMax: this.config.retryIntervalMs / 4 },
        0,
        this.components.rand,
      );
      this.components.log.warn({ attempt: this.attempt }, `Join cluster failed, will retry: ${message}`);
      this.arm(this.config.retryIntervalMs + jitterMs);
    }
  }
}
