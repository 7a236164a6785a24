// Gossip timing and sizing: the complete, validated GossipConfig and the LAN/WAN/LOCAL/DEV presets. Presets are
// diffs on LAN (as memberlist's config.go is), so each override list is the account of how that pool differs.

import { ValidationError } from '../../lib/errors.js';

export interface GossipConfig {
  /**
   * One probe per interval, round-robin over a shuffled member list. A probe may take the interval × (awareness score
   * + 1) before suspecting its target; one running that long delays the next.
   */
  readonly probeIntervalMs: number;
  /** Wait this long for a direct ack before asking helpers for indirect pings (not scaled by awareness). */
  readonly probeTimeoutMs: number;
  /** How many members are asked to ping-req an unresponsive target. */
  readonly indirectChecks: number;
  /** Base suspicion-timeout multiplier: min = mult × max(1, log10(n)) × probeInterval. */
  readonly suspicionMultiplier: number;
  /** Max suspicion timeout = this × min; the timer starts there and shrinks with confirmations. */
  readonly suspicionMaxTimeoutMultiplier: number;
  /** Broadcast repeat factor: each broadcast is sent retransmitMultiplier × ceil(log10(n + 1)) times. */
  readonly retransmitMultiplier: number;
  /** How often queued broadcasts are flushed to random members. */
  readonly gossipIntervalMs: number;
  /** Fan-out per gossip round. */
  readonly gossipNodes: number;
  /** Full-state sync with one random member; scaled up above 32 members. 0 turns it off. */
  readonly pushPullIntervalMs: number;
  /** Keep gossiping to members that recently died, so they learn it and can refute. */
  readonly gossipToTheDeadMs: number;
  /** Stream (TCP) connect/read deadline the driver enforces for pings and push-pull. */
  readonly streamTimeoutMs: number;
  /** Lifeguard health score runs 0..awarenessMultiplierMax − 1; the probe interval scales by score + 1. */
  readonly awarenessMultiplierMax: number;
  /** Largest packet the core builds or accepts (compound messages fill up to this). */
  readonly packetSizeBytesMax: number;
  /** A dead member's name may be reused from a new address after this. */
  readonly deadNodeReclaimMs: number;
  /** Send a ping over a stream too when the indirect stage starts (for networks that drop UDP). */
  readonly streamFallbackPing: boolean;
  /** Broadcasts held at most; beyond it the most-transmitted ones are dropped and counted. */
  readonly broadcastQueueCapacity: number;
  /** Indirect pings this node relays for others at once; more are refused and counted. */
  readonly relayCapacity: number;
  /** Members the table holds at most; alive messages about more are dropped and counted. */
  readonly memberCountMax: number;
  /** Largest push-pull stream body the core builds or accepts (inflated size, for a deflated one). */
  readonly streamSizeBytesMax: number;
  /**
   * Deflate level (1..9) of push-pull states sent in a version-2 stream envelope; 0 sends version 1 only, as nodes
   * from before the envelope do (envelopes are still read).
   */
  readonly streamCompressionLevel: number;
}

/** Consul's LAN pool: memberlist's DefaultLANConfig with Consul's dead-node reclaim time. */
export const LAN: GossipConfig = Object.freeze({
  probeIntervalMs: 1_000, // each member checks one peer per second
  probeTimeoutMs: 500, // round trips inside a datacenter stay well under this (99.9th percentile)
  indirectChecks: 3, // three helpers make a false suspicion from one lossy path unlikely
  suspicionMultiplier: 4, // scaled by log10(n): big pools wait longer before declaring death
  suspicionMaxTimeoutMultiplier: 6, // Lifeguard: start at 6 × min, shrink as others confirm
  retransmitMultiplier: 4, // with log10(n+1) rounds, an update reaches everyone with high probability
  gossipIntervalMs: 200, // five flushes a second keeps dissemination fast without much bandwidth
  gossipNodes: 3, // fan-out 3 at 5 rounds/s spreads an update through 1,000 nodes in a few seconds
  pushPullIntervalMs: 30_000, // full sync repairs what gossip missed; costly, so rare
  gossipToTheDeadMs: 30_000, // a falsely-dead node hears of it for this long and can refute
  streamTimeoutMs: 10_000, // stream round trips include a full state transfer
  awarenessMultiplierMax: 8, // a slow node stretches its probe interval up to 8×
  packetSizeBytesMax: 1_400, // fits a 1,500-byte Ethernet MTU with IP/UDP and encryption headers
  deadNodeReclaimMs: 30_000, // Consul: a replaced host may rejoin under the same name after 30 s
  streamFallbackPing: true, // a stream ping sees past UDP-only loss before suspecting
  broadcastQueueCapacity: 4_096, // Serf's MinQueueDepth: enough for a full pool's alive messages
  relayCapacity: 1_024, // indirect pings in flight for others; a flood beyond this is shed
  memberCountMax: 65_536, // far above any real pool; bounds the table against forged alive floods
  streamSizeBytesMax: 16 * 1024 * 1024, // a 65,536-member state of ~200-byte entries fits
  streamCompressionLevel: 6, // zlib's default: a state shrinks to ~1/4 in ~3 ms at 1,000 members; 9 saves ~3% more
});

