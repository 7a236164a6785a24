// The deterministic Raft cluster simulator (TigerBeetle's VOPR in miniature): real RawNodes over simulated
// disks, network and clocks, with every fault and every client action drawn from one seed. A run has a chaos
// phase (loss, duplication, reordering, partitions, crashes that lose unsynced writes, restarts, clock drift)
// and a liveness phase (network healed, all nodes up). Safety checkers run after every step; linearizability
// of the client history is checked at the end.

import { AssertionError } from '../../lib/assert.js';
import { SeededRand } from '../../lib/rand.js';
import { type RaftConfig, raftConfig } from '../../raft/core/config.js';
import { bootstrapLog, RawNode, type Ready } from '../../raft/core/raw-node.js';
import type { ConfChange, Entry, NodeId, RaftMessage } from '../../raft/core/types.js';
import { EventQueue } from '../event-queue.js';
import {
  checkLinearizable,
  type KvInput,
  type KvOutput,
  kvModel,
  type Operation,
  type Verdict,
} from '../linearizability.js';
import { entryKey, type LogView, SafetyChecker } from './checkers.js';
import { type KvSnapshotData, SimDisk } from './disk.js';
import { decodePut, encodePut } from './kv.js';
import { calmNetwork, drawNetworkFaults, type NetworkFaults, SimNetwork } from './network.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodeCount?: number;
  /** Length of the chaos phase in nominal ticks. */
  readonly ticksMax?: number;
  /** Bound on the liveness phase in nominal ticks: a leader and a committed probe must appear within it. */
  readonly livenessTicksMax?: number;
  readonly clientCount?: number;
  readonly keyCount?: number;
  /** False runs the same workload on a calm network with no crashes or partitions. */
  readonly faults?: boolean;
  /** Called now and then with simulated progress, for a progress bar. */
  readonly onProgress?: (doneMs: number, totalMs: number) => void;
}

export type SimFailureKind = 'safety' | 'liveness' | 'linearizability' | 'crash';

export interface SimFailure {
  readonly kind: SimFailureKind;
  readonly check: string;
  readonly message: string;
  readonly atMs: number;
}

export interface SimStats {
  readonly elections: number;
  readonly maxTerm: number;
  readonly leadersPerTerm: Readonly<Record<string, NodeId>>;
  readonly commitIndexMax: number;
  readonly entriesApplied: number;
  readonly proposalsAccepted: number;
  readonly putsAcknowledged: number;
  readonly readsServed: number;
  readonly historyOperations: number;
  readonly snapshotsSaved: number;
  readonly snapshotsInstalled: number;
  readonly membershipChangesAccepted: number;
  readonly membershipChangesRefused: number;
  readonly transfersRequested: number;
  readonly leadershipTransfers: number;
  readonly stepsRun: number;
}

export interface SimFaultStats {
  readonly network: NetworkFaults;
  readonly clockRatePerNode: Readonly<Record<NodeId, number>>;
  crashes: number;
  restarts: number;
  partitions: number;
  oneWayCuts: number;
  heals: number;
  messagesSent: number;
  messagesLost: number;
  messagesDuplicated: number;
  messagesBlocked: number;
  messagesToDeadNodes: number;
  unsyncedWritesLost: number;
}

export interface SimResult {
  readonly seed: number;
  readonly nodeCount: number;
  readonly ok: boolean;
  readonly failure: SimFailure | null;
  readonly simulatedMs: number;
  readonly stats: SimStats;
  readonly faults: SimFaultStats;
  readonly linearizability: {
    verdict: Verdict | 'skipped';
    partitions: number;
    searchSteps: number;
    counterexample: readonly string[];
  };
  /** Replays this run. */
  readonly replay: string;
}

const tickMs = 10;
const opTimeoutMs = 1_000;

interface SimNode {
  readonly id: NodeId;
  readonly disk: SimDisk;
  readonly rand: SeededRand;
  readonly tickIntervalMs: number;
  raft: RawNode | null;
  incarnation: number;
  kv: Map<string, string>;
  snapshotIndex: number;
  receivedSnapshot: { index: number; data: KvSnapshotData } | null;
  wasLeader: boolean;
  sawProbe: boolean;
}

interface PendingOp {
  readonly clientId: number;
  readonly input: KvInput;
  readonly callMs: number;
  readonly nodeId: NodeId;
  readonly incarnation: number;
  readonly deadlineMs: number;
  readonly requestId: number;
  /** Puts: where the proposal landed. */
  index: number;
  term: number;
  /** Gets: the confirmed read index, once known. */
  readIndex: number | null;
}

