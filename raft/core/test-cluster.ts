// A tiny synchronous cluster of RawNodes over MemoryLogStorage with a perfect network, for the core's unit
// tests: every Ready is persisted, sent and applied at once. The simulator in sim/raft is the faulty version.

import { SeededRand } from '../../lib/rand.js';
import { type RaftConfig, raftConfig } from './config.js';
import { MemoryLogStorage } from './log-storage.js';
import { bootstrapLog, RawNode } from './raw-node.js';
import type { Entry, HardState, NodeId, RaftMessage } from './types.js';

export interface TestMember {
  readonly node: RawNode;
  readonly storage: MemoryLogStorage;
  hardState: HardState;
  readonly applied: Entry[];
  readonly readIndexes: { index: number; context: string }[];
}

export class TestCluster {
  readonly members = new Map<NodeId, TestMember>();
  /** Messages in flight; a test may drop or filter them before deliver(). */
  inFlight: RaftMessage[] = [];
  /** Links cut by the test: `${from}>${to}`. */
  readonly cut = new Set<string>();

  constructor(
    ids: readonly NodeId[],
    readonly config: RaftConfig = raftConfig({ electionTicks: 10, heartbeatTicks: 1 }),
    seed = 1,
  ) {
    const rand = new SeededRand(seed);
    const { entries, hardState } = bootstrapLog(ids.map((id) => ({ id, address: `${id}:8300` })));
    for (const id of ids) this.addMember(id, rand.fork(), entries, hardState);
  }

  addMember(id: NodeId, rand: SeededRand, entries: readonly Entry[] = [], hardState?: HardState): TestMember {
    const storage = new MemoryLogStorage();
    storage.append(entries);
    const node = new RawNode({ id, config: this.config, rand, storage, hardState, appliedIndex: 0 });
    const member: TestMember = {
      node,
      storage,
      hardState: hardState ?? { term: 0, vote: null, commit: 0 },
      applied: [],
      readIndexes: [],
    };
    this.members.set(id, member);
    return member;
  }

  member(id: NodeId): TestMember {
    const member = this.members.get(id);
    if (!member) throw new Error(`no member ${id}`);
    return member;
  }

  /** Handles every pending Ready of every node, queuing the messages. */
  processReadies(): void {
    for (const member of this.members.values()) {
      while (member.node.hasReady()) {
        const ready = member.node.ready();
        this.inFlight.push(...ready.leaderMessages);
        if (ready.snapshot) member.storage.applySnapshot(ready.snapshot);
        member.storage.append(ready.entries);
        if (ready.hardState) member.hardState = ready.hardState;
        this.inFlight.push(...ready.messages);
        member.applied.push(...ready.committedEntries);
        for (const state of ready.readStates)
          member.readIndexes.push({ index: state.index, context: new TextDecoder().decode(state.context) });
        member.node.advance(ready);
      }
    }
  }

  /** Delivers messages until the network is quiet (or `roundsMax` rounds pass); returns them in order. */
  deliver(roundsMax = 100): RaftMessage[] {
    const delivered: RaftMessage[] = [];
    for (let round = 0; round < roundsMax; round++) {
      this.processReadies();
      if (this.inFlight.length === 0) break;
      const batch = this.inFlight;
      this.inFlight = [];
      for (const message of batch) {
        if (this.cut.has(`${message.from}>${message.to}`)) continue;
        delivered.push(message);
        this.members.get(message.to)?.node.step(message);
      }
    }
    return delivered;
  }

  tick(ids: Iterable<NodeId> = this.members.keys(), count = 1): void {
    const chosen = [...ids];
    for (let round = 0; round < count; round++) {
      for (const id of chosen) this.member(id).node.tick();
      this.deliver();
    }
  }

  /** Ticks until some node leads, at most `ticksMax` times; returns its id. */
  electLeader(ticksMax = 100): NodeId {
    for (let round = 0; round < ticksMax; round++) {
      const leader = this.leader();
      if (leader) return leader;
      this.tick();
    }
    throw new Error('no leader elected');
  }

  leader(): NodeId | null {
    for (const [id, member] of this.members) if (member.node.role === 'leader') return id;
    return null;
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }
}
