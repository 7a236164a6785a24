// Servers in one process for tests: real Server objects on the raft memory transport, one ManualClock, a fake
// LAN pool the test edits by hand (join, fail, leave, reap) and RPC between servers as in-process calls.
// Time moves only through runUntil(), in small steps, with promises settling between steps.

import type { SerfMember, SerfMemberStatus } from '../../gossip/serf/members.js';
import { ManualClock } from '../../lib/clock.js';
import { TypedEmitter } from '../../lib/emitter.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { MemoryLogStore } from '../../raft/storage/memory-log-store.js';
import { MemorySnapshotStore } from '../../raft/storage/memory-snapshot-store.js';
import { MemoryStableStore } from '../../raft/storage/memory-stable-store.js';
import { MemoryNetwork, type MemoryTransport } from '../../raft/transport/memory-transport.js';
import { tlsOff } from '../../raft/transport/tls.js';
import type { RaftTransport } from '../../raft/transport/transport.js';
import { autopilotDefaults } from '../autopilot.js';
import { clientTags, serverTags } from '../bootstrap.js';
import type { RpcAuthorizer } from '../endpoints/acl-rules.js';
import type { LanPool, LanPoolEvents } from '../lan-pool.js';
import { RpcTransportError } from '../rpc/errors.js';
import type { CallOptions, RpcClient } from '../rpc/methods.js';
import { type RaftStores, Server, type ServerConfig } from '../server.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A LAN pool the test drives: members change only when the test says so. */
export class FakeLanPool implements LanPool {
  readonly events = new TypedEmitter<LanPoolEvents>();
  private readonly table = new Map<string, SerfMember>();

  constructor(private readonly clock: ManualClock) {}

  members(): readonly SerfMember[] {
    return [...this.table.values()];
  }

  join(name: string, address: string, tags: Record<string, string>): void {
    const member = { name, address, tags, status: 'alive' as const, statusChangeMs: this.clock.nowMs() };
    this.table.set(name, member);
    this.events.emit('member-join', member);
  }

  setStatus(name: string, status: SerfMemberStatus): void {
    const member = this.table.get(name);
    if (member === undefined) throw new Error(`no member ${name}`);
    const changed = { ...member, status, statusChangeMs: this.clock.nowMs() };
    this.table.set(name, changed);
    if (status === 'failed') this.events.emit('member-failed', changed);
    else if (status === 'left') this.events.emit('member-leave', changed);
    else this.events.emit('member-join', changed);
  }

  reap(name: string): void {
    const member = this.table.get(name);
    if (member === undefined) throw new Error(`no member ${name}`);
    this.table.delete(name);
    this.events.emit('member-reap', member);
  }
}

/** The memory transport, reached by Raft ID whatever address Raft gives it (tests use 10.0.0.N:8300). */
class IdAddressedTransport implements RaftTransport {
  constructor(private readonly inner: MemoryTransport) {}
  get localId(): string {
    return this.inner.localId;
  }
  get localAddress(): string {
    return this.inner.localAddress;
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  setPeer(id: string): void {
    this.inner.setPeer(id, `memory://${id}`);
  }
  removePeer(id: string): void {
    this.inner.removePeer(id);
  }
  send(...args: Parameters<RaftTransport['send']>): boolean {
    return this.inner.send(...args);
  }
  onMessage(...args: Parameters<RaftTransport['onMessage']>): () => void {
    return this.inner.onMessage(...args);
  }
  sendSnapshot(...args: Parameters<RaftTransport['sendSnapshot']>): Promise<void> {
    return this.inner.sendSnapshot(...args);
  }
  onSnapshot(...args: Parameters<RaftTransport['onSnapshot']>): () => void {
    return this.inner.onSnapshot(...args);
  }
  stats(): ReturnType<RaftTransport['stats']> {
    return this.inner.stats();
  }
}

export interface TestServer {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  server: Server;
  readonly stores: RaftStores;
  running: boolean;
}

/** Node IDs must be UUIDs (the catalog refuses others): server or client n gets ...-0000000000nn. */
export const testNodeId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const testContext = { datacenter: 'dc1', token: '' } as const;

export class ServerCluster {
  readonly clock = new ManualClock();
  readonly pool = new FakeLanPool(this.clock);
  readonly network = new MemoryNetwork();
  readonly servers = new Map<string, TestServer>();
  private readonly rand: SeededRand;
  private readonly downAddresses = new Set<string>();

  constructor(
    seed = 7,
    private readonly authorizer?: RpcAuthorizer,
  ) {
    this.rand = new SeededRand(seed);
  }

