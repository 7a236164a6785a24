// Builds GossipDriver instances for tests: fast gossip timing (the DEV preset), short Serf intervals, an optional
// data dir and key, real sockets on a given loopback address or an injected transport.

import { type Clock, RealClock } from '../../lib/clock.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { DEV, type GossipConfig, validateGossipConfig } from '../core/index.js';
import { GossipDriver, type GossipDriverConfig } from '../driver.js';
import type { LookupHost } from '../join-addresses.js';
import { type SerfConfig, validateSerfConfig } from '../serf/config.js';
import type { GossipTransport } from '../transport/transport.js';
import { validateVivaldiConfig } from '../vivaldi/config.js';

export interface DriverFixtureOptions {
  readonly name: string;
  readonly bindAddress?: string;
  readonly bindPort?: number;
  readonly dataDir?: string | null;
  readonly encrypt?: string;
  readonly seed?: number;
  readonly transport?: GossipTransport;
  readonly gossip?: Partial<GossipConfig>;
  readonly serf?: Partial<SerfConfig>;
  readonly tags?: Record<string, string>;
  readonly log?: Logger;
  readonly encryptVerifyIncoming?: boolean;
  readonly encryptVerifyOutgoing?: boolean;
  readonly clock?: Clock;
  /** How join host names resolve (default: the system resolver with real sockets, none with a transport). */
  readonly lookupHost?: LookupHost;
}

export function createTestDriver(options: DriverFixtureOptions): GossipDriver {
  const config: GossipDriverConfig = {
    serf: validateSerfConfig(
      {
        nodeName: options.name,
        tags: options.tags ?? { role: 'node', dc: 'dc1' },
        gossipIntervalMs: DEV.gossipIntervalMs,
        reapIntervalMs: 1_000,
        reconnectIntervalMs: 2_000,
        // Queries (keyring operations) get 4x serf's deadline: test machines have 2 cores shared with other test
        // processes, and a node answering late is not what these tests are about (the formula is tested in
        // serf/pieces.test.ts).
        queryTimeoutMultiplier: 64,
        ...options.serf,
      },
      { allowShortReconnectTimeout: true },
    ),
    gossip: validateGossipConfig({ pushPullIntervalMs: 5_000, streamTimeoutMs: 2_000, ...options.gossip }, DEV),
    vivaldi: validateVivaldiConfig(),
    bindAddress: options.bindAddress ?? '127.0.0.1',
    bindPort: options.bindPort ?? 0,
    dataDir: options.dataDir ?? null,
    encryptVerifyIncoming: options.encryptVerifyIncoming ?? true,
    encryptVerifyOutgoing: options.encryptVerifyOutgoing ?? true,
    label: '',
    rejoinAfterRestart: true,
    leaveTimeoutMs: 5_000,
    ...(options.encrypt === undefined ? {} : { encrypt: options.encrypt }),
  };
  return new GossipDriver(
    {
      clock: options.clock ?? new RealClock(),
      rand: new SeededRand(options.seed ?? 1),
      log: options.log ?? silentLogger(),
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.lookupHost ? { lookupHost: options.lookupHost } : {}),
    },
    config,
  );
}
