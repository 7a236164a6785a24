// The deterministic Raft cluster simulator (TigerBeetle's VOPR in miniature): real RawNodes over simulated
// disks, network and clocks, with every fault and every client action drawn from one seed. A run has a chaos
// phase (loss, duplication, reordering, partitions, crashes that lose unsynced writes, restarts, clock drift)
// and a liveness phase (network healed, all nodes up). Safety checkers run after every step; linearizability
// of the client history is checked at the end. Disk writes take simulated time: a leader sends its appends
// before its own write is durable (as the driver does), so a crash in between loses entries its followers may
// hold, and the leader must not have counted itself for them. This file holds the event loop, the nodes' Ready handling and
// the liveness phase; faults.ts, workload.ts, checkers.ts, disk.ts and network.ts hold the rest. It is long
// because the Ready loop and the event handlers share the nodes' state; each handler fits on a screen.

import { AssertionError } from '../../lib/assert.js';
import { SeededRand } from '../../lib/rand.js';
import { type RaftConfig, raftConfig } from '../../raft/core/config.js';
import { bootstrapLog, RawNode, type Ready } from '../../raft/core/raw-node.js';
import type { Entry, NodeId, RaftMessage } from '../../raft/core/types.js';
import { EventQueue } from '../event-queue.js';
import { checkLinearizable, type KvInput, type KvOutput, kvModel, type Operation } from '../linearizability.js';
import { entryKey, type LogView, SafetyChecker } from './checkers.js';
import { type KvSnapshotData, SimDisk } from './disk.js';
import { drawFaultOdds, type FaultOdds, injectFaults } from './faults.js';
import { decodePut, encodePut } from './kv.js';
import { calmNetwork, drawNetworkFaults, SimNetwork } from './network.js';
import { replayCommand, type SimFailure, type SimFaultStats, type SimOptions, type SimResult } from './result.js';
import { clientStep, onReadState, resolve, type SimClient } from './workload.js';

export type { SimFailure, SimFailureKind, SimFaultStats, SimOptions, SimResult, SimStats } from './result.js';
export { replayCommand } from './result.js';

const tickMs = 10;

export interface SimNode {
  readonly id: NodeId;
  readonly disk: SimDisk;
  readonly rand: SeededRand;
  readonly tickIntervalMs: number;
  /** This node's slowest write of a Ready that must sync, in simulated ms (0: instant). */
  readonly diskWriteMsMax: number;
  raft: RawNode | null;
  incarnation: number;
  kv: Map<string, string>;
  snapshotIndex: number;
  receivedSnapshot: { index: number; data: KvSnapshotData } | null;
  sawProbe: boolean;
  /** The Ready whose write is on its way to disk: sent early, not yet synced, applied or advanced. */
  persisting: Ready | null;
}

export type SimEvent =
  | { kind: 'tick'; nodeId: NodeId; incarnation: number }
  | { kind: 'deliver'; message: RaftMessage; snapshotData: KvSnapshotData | null; senderIncarnation: number }
  | { kind: 'snapshot-report'; leaderId: NodeId; incarnation: number; target: NodeId; ok: boolean }
  | { kind: 'client'; clientId: number }
  | { kind: 'client-deadline'; clientId: number; requestId: number }
  | { kind: 'fault' }
  | { kind: 'heal' }
  | { kind: 'crash'; nodeId: NodeId; incarnation: number }
  | { kind: 'restart'; nodeId: NodeId; incarnation: number }
  | { kind: 'persisted'; nodeId: NodeId; incarnation: number }
  | { kind: 'probe' };

/**
 * After the heal a majority must follow one leader within this bound: twenty election timeouts (each at most
 * 2 × electionTicks × tickMs = 200 ms), room for a few split votes, slow clocks and catching up a term.
 */
const leaderAfterHealMsMax = 2_000;