/** Consul's WAN pool: servers across datacenters, slower and costlier links. */
export const WAN: GossipConfig = Object.freeze({
  ...LAN,
  probeIntervalMs: 5_000, // links between datacenters are slower and cost money
  probeTimeoutMs: 3_000, // cross-region round trips reach hundreds of milliseconds
  suspicionMultiplier: 6, // partitions between regions are common and usually heal
  gossipIntervalMs: 500, // fewer, fuller packets across the WAN
  pushPullIntervalMs: 60_000, // state changes rarely among servers
  gossipToTheDeadMs: 60_000, // matches the longer suspicion
  streamTimeoutMs: 30_000, // slow links carry the full state
});

/** memberlist's DefaultLocalConfig: loopback setups where everything is fast. */
export const LOCAL: GossipConfig = Object.freeze({
  ...LAN,
  probeTimeoutMs: 200, // loopback answers in microseconds
  indirectChecks: 1, // loss is rare on loopback
  suspicionMultiplier: 3, // fail fast in local tests
  retransmitMultiplier: 2, // loopback rarely loses a packet
  gossipIntervalMs: 100, // cheap on loopback
  pushPullIntervalMs: 15_000, // small clusters, cheap syncs
  gossipToTheDeadMs: 15_000, // matches the shorter timeouts
  streamTimeoutMs: 1_000, // loopback streams open at once
  deadNodeReclaimMs: 0, // local restarts reuse names at once
});

/** Consul's `-dev` overrides (on LAN): one machine, fast feedback. */
export const DEV: GossipConfig = Object.freeze({
  ...LAN,
  probeIntervalMs: 100, // dev agents notice changes within a second
  probeTimeoutMs: 100, // loopback round trips are far below this
  suspicionMultiplier: 3, // fail fast while developing
  gossipIntervalMs: 100, // quick propagation on one host
});

export const presets = Object.freeze({ lan: LAN, wan: WAN, local: LOCAL, dev: DEV });
export type PresetName = keyof typeof presets;

const positiveIntegerFields: readonly (keyof GossipConfig)[] = [
  'probeIntervalMs',
  'probeTimeoutMs',
  'suspicionMultiplier',
  'suspicionMaxTimeoutMultiplier',
  'retransmitMultiplier',
  'gossipIntervalMs',
  'gossipNodes',
  'streamTimeoutMs',
  'awarenessMultiplierMax',
  'packetSizeBytesMax',
  'broadcastQueueCapacity',
  'relayCapacity',
  'memberCountMax',
  'streamSizeBytesMax',
];
const nonNegativeIntegerFields: readonly (keyof GossipConfig)[] = [
  'indirectChecks',
  'streamCompressionLevel',
  'pushPullIntervalMs',
  'gossipToTheDeadMs',
  'deadNodeReclaimMs',
];

/** Lists every problem with `config` at once (each field alone, then the relations between fields). */
export function gossipConfigProblems(config: GossipConfig): string[] {
  const problems: string[] = [];
  for (const field of positiveIntegerFields) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
      problems.push(`${field} must be a positive integer, got ${String(value)}`);
  }
  for (const field of nonNegativeIntegerFields) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      problems.push(`${field} must be a non-negative integer, got ${String(value)}`);
  }
  if (typeof config.streamFallbackPing !== 'boolean') problems.push('streamFallbackPing must be a boolean');
  if (problems.length > 0) return problems;
  if (config.probeTimeoutMs > config.probeIntervalMs)
    problems.push(
      `probeTimeoutMs (${config.probeTimeoutMs}) must not exceed probeIntervalMs (${config.probeIntervalMs}): ` +
        'the indirect stage needs the rest of the interval',
    );
  if (config.suspicionMaxTimeoutMultiplier < 1)
    problems.push('suspicionMaxTimeoutMultiplier must be at least 1 (the max timeout is never below the min)');
  if (config.packetSizeBytesMax < 512 || config.packetSizeBytesMax > 65_507)
    problems.push(`packetSizeBytesMax must be within 512..65507 (a UDP datagram), got ${config.packetSizeBytesMax}`);
  if (config.awarenessMultiplierMax > 64)
    problems.push(`awarenessMultiplierMax must be at most 64, got ${config.awarenessMultiplierMax}`);
  if (config.streamCompressionLevel > 9)
    problems.push(
      `streamCompressionLevel must be within 0..9 (0: version-1 streams), got ${config.streamCompressionLevel}`,
    );
  if (config.streamSizeBytesMax < config.packetSizeBytesMax)
    problems.push('streamSizeBytesMax must be at least packetSizeBytesMax');
  return problems;
}

/** Fills `init` from a preset (LAN by default), validates, and returns a frozen config. */
export function validateGossipConfig(init: Partial<GossipConfig> = {}, base: GossipConfig = LAN): GossipConfig {
  const config: GossipConfig = { ...base, ...init };
  const problems = gossipConfigProblems(config);
  if (problems.length > 0) throw new ValidationError(`invalid gossip config: ${problems.join('; ')}`);
  return Object.freeze(config);
}