interface SimClient {
  readonly id: number;
  leaderGuess: NodeId | null;
  pending: PendingOp | null;
}

type SimEvent =
  | { kind: 'tick'; nodeId: NodeId; incarnation: number }
  | { kind: 'deliver'; message: RaftMessage; snapshotData: KvSnapshotData | null; senderIncarnation: number }
  | { kind: 'snapshot-report'; leaderId: NodeId; incarnation: number; target: NodeId; ok: boolean }
  | { kind: 'client'; clientId: number }
  | { kind: 'client-deadline'; clientId: number; requestId: number }
  | { kind: 'fault' }
  | { kind: 'heal' }
  | { kind: 'crash'; nodeId: NodeId; incarnation: number }
  | { kind: 'restart'; nodeId: NodeId; incarnation: number }
  | { kind: 'probe' };

/** Fault odds for one run, drawn from the seed (per nominal tick). */
interface FaultOdds {
  readonly crash: number;
  readonly restart: number;
  readonly partition: number;
  readonly heal: number;
  readonly membershipChange: number;
  readonly transfer: number;
  /** Odds of crashing a node right after it changed its vote or term: where lost unsynced state bites. */
  readonly crashAfterVote: number;
  readonly snapshotThreshold: number;
  readonly trailingEntries: number;
}

export class Simulation {
  readonly rand: SeededRand;
  readonly nodeCount: number;
  readonly chaosEndMs: number;
  readonly livenessEndMs: number;
  readonly queue = new EventQueue<SimEvent>();
  readonly nodes = new Map<NodeId, SimNode>();
  readonly network: SimNetwork;
  readonly checker = new SafetyChecker();
  readonly config: RaftConfig;
  readonly odds: FaultOdds;
  readonly clients: SimClient[] = [];
  readonly keys: string[];
  readonly history: Operation<KvInput, KvOutput>[] = [];
  readonly faultStats: SimFaultStats;
  nowMs = 0;
  failure: SimFailure | null = null;
  nextRequestId = 1;
  healedAtMs: number | null = null;
  leaderAfterHealMs: number | null = null;
  probe: { nodeId: NodeId; incarnation: number; index: number; term: number } | null = null;
  probeDoneMs: number | null = null;
  steps = 0;
  membershipChanges = { accepted: 0, refused: 0 };
  transfersRequested = 0;
  counts = {
    proposalsAccepted: 0,
    putsAcknowledged: 0,
    readsServed: 0,
    entriesApplied: 0,
    snapshotsSaved: 0,
    snapshotsInstalled: 0,
  };

  constructor(readonly options: SimOptions) {
    this.rand = new SeededRand(options.seed);
    this.nodeCount = options.nodeCount ?? 5;
    const faultsOn = options.faults ?? true;
    this.chaosEndMs = (options.ticksMax ?? 600) * tickMs;
    this.livenessEndMs = this.chaosEndMs + (options.livenessTicksMax ?? 300) * tickMs;
    this.config = raftConfig({
      electionTicks: 10,
      heartbeatTicks: 1,
      messageEntriesMax: 1 + this.rand.intBelow(8),
      messageSizeBytesMax: 256 + this.rand.intBelow(2048),
      inflightMessagesMax: 1 + this.rand.intBelow(8),
      // Mostly the production settings; sometimes without, so safety never leans on them.
      preVote: this.rand.float() < 0.8,
      checkQuorum: this.rand.float() < 0.7,
    });
    const driftMax = faultsOn ? this.rand.float() * 0.3 : 0;
    this.odds = {
      crash: faultsOn ? this.rand.float() * 0.01 : 0,
      restart: 0.02 + this.rand.float() * 0.05,
      partition: faultsOn ? this.rand.float() * 0.01 : 0,
      heal: 0.01 + this.rand.float() * 0.05,
      membershipChange: this.rand.float() * 0.01,
      transfer: this.rand.float() * 0.005,
      crashAfterVote: faultsOn ? this.rand.float() * 0.2 : 0,
      snapshotThreshold: 8 + this.rand.intBelow(40),
      trailingEntries: 1 + this.rand.intBelow(16),
    };
    this.network = new SimNetwork(this.rand.fork(), faultsOn ? drawNetworkFaults(this.rand) : calmNetwork);
    const ids = Array.from({ length: this.nodeCount }, (_, position) => `n${position + 1}`);
    const bootstrap = bootstrapLog(ids.map((id) => ({ id, address: `${id}:8300` })));
    const clockRatePerNode: Record<NodeId, number> = {};
    for (const id of ids) {
      const rate = 1 + (this.rand.float() * 2 - 1) * driftMax;
      clockRatePerNode[id] = Number(rate.toFixed(3));
      const node: SimNode = {
        id,
        disk: new SimDisk(bootstrap.entries, bootstrap.hardState),
        rand: this.rand.fork(),
        tickIntervalMs: tickMs / rate,
        raft: null,
        incarnation: 0,
        kv: new Map(),
        snapshotIndex: 0,
        receivedSnapshot: null,
        wasLeader: false,
        sawProbe: false,
      };
      this.nodes.set(id, node);
      this.start(node);
    }
    this.keys = Array.from({ length: options.keyCount ?? 2 }, (_, position) => `k${position}`);
    for (let id = 0; id < (options.clientCount ?? 4); id++) {
      this.clients.push({ id, leaderGuess: null, pending: null });
      this.queue.push(this.rand.intBelow(50), { kind: 'client', clientId: id });
    }
    this.faultStats = {
      network: this.network.faults,
      clockRatePerNode,
      crashes: 0,
      restarts: 0,
      partitions: 0,
      oneWayCuts: 0,
      heals: 0,
      messagesSent: 0,
      messagesLost: 0,
      messagesDuplicated: 0,
      messagesBlocked: 0,
      messagesToDeadNodes: 0,
      unsyncedWritesLost: 0,
    };
    this.queue.push(tickMs, { kind: 'fault' });
    this.queue.push(this.chaosEndMs, { kind: 'heal' });
  }

