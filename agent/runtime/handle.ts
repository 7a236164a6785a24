// What the /v1/agent/* routes and the keyring route need from the running agent, as one interface, so routes are
// tested with fastify inject against a small fake and the Agent stays the only owner of the subsystems.

import type { KeyManager } from '../../gossip/key-manager.js';
import type { SerfMember } from '../../gossip/serf/members.js';
import type { CoordinateJson } from '../../gossip/vivaldi/coordinate.js';
import type { Clock } from '../../lib/clock.js';
import type { CheckRunner } from '../checks/runner.js';
import type { Registrar } from '../local/registrar.js';
import type { LocalState } from '../local/state.js';
import type { StatsSections } from './control-plane-stats.js';
import type { LogSource } from './log-fanout.js';
import type { AgentMetrics } from './metrics.js';

export interface AgentHandle {
  readonly state: LocalState;
  readonly registrar: Registrar;
  readonly checks: Pick<CheckRunner, 'updateTtl'>;
  readonly metrics: AgentMetrics;
  /** The agent's clock, for waits such as hash blocking. */
  readonly clock: Clock;
  /** LAN members, this node included; empty before gossip runs. */
  members(): readonly SerfMember[];
  /** This node's LAN coordinate, or null when coordinates are off or gossip is down. */
  coordinate(): CoordinateJson | null;
  join(address: string): Promise<number>;
  /**
   * Force-leave: spreads a leave intent for a LAN member, which members holding it failed turn into left (with
   * `prune`, they forget it). Throws when `node` is not a member.
   */
  forceLeave(node: string, options: { readonly prune: boolean }): Promise<void>;
  /** Graceful leave, then the agent shuts down (the process exits). */
  leave(): Promise<void>;
  /** Re-reads config files: services, checks (and what else can change without a restart). */
  reload(): Promise<void>;
  keyManager(): KeyManager | null;
  /** WAN members ("<node>.<dc>"), this server included; empty on a client agent or before the pool runs. */
  wanMembers(): readonly SerfMember[];
  /** Joins the WAN pool; rejects with Consul's "Must be a server to join WAN cluster" on a client agent. */
  joinWan(address: string): Promise<number>;
  /** Force-leave in the WAN pool (by WAN name); throws on a client agent or for a name that is not a member. */
  forceLeaveWan(node: string, options: { readonly prune: boolean }): Promise<void>;
  /** The WAN pool's key manager; null on a client agent or when the pool is not running. */
  wanKeyManager(): KeyManager | null;
  /** The agent's log lines as they are written, for /v1/agent/monitor; null when logs are not teed. */
  logs(): LogSource | null;
  /** Stats' `consul` and `raft` sections from the server runtime or the client's server manager; {} before it runs. */
  controlPlaneStats?(): StatsSections;
  /** enable_script_checks, or enable_local_script_checks for a request from this host. */
  scriptChecksAllowed(remoteAddress: string): boolean;
}
