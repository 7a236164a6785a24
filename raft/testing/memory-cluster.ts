// A cluster of real RaftNodes in one process for tests: memory stores, the in-memory transport and one
// ManualClock. Time moves only through runUntil(), which advances the clock in small steps and lets the nodes'
// promises settle between steps, so tests wait on conditions, never on wall time.

import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import type { NodeId } from '../core/types.js';
import { RaftNode } from '../node.js';
import type { RaftNodeInit } from '../node-config.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { MemorySnapshotStore } from '../storage/memory-snapshot-store.js';
import { MemoryStableStore } from '../storage/memory-stable-store.js';
import { MemoryNetwork, type MemoryTransport } from '../transport/memory-transport.js';
import { KvFsm } from './kv-fsm.js';

export interface ClusterMember {
  readonly id: NodeId;
  node: RaftNode;
  fsm: KvFsm;
  transport: MemoryTransport;
  readonly logStore: MemoryLogStore;
  readonly stableStore: MemoryStableStore;
  readonly snapshotStore: MemorySnapshotStore;
  running: boolean;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class MemoryCluster {
  readonly clock = new ManualClock();
  readonly network = new MemoryNetwork();
  readonly members = new Map<NodeId, ClusterMember>();
  private readonly rand: SeededRand;

  constructor(
    readonly ids: readonly NodeId[],
    private readonly overrides: Partial<RaftNodeInit> = {},
    seed = 1,
  ) {
    this.rand = new SeededRand(seed);
    for (const id of ids) this.addMember(id, true);
  }

  /** Creates (but does not start) a member; `bootstrap` gives it the initial voter list. */
  addMember(id: NodeId, bootstrap: boolean): ClusterMember {
    const stores = {
      logStore: new MemoryLogStore(),
      stableStore: new MemoryStableStore(),
      snapshotStore: new MemorySnapshotStore(),
    };
    const member: ClusterMember = { id, ...stores, ...this.buildNode(id, bootstrap, stores), running: false };
    this.members.set(id, member);
    return member;
  }

  private buildNode(
    id: NodeId,
    bootstrap: boolean,
    stores: Pick<ClusterMember, 'logStore' | 'stableStore' | 'snapshotStore'>,
  ) {
    const fsm = new KvFsm();
    const transport = this.network.transport(id);
    const node = new RaftNode(
      {
        clock: this.clock,
        rand: this.rand.fork(),
        log: silentLogger(),
        logStore: stores.logStore,
        stableStore: stores.stableStore,
        snapshotStore: stores.snapshotStore,
        transport,
        fsm,
      },
      {
        id,
        tickMs: 10,
        snapshotIntervalMs: 50,
        bootstrap: bootstrap ? this.ids.map((member) => ({ id: member, address: `memory://${member}` })) : [],
        ...this.overrides,
      },
    );
    return { node, fsm, transport };
  }

  member(id: NodeId): ClusterMember {
    const member = this.members.get(id);
    if (!member) throw new Error(`no member ${id}`);
    return member;
  }

  async start(ids: Iterable<NodeId> = this.members.keys()): Promise<void> {
    for (const id of ids) {
      const member = this.member(id);
      await member.node.start();
      member.running = true;
    }
  }

  async stopAll(): Promise<void> {
    for (const member of this.members.values()) if (member.running) await this.crash(member.id);
  }

  /** Stops a node; its stores survive, as a disk does. */
  async crash(id: NodeId): Promise<void> {
    const member = this.member(id);
    member.running = false;
    await member.node.stop();
  }

  /** Starts a fresh node process on the surviving stores. */
  async restart(id: NodeId): Promise<void> {
    const member = this.member(id);
    Object.assign(member, this.buildNode(id, false, member));
    await member.node.start();
    member.running = true;
  }

  leader(): ClusterMember | null {
    for (const member of this.members.values()) if (member.running && member.node.isLeader()) return member;
    return null;
  }

  /** Advances time in steps of `stepMs` until `condition` holds; throws after `budgetMs` of simulated time. */
  async runUntil(condition: () => boolean, what: string, budgetMs = 30_000, stepMs = 5): Promise<void> {
    for (let elapsedMs = 0; elapsedMs <= budgetMs; elapsedMs += stepMs) {
      for (let round = 0; round < 3; round++) await settle();
      if (condition()) return;
      this.clock.advance(stepMs);
    }
    throw new Error(`simulated ${budgetMs} ms without: ${what}`);
  }

  /** Advances time by `durationMs` in steps, letting the nodes work, whatever happens. */
  async runFor(durationMs: number, stepMs = 5): Promise<void> {
    for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += stepMs) {
      for (let round = 0; round < 3; round++) await settle();
      this.clock.advance(stepMs);
    }
    for (let round = 0; round < 3; round++) await settle();
  }

  /** Runs until a promise settles, returning its outcome. */
  async runPromise<T>(promise: Promise<T>, what: string, budgetMs = 30_000): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    await this.runUntil(() => done, what, budgetMs);
    return tracked;
  }

  async electLeader(): Promise<ClusterMember> {
    await this.runUntil(() => this.leader() !== null, 'a leader');
    return this.leader() as ClusterMember;
  }
}