  // ---- node lifecycle ----

  start(node: SimNode): void {
    const snapshot = node.disk.storage.snapshotMeta();
    node.raft = new RawNode({
      id: node.id,
      config: this.config,
      rand: node.rand.fork(),
      storage: node.disk.storage,
      hardState: node.disk.hardState,
      appliedIndex: snapshot?.index ?? 0,
    });
    node.kv = new Map(node.disk.snapshotData ?? []);
    node.snapshotIndex = snapshot?.index ?? 0;
    node.receivedSnapshot = null;
    node.wasLeader = false;
    // A random phase so nodes do not tick in lockstep.
    this.queue.push(this.nowMs + node.rand.float() * node.tickIntervalMs, {
      kind: 'tick',
      nodeId: node.id,
      incarnation: node.incarnation,
    });
  }

  crash(node: SimNode): void {
    node.raft = null;
    node.incarnation++;
    const lostBefore = node.disk.lostWriteCount;
    node.disk.crash();
    this.faultStats.unsyncedWritesLost += node.disk.lostWriteCount - lostBefore;
    this.faultStats.crashes++;
    for (const client of this.clients) {
      if (client.pending?.nodeId === node.id) this.resolve(client, 'unknown', null);
    }
  }

  // ---- the Ready loop: persist, send, apply, advance ----

  process(node: SimNode): void {
    const raft = node.raft;
    if (!raft) return;
    while (raft.hasReady()) {
      const ready = raft.ready();
      this.persist(node, raft, ready);
      for (const message of ready.messages) this.send(node, message);
      for (const entry of ready.committedEntries) this.apply(node, entry);
      for (const state of ready.readStates)
        this.onReadState(node, state.index, new TextDecoder().decode(state.context));
      raft.advance(ready);
      this.afterAdvance(node, raft);
    }
  }

