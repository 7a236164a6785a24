// Fault injection for the Raft simulator: per-tick odds drawn from the seed for crashes, restarts, partitions
// (symmetric splits, an isolated leader, one-way cuts), membership changes and leadership transfers.

import type { SeededRand } from '../../lib/rand.js';
import type { ConfChange, NodeId } from '../../raft/core/types.js';
import type { Simulation } from './simulator.js';

/** Fault odds for one run, drawn from the seed (per nominal tick). */
export interface FaultOdds {
  readonly crash: number;
  readonly restart: number;
  readonly partition: number;
  readonly heal: number;
  readonly membershipChange: number;
  readonly transfer: number;
  /** Odds of crashing a node right after it changed its vote or term: where lost unsynced state bites. */
  readonly crashAfterVote: number;
  /**
   * Longest simulated fsync of a Ready that must sync, in ms, per node position (0: instant). Some disks are
   * slower than a round trip to a follower and its write, which is when a leader's early appends matter.
   */
  readonly diskWriteMsMax: readonly number[];
  /** Odds of crashing a leader while its write of entries it already sent is in flight. */
  readonly crashWhileWriting: number;
  readonly snapshotThreshold: number;
  readonly trailingEntries: number;
}

export function drawFaultOdds(rand: SeededRand, faultsOn: boolean): FaultOdds {
  return {
    crash: faultsOn ? rand.float() * 0.01 : 0,
    restart: 0.02 + rand.float() * 0.05,
    partition: faultsOn ? rand.float() * 0.01 : 0,
    heal: 0.003 + rand.float() * 0.03,
    membershipChange: rand.float() * 0.01,
    transfer: rand.float() * 0.005,
    crashAfterVote: faultsOn ? rand.float() * 0.2 : 0,
    snapshotThreshold: 8 + rand.intBelow(40),
    trailingEntries: 1 + rand.intBelow(16),
    diskWriteMsMax: Array.from({ length: 15 }, () => {
      const kind = rand.float();
      return kind < 0.2 ? 0 : kind < 0.6 ? 1 + rand.intBelow(8) : 1 + rand.intBelow(20);
    }),
    crashWhileWriting: faultsOn ? rand.float() * 0.2 : 0,
  };
}

/** One nominal tick's worth of chaos. */
export function injectFaults(sim: Simulation): void {
  const alive = [...sim.nodes.values()].filter((node) => node.raft !== null);
  const down = [...sim.nodes.values()].filter((node) => node.raft === null);
  if (alive.length > 1 && sim.rand.float() < sim.odds.crash) {
    // Crash the leader half the time: that is where the interesting bugs are.
    const leader = alive.find((node) => node.raft?.role === 'leader');
    const victim = leader && sim.rand.float() < 0.5 ? leader : alive[sim.rand.intBelow(alive.length)]!;
    sim.crash(victim);
  }
  if (down.length > 0 && sim.rand.float() < sim.odds.restart) {
    const node = down[sim.rand.intBelow(down.length)]!;
    sim.faultStats.restarts++;
    sim.start(node);
  }
  if (sim.rand.float() < sim.odds.partition) partition(sim);
  if (sim.rand.float() < sim.odds.membershipChange) changeMembership(sim);
  if (sim.rand.float() < sim.odds.transfer) transferLeadership(sim);
  if (sim.network.blockedLinkCount > 0 && sim.rand.float() < sim.odds.heal) {
    sim.network.heal();
    sim.faultStats.heals++;
  }
}

function partition(sim: Simulation): void {
  sim.network.heal();
  const ids = [...sim.nodes.keys()];
  const kind = sim.rand.intBelow(3);
  if (kind === 2) {
    // One-way cuts: a few directed links that drop everything one way only.
    const cuts = 1 + sim.rand.intBelow(ids.length);
    for (let count = 0; count < cuts; count++) {
      const from = ids[sim.rand.intBelow(ids.length)]!;
      const to = ids[sim.rand.intBelow(ids.length)]!;
      if (from !== to) sim.network.block(from, to);
    }
    sim.faultStats.oneWayCuts++;
    return;
  }
  let groupA: NodeId[];
  const leader = [...sim.nodes.values()].find((node) => node.raft?.role === 'leader');
  if (kind === 1 && leader) groupA = [leader.id];
  else groupA = ids.filter(() => sim.rand.float() < 0.5);
  const groupB = ids.filter((id) => !groupA.includes(id));
  sim.network.splitSymmetric(groupA, groupB);
  sim.faultStats.partitions++;
}

/**
 * One single-server change through the leader, cycling a node out and back in: add a node that is not a
 * member as a learner, promote a learner, or remove a voter (possibly the leader itself) while 3 remain.
 */
function changeMembership(sim: Simulation): void {
  const leader = sim.leader();
  if (!leader?.raft) return;
  const conf = leader.raft.status().conf;
  const outsiders = [...sim.nodes.keys()].filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
  let change: ConfChange | null = null;
  if (outsiders.length > 0) {
    const nodeId = outsiders[sim.rand.intBelow(outsiders.length)]!;
    change = { type: 'add-learner', nodeId, address: `${nodeId}:8300` };
  } else if (conf.learners.length > 0) {
    const nodeId = conf.learners[sim.rand.intBelow(conf.learners.length)]!;
    change = { type: 'add-voter', nodeId, address: `${nodeId}:8300` };
  } else if (conf.voters.length >= 3) {
    const nodeId = conf.voters[sim.rand.intBelow(conf.voters.length)]!;
    change = { type: 'remove', nodeId, address: '' };
  }
  if (change === null) return;
  const result = leader.raft.proposeConfChange(change);
  sim.membershipChanges[result.kind === 'accepted' ? 'accepted' : 'refused']++;
  sim.process(leader);
}

function transferLeadership(sim: Simulation): void {
  const leader = sim.leader();
  if (!leader?.raft) return;
  const voters = leader.raft.status().conf.voters.filter((id) => id !== leader.id);
  if (voters.length === 0) return;
  const result = leader.raft.transferLeadership(voters[sim.rand.intBelow(voters.length)]!);
  if (result === 'accepted') sim.transfersRequested++;
  sim.process(leader);
}