  /** Config of test server `n` (address 10.0.0.n:8300), fast timings. */
  config(n: number, overrides: Partial<ServerConfig> = {}): ServerConfig {
    return {
      nodeName: `server-${n}`,
      nodeId: testNodeId(n),
      datacenter: 'dc1',
      dataDir: null,
      bootstrap: false,
      bootstrapExpect: 3,
      bindAddress: `10.0.0.${n}:8300`,
      advertiseAddress: `10.0.0.${n}:8300`,
      raftTickMs: 10,
      raftElectionTicks: 10,
      raftHeartbeatTicks: 1,
      snapshotThreshold: 16_384,
      snapshotIntervalMs: 30_000,
      trailingLogs: 10_240,
      maxQueryTimeMs: 600_000,
      defaultQueryTimeMs: 300_000,
      rpcHoldTimeoutMs: 2_000,
      reconcileIntervalMs: 60_000,
      bootstrapCheckIntervalMs: 50,
      autopilotIntervalMs: 100,
      tls: tlsOff,
      autopilot: {
        ...autopilotDefaults,
        lastContactThresholdMs: 200,
        serverStabilizationTimeMs: 500,
        deadServerGraceMs: 5_000,
      },
      ...overrides,
    };
  }

  /** Creates server `n` and puts it in the pool with Consul's server tags (not started). */
  addServer(n: number, overrides: Partial<ServerConfig> = {}): TestServer {
    const config = this.config(n, overrides);
    const stores = {
      logStore: new MemoryLogStore(),
      stableStore: new MemoryStableStore(),
      snapshotStore: new MemorySnapshotStore(),
    };
    const entry: TestServer = {
      name: config.nodeName,
      id: config.nodeId,
      address: config.advertiseAddress,
      server: this.build(config, stores),
      stores,
      running: false,
    };
    this.servers.set(entry.name, entry);
    this.pool.join(
      config.nodeName,
      `10.0.0.${n}:8301`,
      serverTags({
        datacenter: 'dc1',
        nodeId: config.nodeId,
        serverPort: 8300,
        bootstrapExpect: config.bootstrapExpect,
        bootstrap: config.bootstrap,
        build: 'test',
      }),
    );
    return entry;
  }

  addClient(name: string, host: string): void {
    this.pool.join(
      name,
      `${host}:8301`,
      clientTags({ datacenter: 'dc1', nodeId: testNodeId(Number(host.split('.').at(-1))), build: 'test' }),
    );
  }

  private build(config: ServerConfig, stores: RaftStores): Server {
    return new Server(
      {
        clock: this.clock,
        rand: this.rand.fork(),
        log: process.env['LATTICE_TEST_LOG']
          ? createLogger({ level: 'debug' }).child({ server: config.nodeName })
          : silentLogger(),
        gossip: this.pool,
        raftTransport: new IdAddressedTransport(this.network.transport(config.nodeId)),
        raftStores: stores,
        dialServer: (address) => this.dial(address),
        ...(this.authorizer === undefined ? {} : { authorizer: this.authorizer }),
      },
      config,
    );
  }

  /** An in-process client to the server at `address`, failing like a refused connection when it is down. */
  dial(address: string): RpcClient {
    return {
      call: async (method, args, options: CallOptions) => {
        const target = [...this.servers.values()].find((entry) => entry.address === address);
        if (target === undefined || !target.running || this.downAddresses.has(address)) {
          throw new RpcTransportError(address, 'connection refused', { notDelivered: true });
        }
        return target.server.handle(method, args, options);
      },
    };
  }

  async start(names: Iterable<string> = this.servers.keys()): Promise<void> {
    for (const name of names) {
      const entry = this.get(name);
      await entry.server.start();
      entry.running = true;
    }
  }

  /** Stops a server as a crash would (its stores survive); its gossip status is the test's business. */
  async crash(name: string): Promise<void> {
    const entry = this.get(name);
    entry.running = false;
    await entry.server.stop();
  }

  /** A new Server process on the surviving stores. */
  async restart(name: string): Promise<void> {
    const entry = this.get(name);
    entry.server = this.build(entry.server.config, entry.stores);
    await entry.server.start();
    entry.running = true;
  }

  async stopAll(): Promise<void> {
    for (const entry of this.servers.values()) if (entry.running) await this.crash(entry.name);
  }

  get(name: string): TestServer {
    const entry = this.servers.get(name);
    if (entry === undefined) throw new Error(`no server ${name}`);
    return entry;
  }

  leader(): TestServer | null {
    for (const entry of this.servers.values()) if (entry.running && entry.server.isLeader()) return entry;
    return null;
  }

  /** Advances time in steps until `condition` holds; throws after `budgetMs` of simulated time. */
  async runUntil(condition: () => boolean, what: string, budgetMs = 30_000, stepMs = 5): Promise<void> {
    for (let elapsedMs = 0; elapsedMs <= budgetMs; elapsedMs += stepMs) {
      for (let round = 0; round < 3; round++) await settle();
      if (condition()) return;
      this.clock.advance(stepMs);
    }
    throw new Error(`simulated ${budgetMs} ms without: ${what}`);
  }

  /** Runs `promise` while time advances, until it settles. */
  async drive<T>(promise: Promise<T>, what: string, budgetMs = 30_000): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => undefined);
    await this.runUntil(() => settled, what, budgetMs);
    return tracked;
  }
}