  persist(node: SimNode, raft: RawNode, ready: Ready): void {
    if (ready.softState?.role === 'leader') {
      this.checker.observeLeader(node.id, raft.term);
      this.checker.observeNewLeader(node.id, raft.term, raft.status().firstIndex, (index) => raft.termAt(index));
    }
    if (ready.snapshot) {
      const received = node.receivedSnapshot;
      if (!received || received.index !== ready.snapshot.index)
        throw new AssertionError(`${node.id} must install snapshot ${ready.snapshot.index} it never received`);
      node.disk.install(ready.snapshot, received.data);
      node.kv = new Map(received.data);
      node.snapshotIndex = ready.snapshot.index;
      node.sawProbe ||= received.data.has('__liveness');
      this.counts.snapshotsInstalled++;
      this.checker.observeSnapshotInstalled(node.id, ready.snapshot.index, ready.snapshot.term);
      for (const client of this.clients) {
        const pending = client.pending;
        if (pending?.nodeId === node.id && pending.input.kind === 'put' && pending.index <= ready.snapshot.index)
          this.resolve(client, 'unknown', null);
      }
    }
    let prevTerm: number | null = null;
    for (const entry of ready.entries) {
      const before = prevTerm ?? raft.termAt(entry.index - 1);
      this.checker.observePersisted(node.id, entry, before);
      prevTerm = entry.term;
    }
    node.disk.append(ready.entries);
    if (ready.hardState) {
      node.disk.setHardState(ready.hardState);
      const alive = [...this.nodes.values()].filter((other) => other.raft !== null).length;
      if (
        ready.hardState.vote !== null &&
        this.healedAtMs === null &&
        alive > 1 &&
        this.rand.float() < this.odds.crashAfterVote
      )
        this.queue.push(this.nowMs + this.rand.intBelow(10), {
          kind: 'crash',
          nodeId: node.id,
          incarnation: node.incarnation,
        });
    }
    if (ready.mustSync) node.disk.sync();
  }

  send(node: SimNode, message: RaftMessage): void {
    this.faultStats.messagesSent++;
    const target = this.nodes.get(message.to);
    const isSnapshot = message.type === 'snapshot';
    const failSnapshot = () => {
      if (isSnapshot)
        this.queue.push(this.nowMs + 20, {
          kind: 'snapshot-report',
          leaderId: node.id,
          incarnation: node.incarnation,
          target: message.to,
          ok: false,
        });
    };
    if (!target) {
      this.faultStats.messagesLost++;
      return;
    }
    if (this.network.isBlocked(message.from, message.to)) {
      this.faultStats.messagesBlocked++;
      node.raft?.reportUnreachable(message.to);
      failSnapshot();
      return;
    }
    const delays = this.network.deliveryDelaysMs();
    if (delays.length === 0) {
      this.faultStats.messagesLost++;
      failSnapshot();
      return;
    }
    if (delays.length > 1) this.faultStats.messagesDuplicated++;
    let snapshotData: KvSnapshotData | null = null;
    if (isSnapshot) {
      snapshotData = node.disk.snapshotData;
      if (!snapshotData || node.disk.storage.snapshotMeta()?.index !== message.snapshot?.index)
        throw new AssertionError(`${node.id} offers snapshot ${message.snapshot?.index} it does not hold`);
    }
    for (const delayMs of delays) {
      this.queue.push(this.nowMs + delayMs, {
        kind: 'deliver',
        message,
        snapshotData,
        senderIncarnation: node.incarnation,
      });
    }
  }

  apply(node: SimNode, entry: Entry): void {
    this.checker.observeApplied(node.id, entry);
    this.counts.entriesApplied++;
    const put = entry.type === 'normal' ? decodePut(entry.data) : null;
    if (put) {
      node.kv.set(put.key, put.value);
      if (put.key === '__liveness') node.sawProbe = true;
    }
    for (const client of this.clients) {
      const pending = client.pending;
      if (!pending || pending.nodeId !== node.id || pending.input.kind !== 'put' || pending.index !== entry.index)
        continue;
      if (put?.requestId === pending.requestId) {
        this.counts.putsAcknowledged++;
        this.resolve(client, 'ok', null);
      } else {
        this.resolve(client, 'failed', null);
      }
    }
  }

  onReadState(node: SimNode, index: number, context: string): void {
    for (const client of this.clients) {
      const pending = client.pending;
      if (pending?.nodeId === node.id && pending.input.kind === 'get' && `r${pending.requestId}` === context)
        pending.readIndex = index;
    }
  }

  afterAdvance(node: SimNode, raft: RawNode): void {
    // Reads whose read index is now applied; puts whose entry this node's log no longer holds.
    for (const client of this.clients) {
      const pending = client.pending;
      if (!pending || pending.nodeId !== node.id) continue;
      if (pending.input.kind === 'get') {
        if (pending.readIndex !== null && raft.appliedIndex >= pending.readIndex) {
          this.counts.readsServed++;
          this.resolve(client, 'ok', node.kv.get(pending.input.key) ?? null);
        }
        continue;
      }
      const term = raft.termAt(pending.index);
      if (raft.lastIndex < pending.index || (term !== null && term !== pending.term))
        this.resolve(client, 'failed', null);
    }
    if (raft.appliedIndex - node.snapshotIndex >= this.odds.snapshotThreshold) {
      const meta = raft.snapshotMetaAt(raft.appliedIndex);
      node.disk.saveSnapshot(meta, new Map(node.kv));
      node.snapshotIndex = meta.index;
      this.counts.snapshotsSaved++;
      const compactTo = meta.index - this.odds.trailingEntries;
      if (compactTo >= node.disk.storage.firstIndex()) node.disk.compact(compactTo);
    }
  }

