// The leader's autopilot pass: gather each Raft member's own figures (Status.RaftStats over RPC) and gossip
// status, assess health (server/autopilot.ts), promote a stable non-voter, remove dead servers. Also answers
// Operator.AutopilotServerHealth and Operator.AutopilotState from a fresh assessment.

import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { RaftNode } from '../raft/node.js';
import {
  type AutopilotConfig,
  assessServers,
  autopilotActions,
  autopilotReply,
  autopilotStateReply,
  type ServerHealth,
  type ServerObservation,
} from './autopilot.js';
import type { LanPool } from './lan-pool.js';
import type { AutopilotHealthReply, RaftStatsReply } from './rpc/methods.js';
import type { AutopilotStateReply } from './rpc/reply-types.js';

export interface AutopilotRunnerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly gossip: LanPool;
  /** The configuration in force now (it may change through the API between passes). */
  config(): AutopilotConfig;
  readonly localId: string;
  raft(): RaftNode;
  stats(id: string, address: string, signal: AbortSignal): Promise<RaftStatsReply | null>;
}

export class AutopilotRunner {
  private previous = new Map<string, ServerHealth>();

  constructor(private readonly deps: AutopilotRunnerDeps) {}

  private async observe(signal: AbortSignal): Promise<{
    observations: Map<string, ServerObservation>;
    health: ServerHealth[];
    versions: Map<string, string>;
  }> {
    const raft = this.deps.raft();
    const configuration = raft.configuration();
    const stats = raft.stats();
    const members = new Map(this.deps.gossip.members().map((member) => [member.tags['id'] ?? member.name, member]));
    const ids = [...configuration.voters, ...configuration.nonvoters];
    const answers = await Promise.all(ids.map((id) => this.deps.stats(id, configuration.addresses[id] ?? '', signal)));
    const observations = new Map<string, ServerObservation>();
    const versions = new Map<string, string>();
    ids.forEach((id, position) => {
      const member = members.get(id);
      // Consul's metadata.Build: the serf `build` tag is "<version>:<revision>".
      versions.set(id, (member?.tags['build'] ?? '').split(':')[0] ?? '');
      observations.set(id, {
        id,
        name: member?.name ?? '',
        address: configuration.addresses[id] ?? '',
        voter: configuration.voters.includes(id),
        leader: id === this.deps.localId,
        serfStatus: member?.status ?? 'none',
        serfStatusSinceMs: member?.statusChangeMs ?? 0,
        stats: answers[position] ?? null,
      });
    });
    const health = assessServers(
      [...observations.values()],
      { term: stats.term, lastIndex: stats.lastIndex },
      this.previous,
      this.deps.config(),
      this.deps.clock.nowMs(),
    );
    this.previous = new Map(health.map((server) => [server.id, server]));
    return { observations, health, versions };
  }

  /** One pass on the leader: assess, then at most one promotion and the allowed removals. */
  async pass(signal: AbortSignal): Promise<void> {
    const { observations, health } = await this.observe(signal);
    const actions = autopilotActions(health, observations, this.deps.config(), this.deps.clock.nowMs());
    const raft = this.deps.raft();
    for (const id of actions.remove) {
      this.deps.log.info({ server: id }, 'autopilot: removing a dead server from Raft');
      await raft.removeServer(id, { signal });
    }
    for (const id of actions.promote) {
      const address = observations.get(id)?.address ?? '';
      this.deps.log.info({ server: id }, 'autopilot: promoting a stable non-voter to voter');
      await raft.addVoter(id, address, { signal });
    }
  }

  async healthReply(signal: AbortSignal): Promise<AutopilotHealthReply> {
    const { health } = await this.observe(signal);
    const { clock } = this.deps;
    return autopilotReply(health, (clockMs) => clock.wallMs() - (clock.nowMs() - clockMs));
  }

  /** `nodeMeta`: the server's catalog node meta by node ID (null when it has not registered yet). */
  async stateReply(
    signal: AbortSignal,
    nodeMeta: (id: string) => Readonly<Record<string, string>> | null,
  ): Promise<AutopilotStateReply> {
    const { health, versions } = await this.observe(signal);
    const { clock } = this.deps;
    return autopilotStateReply(
      health,
      (id) => ({ version: versions.get(id) ?? '', meta: nodeMeta(id) }),
      (clockMs) => clock.wallMs() - (clock.nowMs() - clockMs),
    );
  }
}