/** One run. Exported for debugging a seed step by step; tests and the CLI use simulateRaft. */
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
    this.odds = drawFaultOdds(this.rand, faultsOn);
    this.network = new SimNetwork(this.rand.fork(), faultsOn ? drawNetworkFaults(this.rand) : calmNetwork);
    const ids = Array.from({ length: this.nodeCount }, (_, position) => `n${position + 1}`);
    const bootstrap = bootstrapLog(ids.map((id) => ({ id, address: `${id}:8300` })));
    const clockRatePerNode: Record<NodeId, number> = {};
    for (const [position, id] of ids.entries()) {
      const rate = 1 + (this.rand.float() * 2 - 1) * driftMax;
      clockRatePerNode[id] = Number(rate.toFixed(3));
      const node: SimNode = {
        id,
        disk: new SimDisk(bootstrap.entries, bootstrap.hardState),
        rand: this.rand.fork(),
        tickIntervalMs: tickMs / rate,
        diskWriteMsMax: this.odds.diskWriteMsMax[position] ?? 0,
        raft: null,
        incarnation: 0,
        kv: new Map(),
        snapshotIndex: 0,
        receivedSnapshot: null,
        sawProbe: false,
        persisting: null,
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
      leaderCrashesWhileWriting: 0,
    };
    this.queue.push(tickMs, { kind: 'fault' });
    this.queue.push(this.chaosEndMs, { kind: 'heal' });
  }

  // ---- node lifecycle ----

  start(node: SimNode): void {
    const snapshot = node.disk.storage.snapshotMeta();
    // A snapshot holds committed state, so the commit index is at least its index (as raft/recovery.ts): entries
    // applied while a write was in flight may be snapshotted before a hard state with their commit is written.
    const diskHardState = node.disk.hardState;
    const hardState =
      snapshot !== null && diskHardState.commit < snapshot.index
        ? { ...diskHardState, commit: snapshot.index }
        : diskHardState;
    node.raft = new RawNode({
      id: node.id,
      config: this.config,
      rand: node.rand.fork(),
      storage: node.disk.storage,
      hardState,
      appliedIndex: snapshot?.index ?? 0,
    });
    node.kv = new Map(node.disk.snapshotData ?? []);
    node.snapshotIndex = snapshot?.index ?? 0;
    node.receivedSnapshot = null;
    node.persisting = null;
    // A random phase so nodes do not tick in lockstep.
    this.queue.push(this.nowMs + node.rand.float() * node.tickIntervalMs, {
      kind: 'tick',
      nodeId: node.id,
      incarnation: node.incarnation,
    });
  }

  crash(node: SimNode): void {
    if (node.raft?.role === 'leader' && node.persisting !== null && node.persisting.entries.length > 0)
      this.faultStats.leaderCrashesWhileWriting++;
    node.raft = null;
    node.persisting = null;
    node.incarnation++;
    const lostBefore = node.disk.lostWriteCount;
    node.disk.crash();
    this.faultStats.unsyncedWritesLost += node.disk.lostWriteCount - lostBefore;
    this.faultStats.crashes++;
    for (const client of this.clients) {
      if (client.pending?.nodeId === node.id) resolve(this, client, 'unknown', null);
    }
  }

  // ---- the Ready loop: send a leader's appends, persist, send the rest, apply, advance ----

  /**
   * Works through the node's Readys. A Ready that must sync takes odds.diskWriteMsMax-bounded simulated time:
   * its leader messages leave at once, the rest waits for the 'persisted' event; meanwhile new appends leave as
   * they are made (takeLeaderMessages) and entries that commit are applied (takeCommittedEntries), as the driver
   * does while its write is in flight.
   */
  process(node: SimNode): void {
    const raft = node.raft;
    if (!raft) return;
    if (node.persisting !== null) {
      for (const message of raft.takeLeaderMessages()) this.send(node, message);
      for (const entry of raft.takeCommittedEntries()) this.apply(node, entry);
      return;
    }
    while (raft.hasReady()) {
      const ready = raft.ready();
      for (const message of ready.leaderMessages) this.send(node, message);
      // Committed entries are on a quorum's disks: applied before this node's write, as the driver does.
      if (ready.snapshot === null) this.applyReady(node, ready);
      this.write(node, raft, ready);
      const writeMs = ready.mustSync ? this.rand.intBelow(node.diskWriteMsMax + 1) : 0;
      if (writeMs === 0) {
        this.finishReady(node, raft, ready);
        continue;
      }
      node.persisting = ready;
      this.queue.push(this.nowMs + writeMs, { kind: 'persisted', nodeId: node.id, incarnation: node.incarnation });
      if (
        ready.entries.length > 0 &&
        ready.leaderMessages.length > 0 &&
        this.rand.float() < this.odds.crashWhileWriting
      )
        // Late in the write: after the followers' acknowledgements have had the most time to arrive.
        this.queue.push(this.nowMs + writeMs * (1 - this.rand.float() * 0.5), {
          kind: 'crash',
          nodeId: node.id,
          incarnation: node.incarnation,
        });
      return;
    }
  }

  /** The Ready's write is durable: sync, send what had to wait for it, apply after a snapshot install, advance. */
  finishReady(node: SimNode, raft: RawNode, ready: Ready): void {
    if (ready.mustSync) node.disk.sync();
    for (const message of ready.messages) this.send(node, message);
    if (ready.snapshot !== null) this.applyReady(node, ready);
    raft.advance(ready);
    this.afterAdvance(node, raft);
  }

  applyReady(node: SimNode, ready: Ready): void {
    for (const entry of ready.committedEntries) this.apply(node, entry);
    for (const state of ready.readStates) onReadState(this, node, state.index, new TextDecoder().decode(state.context));
  }

  /** Writes the Ready to the disk's view, unsynced: a crash before finishReady loses it. */
  write(node: SimNode, raft: RawNode, ready: Ready): void {
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
          resolve(this, client, 'unknown', null);
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
        resolve(this, client, 'ok', null);
      } else {
        resolve(this, client, 'failed', null);
      }
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
          resolve(this, client, 'ok', node.kv.get(pending.input.key) ?? null);
        }
        continue;
      }
      const term = raft.termAt(pending.index);
      if (raft.lastIndex < pending.index || (term !== null && term !== pending.term))
        resolve(this, client, 'failed', null);
    }
    // A leader's snapshot that arrived while this Ready was being written replaced the log past the applied
    // index: it is installed by the next Ready, and there is nothing to snapshot here meanwhile.
    const pendingLeaderSnapshot = raft.termAt(raft.appliedIndex) === null;
    // Entries applied while a write was in flight may be past this node's log on disk: as the driver does, a
    // snapshot waits until the applied index is written, or a crash would leave a gap after it.
    const appliedWritten = raft.appliedIndex <= node.disk.storage.lastIndex();
    if (
      !pendingLeaderSnapshot &&
      appliedWritten &&
      raft.appliedIndex - node.snapshotIndex >= this.odds.snapshotThreshold
    ) {
      const meta = raft.snapshotMetaAt(raft.appliedIndex);
      node.disk.saveSnapshot(meta, new Map(node.kv));
      node.snapshotIndex = meta.index;
      this.counts.snapshotsSaved++;
      const compactTo = meta.index - this.odds.trailingEntries;
      if (compactTo >= node.disk.storage.firstIndex()) node.disk.compact(compactTo);
    }
  }

  // ---- clients ----

  // ---- faults ----

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

  /**
   * A leader of the highest term among its configuration's members that a majority of its voters follow in
   * that term, if there is one. Removed servers do not count: one that never learned of its removal may
   * campaign at ever higher terms without effect (pre-vote and check-quorum keep members deaf to it).
   */
  stableLeader(): SimNode | undefined {
    const leader = this.leader();
    if (!leader?.raft) return undefined;
    const term = leader.raft.term;
    const conf = leader.raft.status().conf;
    for (const id of [...conf.voters, ...conf.learners]) {
      if ((this.nodes.get(id)?.raft?.term ?? 0) > term) return undefined;
    }
    const voters = conf.voters;
    const following = voters.filter((id) => {
      const raft = this.nodes.get(id)?.raft;
      return raft?.term === term && raft.leaderId === leader.id;
    });
    return following.length >= Math.floor(voters.length / 2) + 1 ? leader : undefined;
  }

  /** After the heal: propose a probe on the leader until one is applied everywhere. */
  probeStep(): void {
    const leader = this.stableLeader();
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
        clientStep(this, this.clients[event.clientId]!);
        return;
      case 'client-deadline': {
        const client = this.clients[event.clientId]!;
        if (client.pending?.requestId !== event.requestId) return;
        client.leaderGuess = null; // a client that timed out tries another server, as real clients do
        resolve(this, client, 'unknown', null);
        return;
      }
      case 'fault':
        if (this.nowMs >= this.chaosEndMs) return;
        injectFaults(this);
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
      case 'persisted': {
        const node = this.nodes.get(event.nodeId)!;
        const ready = node.persisting;
        if (node.incarnation !== event.incarnation || !node.raft || ready === null) return;
        node.persisting = null;
        this.finishReady(node, node.raft, ready);
        this.process(node);
        return;
      }
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
    if (this.leaderAfterHealMs === null || this.leaderAfterHealMs - this.healedAtMs > leaderAfterHealMsMax)
      return fail('leader', `no stable leader within ${leaderAfterHealMsMax} ms of the heal`);
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
      leaderAfterHealMs:
        simulation.leaderAfterHealMs === null || simulation.healedAtMs === null
          ? null
          : Math.round(simulation.leaderAfterHealMs - simulation.healedAtMs),
    },
    faults: simulation.faultStats,
    linearizability,
    replay: replayCommand(options),
  };
}