  // ---- clients ----

  clientStep(client: SimClient): void {
    if (client.pending || this.healedAtMs !== null) return;
    const aliveIds = [...this.nodes.values()].filter((node) => node.raft !== null).map((node) => node.id);
    if (aliveIds.length === 0) {
      this.queue.push(this.nowMs + 20, { kind: 'client', clientId: client.id });
      return;
    }
    const guess = client.leaderGuess;
    // Mostly the guessed leader; sometimes any node, so reads also reach deposed leaders and followers.
    const useGuess = guess !== null && aliveIds.includes(guess) && this.rand.float() < 0.7;
    const nodeId = useGuess ? guess : aliveIds[this.rand.intBelow(aliveIds.length)]!;
    const node = this.nodes.get(nodeId)!;
    const raft = node.raft!;
    const key = this.keys[this.rand.intBelow(this.keys.length)]!;
    const requestId = this.nextRequestId++;
    const base = {
      clientId: client.id,
      callMs: this.nowMs,
      nodeId,
      incarnation: node.incarnation,
      deadlineMs: this.nowMs + opTimeoutMs,
      requestId,
      index: 0,
      term: 0,
      readIndex: null,
    };
    if (this.rand.float() < 0.6) {
      const value = `v${requestId}`;
      const result = raft.propose(encodePut({ key, value, requestId }));
      if (result.kind !== 'accepted') {
        client.leaderGuess = result.kind === 'not-leader' ? result.leaderId : null;
        this.queue.push(this.nowMs + 5, { kind: 'client', clientId: client.id });
        return;
      }
      this.counts.proposalsAccepted++;
      client.pending = { ...base, input: { kind: 'put', key, value }, index: result.index, term: result.term };
    } else {
      if (raft.readIndex(new TextEncoder().encode(`r${requestId}`)) !== 'accepted') {
        client.leaderGuess = null;
        this.queue.push(this.nowMs + 5, { kind: 'client', clientId: client.id });
        return;
      }
      client.pending = { ...base, input: { kind: 'get', key } };
    }
    this.queue.push(client.pending.deadlineMs, { kind: 'client-deadline', clientId: client.id, requestId });
    this.process(node);
  }

  /** ok: recorded with its output; unknown: a put may or may not have happened; failed: it did not happen. */
  resolve(client: SimClient, outcome: 'ok' | 'unknown' | 'failed', value: string | null): void {
    const pending = client.pending;
    if (!pending) return;
    client.pending = null;
    if (outcome === 'ok' || (outcome === 'unknown' && pending.input.kind === 'put')) {
      this.history.push({
        clientId: pending.clientId,
        input: pending.input,
        output: { value },
        callMs: pending.callMs,
        returnMs: outcome === 'ok' ? this.nowMs : Number.POSITIVE_INFINITY,
      });
    }
    this.queue.push(this.nowMs + this.rand.intBelow(30), { kind: 'client', clientId: client.id });
  }

  // ---- faults ----

