// Serf settings with Consul's values (reference §3.3): reaping, reconnecting, event and query limits, buffers.

import { ValidationError } from '../../lib/errors.js';

export interface SerfConfig {
  readonly nodeName: string;
  /** Member tags gossiped with this node (role, dc, port, build, segment, ...). */
  readonly tags: Readonly<Record<string, string>>;
  /** How often failed members are retried (Consul 30 s). */
  readonly reconnectIntervalMs: number;
  /** A failed member is forgotten after this (Consul 72 h, minimum 8 h). */
  readonly reconnectTimeoutMs: number;
  /** A left member is forgotten after this (24 h). */
  readonly tombstoneTimeoutMs: number;
  /** How often the reaper runs (15 s). */
  readonly reapIntervalMs: number;
  /** Whole encoded user event, name and payload included (512 B). */
  readonly userEventSizeBytesMax: number;
  /** Query and query-response payload limits (1024 B). */
  readonly querySizeBytesMax: number;
  readonly queryResponseSizeBytesMax: number;
  /** Default query timeout = gossipInterval × this × ceil(log10(n + 1)). */
  readonly queryTimeoutMultiplier: number;
  /** Lamport times of user events remembered for de-duplication (serf EventBuffer 64). */
  readonly eventBufferSize: number;
  /** Lamport times of queries remembered for de-duplication (serf QueryBuffer 64). */
  readonly queryBufferSize: number;
  /** Queries this node waits on at once; more are refused. */
  readonly pendingQueryCountMax: number;
  /** Coalesce user events with the coalesce flag: hold until quiet this long ... */
  readonly userEventQuiescentMs: number;
  /** ... or at most this long. */
  readonly userEventCoalesceMs: number;
  /** Copy of the core's gossip interval, for query timeouts. */
  readonly gossipIntervalMs: number;
}

export const serfDefaults = Object.freeze({
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 72 * 3_600_000,
  tombstoneTimeoutMs: 24 * 3_600_000,
  reapIntervalMs: 15_000,
  userEventSizeBytesMax: 512,
  querySizeBytesMax: 1_024,
  queryResponseSizeBytesMax: 1_024,
  queryTimeoutMultiplier: 16,
  eventBufferSize: 64,
  queryBufferSize: 64,
  pendingQueryCountMax: 1_024,
  userEventQuiescentMs: 1_000,
  userEventCoalesceMs: 3_000,
  gossipIntervalMs: 200,
});

export const reconnectTimeoutMsMin = 8 * 3_600_000;

export function validateSerfConfig(
  init: Partial<SerfConfig> & { nodeName: string },
  options: { allowShortReconnectTimeout?: boolean } = {},
): SerfConfig {
  const config: SerfConfig = { tags: {}, ...serfDefaults, ...init };
  const problems: string[] = [];
  if (config.nodeName === '' || Buffer.byteLength(config.nodeName) > 255) {
    problems.push('node name must be 1 to 255 bytes');
  }
  for (const [name, value] of Object.entries(config)) {
    if (name.endsWith('Ms') && !(Number.isFinite(value) && (value as number) > 0)) {
      problems.push(`${name} must be a positive number of milliseconds, got ${value}`);
    }
  }
  if (!options.allowShortReconnectTimeout && config.reconnectTimeoutMs < reconnectTimeoutMsMin) {
    problems.push('reconnect_timeout must be at least 8h');
  }
  if (config.userEventQuiescentMs > config.userEventCoalesceMs) {
    problems.push('userEventQuiescentMs must not exceed userEventCoalesceMs');
  }
  if (problems.length > 0) throw new ValidationError(`invalid serf config: ${problems.join('; ')}`);
  return Object.freeze({ ...config, tags: Object.freeze({ ...config.tags }) });
}

/** serf's DefaultQueryTimeout: gossipInterval × queryTimeoutMultiplier × ceil(log10(n + 1)). */
export function defaultQueryTimeoutMs(config: SerfConfig, memberCount: number): number {
  const scale = Math.ceil(Math.log10(Math.max(1, memberCount) + 1));
  return config.gossipIntervalMs * config.queryTimeoutMultiplier * scale;
}