  injectFaults(): void {
    const alive = [...this.nodes.values()].filter((node) => node.raft !== null);
    const down = [...this.nodes.values()].filter((node) => node.raft === null);
    if (alive.length > 1 && this.rand.float() < this.odds.crash) {
      // Crash the leader half the time: that is where the interesting bugs are.
      const leader = alive.find((node) => node.raft?.role === 'leader');
      const victim = leader && this.rand.float() < 0.5 ? leader : alive[this.rand.intBelow(alive.length)]!;
      this.crash(victim);
    }
    if (down.length > 0 && this.rand.float() < this.odds.restart) {
      const node = down[this.rand.intBelow(down.length)]!;
      this.faultStats.restarts++;
      this.start(node);
    }
    if (this.rand.float() < this.odds.partition) this.partition();
    if (this.rand.float() < this.odds.membershipChange) this.changeMembership();
    if (this.rand.float() < this.odds.transfer) this.transferLeadership();
    if (this.network.blockedLinkCount > 0 && this.rand.float() < this.odds.heal) {
      this.network.heal();
      this.faultStats.heals++;
    }
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      if (node.raft?.role === 'leader' && (!best || node.raft.term > best.raft!.term)) best = node;
    }
    return best;
  }

  /** Voters and learners in the newest leader's configuration (every node when there is no leader). */
  currentMembers(): NodeId[] {
    const conf = this.leader()?.raft?.status().conf;
    return conf ? [...conf.voters, ...conf.learners] : [...this.nodes.keys()];
  }

  /**
   * One single-server change through the leader, cycling a node out and back in: add a node that is not a
   * member as a learner, promote a learner, or remove a voter (possibly the leader itself) while 3 remain.
   */
  changeMembership(): void {
    const leader = this.leader();
    if (!leader?.raft) return;
    const conf = leader.raft.status().conf;
    const outsiders = [...this.nodes.keys()].filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
    let change: ConfChange | null = null;
    if (outsiders.length > 0) {
      const nodeId = outsiders[this.rand.intBelow(outsiders.length)]!;
      change = { type: 'add-learner', nodeId, address: `${nodeId}:8300` };
    } else if (conf.learners.length > 0) {
      const nodeId = conf.learners[this.rand.intBelow(conf.learners.length)]!;
      change = { type: 'add-voter', nodeId, address: `${nodeId}:8300` };
    } else if (conf.voters.length >= 3) {
      const nodeId = conf.voters[this.rand.intBelow(conf.voters.length)]!;
      change = { type: 'remove', nodeId, address: '' };
    }
    if (change === null) return;
    const result = leader.raft.proposeConfChange(change);
    this.membershipChanges[result.kind === 'accepted' ? 'accepted' : 'refused']++;
    this.process(leader);
  }

  transferLeadership(): void {
    const leader = this.leader();
    if (!leader?.raft) return;
    const voters = leader.raft.status().conf.voters.filter((id) => id !== leader.id);
    if (voters.length === 0) return;
    const result = leader.raft.transferLeadership(voters[this.rand.intBelow(voters.length)]!);
    if (result === 'accepted') this.transfersRequested++;
    this.process(leader);
  }

  partition(): void {
    this.network.heal();
    const ids = [...this.nodes.keys()];
    const kind = this.rand.intBelow(3);
    if (kind === 2) {
      // One-way cuts: a few directed links that drop everything one way only.
      const cuts = 1 + this.rand.intBelow(ids.length);
      for (let count = 0; count < cuts; count++) {
        const from = ids[this.rand.intBelow(ids.length)]!;
        const to = ids[this.rand.intBelow(ids.length)]!;
        if (from !== to) this.network.block(from, to);
      }
      this.faultStats.oneWayCuts++;
      return;
    }
    let groupA: NodeId[];
    const leader = [...this.nodes.values()].find((node) => node.raft?.role === 'leader');
    if (kind === 1 && leader) groupA = [leader.id];
    else groupA = ids.filter(() => this.rand.float() < 0.5);
    const groupB = ids.filter((id) => !groupA.includes(id));
    this.network.splitSymmetric(groupA, groupB);
    this.faultStats.partitions++;
  }

  heal(): void {
    this.healedAtMs = this.nowMs;
    this.network.heal();
    this.network.faults = calmNetwork;
    for (const node of this.nodes.values()) {
      if (node.raft === null) {
        this.faultStats.restarts++;
        this.start(node);
      }
    }
    this.queue.push(this.nowMs + tickMs, { kind: 'probe' });
  }

  /** After the heal: propose a probe on the leader until one is applied everywhere. */
  probeStep(): void {
    const nodes = [...this.nodes.values()];
    const leader = nodes.find((node) => node.raft?.role === 'leader');
    if (leader && this.leaderAfterHealMs === null) this.leaderAfterHealMs = this.nowMs;
    if (this.currentMembers().every((id) => this.nodes.get(id)!.sawProbe)) {
      this.probeDoneMs ??= this.nowMs;
      return;
    }
    const probe = this.probe;
    const probeLost =
      probe !== null &&
      (() => {
        const node = this.nodes.get(probe.nodeId)!;
        if (node.incarnation !== probe.incarnation || !node.raft) return true;
        const term = node.raft.termAt(probe.index);
        return node.raft.lastIndex < probe.index || (term !== null && term !== probe.term);
      })();
    if (leader?.raft && (probe === null || probeLost)) {
      const requestId = -this.nextRequestId++;
      const result = leader.raft.propose(encodePut({ key: '__liveness', value: 'up', requestId }));
      if (result.kind === 'accepted')
        this.probe = { nodeId: leader.id, incarnation: leader.incarnation, index: result.index, term: result.term };
      this.process(leader);
    }
    this.queue.push(this.nowMs + tickMs, { kind: 'probe' });
  }

  // ---- the main loop ----

  handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick': {
        const node = this.nodes.get(event.nodeId)!;
        if (node.incarnation !== event.incarnation || !node.raft) return;
        node.raft.tick();
        this.process(node);
        this.queue.push(this.nowMs + node.tickIntervalMs, event);
        return;
      }
      case 'deliver': {
        const node = this.nodes.get(event.message.to)!;
        if (!node.raft) {
          this.faultStats.messagesToDeadNodes++;
          // The sender's transport sees the snapshot stream fail and says so.
          if (event.snapshotData)
            this.queue.push(this.nowMs + 1, {
              kind: 'snapshot-report',
              leaderId: event.message.from,
              incarnation: event.senderIncarnation,
              target: node.id,
              ok: false,
            });
          return;
        }
        if (event.snapshotData && event.message.snapshot)
          node.receivedSnapshot = { index: event.message.snapshot.index, data: event.snapshotData };
        node.raft.step(event.message);
        this.process(node);
        if (event.snapshotData)
          this.queue.push(this.nowMs + 1, {
            kind: 'snapshot-report',
            leaderId: event.message.from,
            incarnation: event.senderIncarnation,
            target: node.id,
            ok: true,
          });
        return;
      }
      case 'snapshot-report': {
        const leader = this.nodes.get(event.leaderId)!;
        if (leader.incarnation !== event.incarnation || !leader.raft) return;
        leader.raft.reportSnapshot(event.target, event.ok ? 'ok' : 'failed');
        this.process(leader);
        return;
      }
      case 'client':
        this.clientStep(this.clients[event.clientId]!);
        return;
      case 'client-deadline': {
        const client = this.clients[event.clientId]!;
        if (client.pending?.requestId !== event.requestId) return;
        client.leaderGuess = null; // a client that timed out tries another server, as real clients do
        this.resolve(client, 'unknown', null);
        return;
      }
      case 'fault':
        if (this.nowMs >= this.chaosEndMs) return;
        this.injectFaults();
        this.options.onProgress?.(this.nowMs, this.livenessEndMs);
        this.queue.push(this.nowMs + tickMs, event);
        return;
      case 'heal':
        this.heal();
        return;
      case 'crash': {
        const node = this.nodes.get(event.nodeId)!;
        if (node.incarnation !== event.incarnation || !node.raft || this.healedAtMs !== null) return;
        this.crash(node);
        // A quick restart: the node is back while the election it voted in may still be running.
        this.queue.push(this.nowMs + this.rand.intBelow(50), {
          kind: 'restart',
          nodeId: node.id,
          incarnation: node.incarnation,
        });
        return;
      }
      case 'restart': {
        const node = this.nodes.get(event.nodeId)!;
        if (node.incarnation !== event.incarnation || node.raft) return;
        this.faultStats.restarts++;
        this.start(node);
        return;
      }
      case 'probe':
        this.probeStep();
        return;
    }
  }

  checkAfterStep(): void {
    for (const node of this.nodes.values()) {
      if (node.raft?.role === 'leader') this.checker.observeLeader(node.id, node.raft.term);
    }
    const violation = this.checker.violation;
    if (violation && !this.failure)
      this.failure = { kind: 'safety', check: violation.check, message: violation.message, atMs: this.nowMs };
  }

  /** Campaigns started by a timeout-now, summed over the nodes' current incarnations. */
  transfersCompleted(): number {
    let total = 0;
    for (const node of this.nodes.values()) total += node.raft?.status().marks['transfer.campaign'] ?? 0;
    return total;
  }

  livenessDone(): boolean {
    return this.probeDoneMs !== null && this.clients.every((client) => client.pending === null);
  }

  run(): void {
    try {
      for (;;) {
        const next = this.queue.pop();
        if (!next || next.timeMs > this.livenessEndMs) break;
        this.nowMs = next.timeMs;
        this.handle(next.item);
        this.steps++;
        this.checkAfterStep();
        if (this.failure) return;
        if (this.healedAtMs !== null && this.livenessDone()) break;
      }
    } catch (error) {
      if (!(error instanceof AssertionError)) throw error;
      this.failure = { kind: 'crash', check: 'assertion', message: error.message, atMs: this.nowMs };
      return;
    }
    this.options.onProgress?.(this.livenessEndMs, this.livenessEndMs);
    this.checkLiveness();
    if (this.failure) return;
    this.checker.checkLogsMatch([...this.nodes.values()].map((node) => logView(node)));
    this.checkAfterStep();
  }

  checkLiveness(): void {
    this.failure ??= this.livenessFailure();
  }

  livenessFailure(): SimFailure | null {
    const fail = (check: string, message: string): SimFailure => ({
      kind: 'liveness',
      check,
      message,
      atMs: this.nowMs,
    });
    if (this.healedAtMs === null) return fail('heal', 'the run ended before the network healed');
    if (this.leaderAfterHealMs === null)
      return fail('leader', `no leader within ${this.livenessEndMs - this.healedAtMs} ms of the heal`);
    if (this.probeDoneMs === null) {
      const missing = this.currentMembers().filter((id) => !this.nodes.get(id)!.sawProbe);
      return fail('probe', `a write after the heal was not applied on ${missing.join(', ')} in time`);
    }
    const stuck = this.clients.filter((client) => client.pending !== null);
    if (stuck.length > 0) return fail('pending', `${stuck.length} client operations neither completed nor failed`);
    return null;
  }
}

function logView(node: SimNode): LogView {
  const storage = node.disk.storage;
  return {
    nodeId: node.id,
    firstIndex: storage.firstIndex(),
    lastIndex: storage.lastIndex(),
    term: (index) => storage.term(index),
    dataKey: (index) => {
      const entry = storage.entries(index, index + 1, Number.MAX_SAFE_INTEGER)[0];
      return entry ? entryKey(entry) : null;
    },
  };
}

export function simulateRaft(options: SimOptions): SimResult {
  const simulation = new Simulation(options);
  simulation.run();
  let linearizability: SimResult['linearizability'] = {
    verdict: 'skipped',
    partitions: 0,
    searchSteps: 0,
    counterexample: [],
  };
  if (simulation.failure === null) {
    const result = checkLinearizable(kvModel, simulation.history);
    linearizability = result;
    if (result.verdict === 'illegal') {
      simulation.failure = {
        kind: 'linearizability',
        check: 'kv-history',
        message: `no linearization of the KV history (${result.counterexample.length} operations on one key)`,
        atMs: simulation.nowMs,
      };
    }
  }
  const leadersPerTerm: Record<string, NodeId> = {};
  let maxTerm = 0;
  for (const [term, id] of [...simulation.checker.leadersPerTerm()].sort((left, right) => left[0] - right[0])) {
    leadersPerTerm[String(term)] = id;
    maxTerm = Math.max(maxTerm, term);
  }
  let commitIndexMax = 0;
  for (const node of simulation.nodes.values()) {
    commitIndexMax = Math.max(commitIndexMax, node.raft?.committedIndex ?? 0);
    maxTerm = Math.max(maxTerm, node.raft?.term ?? 0);
  }
  return {
    seed: options.seed,
    nodeCount: simulation.nodeCount,
    ok: simulation.failure === null,
    failure: simulation.failure,
    simulatedMs: Math.round(simulation.nowMs),
    stats: {
      elections: Object.keys(leadersPerTerm).length,
      maxTerm,
      leadersPerTerm,
      commitIndexMax,
      entriesApplied: simulation.counts.entriesApplied,
      proposalsAccepted: simulation.counts.proposalsAccepted,
      putsAcknowledged: simulation.counts.putsAcknowledged,
      readsServed: simulation.counts.readsServed,
      historyOperations: simulation.history.length,
      snapshotsSaved: simulation.counts.snapshotsSaved,
      snapshotsInstalled: simulation.counts.snapshotsInstalled,
      membershipChangesAccepted: simulation.membershipChanges.accepted,
      membershipChangesRefused: simulation.membershipChanges.refused,
      transfersRequested: simulation.transfersRequested,
      leadershipTransfers: simulation.transfersCompleted(),
      stepsRun: simulation.steps,
    },
    faults: simulation.faultStats,
    linearizability,
    replay: replayCommand(options),
  };
}

export function replayCommand(options: SimOptions): string {
  let command = `lattice simulate raft --seed ${options.seed}`;
  if (options.nodeCount !== undefined) command += ` --nodes ${options.nodeCount}`;
  if (options.ticksMax !== undefined) command += ` --ticks ${options.ticksMax}`;
  return command;
}
