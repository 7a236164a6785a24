// The server runtime: one Raft node replicating the catalog FSM into a StateStore, the RPC endpoints over it, the
// gRPC RPC service on the Raft port, cluster formation from the LAN pool, and the leader's duties.
//
// For the agent (server mode):
//   const server = new Server(
//     { clock, rand, log, gossip: lanDriver, metricsRegistry },       // gossip: the agent's LAN GossipDriver
//     serverConfigFromAgent(agentConfig),
//   );
//   // the LAN driver's Serf tags must be serverTags(...) from server/bootstrap.ts (role=consul, port, expect...)
//   await server.start();              // opens data_dir/raft + data_dir/snapshots, binds advertise:8300 (gRPC)
//   const rpc = server.rpcClient();    // in-process RpcClient: the agent's own calls go through the dispatcher
//   await server.stop();
// For a client agent: createRemoteRpcClient({ clock, rand, log, gossip }, { datacenter }) in server/rpc/server-manager.ts
// (a Startable RpcClient picking servers from the pool), and clientTags(...) as its Serf tags.
//
// Raft: ID = node ID, address = advertise:ports.server. With `bootstrap` (and in -dev) the server elects itself at
// once; with bootstrap_expect it waits for the pool (server/bootstrap.ts); otherwise it waits for a leader to add
// it. Raft starts only then (before, the RPC port answers Status.* and stale reads of an empty catalog).
// Snapshots: saveSnapshot() / restoreSnapshot(bytes), also as the Snapshot.Save / Snapshot.Restore RPCs.
// Errors every call may reject with: server/rpc/errors.ts. Metrics: server/metrics.ts on components.metricsRegistry.
//
// Past 400 lines because the dispatcher, Raft startup and the ClusterOps share the Raft node's lifecycle; the
// config (server-config.ts), stores (raft-stores.ts), formation (cluster-formation.ts) and Raft facts
// (raft-facts.ts) live apart.

import { join } from 'node:path';
import { delay } from '../lib/clock.js';
import { abortReason, LatticeError, ShutdownError } from '../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import { LeadershipLostError, NotLeaderError } from '../raft/errors.js';
import { RaftNode, RaftOverloadedError } from '../raft/node.js';
import { GrpcTransport } from '../raft/transport/grpc-transport.js';
import type { RaftTransport } from '../raft/transport/transport.js';
import { autopilotFields, effectiveAutopilotConfig } from './autopilot.js';
import { AutopilotRunner } from './autopilot-runner.js';
import { ClusterFormation } from './cluster-formation.js';
import { aclRules, allowAllRpcAuthorizer } from './endpoints/acl-rules.js';
import { buildHandlers, type ClusterOps, type EndpointContext, type HandlerTable } from './endpoints/index.js';
import { refusalFromResponse } from './endpoints/write.js';
import { encodeCommand } from './fsm/codec.js';
import { autopilotCommand, batchConflictKey, type Command } from './fsm/commands.js';
import { CatalogFsm } from './fsm/fsm.js';
import { CaInitializer } from './leader/ca-init.js';
import { LeaderDuties } from './leader/leader-duties.js';
import { SessionTtlTimers } from './leader/session-ttl.js';
import { TombstoneGc } from './leader/tombstone-gc.js';
import { ServerMetrics } from './metrics.js';
import { ProposalBatcher } from './proposal-batcher.js';
import { raftConfigurationReply, raftStatsReply, voterAddresses } from './raft-facts.js';
import { hasRaftState, openRaftStores } from './raft-stores.js';
import {
  NoLeaderError,
  NotFoundError,
  PermissionDeniedError,
  RpcInternalError,
  RpcOverloadedError,
  UnknownMethodError,
} from './rpc/errors.js';
import { forwardBackoffMs, forwardRetryable } from './rpc/forward-retry.js';
import { GrpcRpcClient } from './rpc/grpc-client.js';
import { rpcService, rpcServiceImplementation } from './rpc/grpc-service.js';
import {
  type AutopilotHealthReply,
  type AutopilotStateReply,
  type CallOptions,
  defaultQueryOptions,
  type QueryOptions,
  type RaftConfigurationReply,
  type RaftStatsReply,
  type RpcClient,
  type RpcMethodName,
  type RpcMethods,
  type SnapshotRestoreReply,
  type SnapshotSaveReply,
} from './rpc/methods.js';
import { methodRoutes, needsLeader, routeDatacenter } from './rpc/router.js';
import { forwardHopsMax } from './rpc/wire.js';
import { blockingQueriesMax, type RaftStores, type ServerComponents, type ServerConfig } from './server-config.js';
import { SharedTransport } from './shared-transport.js';
import { writeSnapshotArchive } from './snapshot-archive.js';
import { restoreThroughRaft, snapshotBytes } from './snapshot-restore.js';
import { autopilotConfig } from './state/autopilot-ops.js';
import { StateStore } from './state/store.js';
import { checksSchema, nodesSchema, servicesSchema } from './state/tables/catalog.js';

export type {
  AgentServerSettings,
  RaftStores,
  ServerComponents,
  ServerConfig,
} from './server-config.js';
export { blockingQueriesMax, serverConfigFromAgent } from './server-config.js';

export class Server implements Startable, ClusterOps {
  readonly store: StateStore;
  readonly metrics: ServerMetrics;
  private readonly fsm: CatalogFsm;
  private readonly log: Logger;
  private readonly lifecycle = new LifecycleState();
  private readonly handlers: HandlerTable;
  private readonly duties: LeaderDuties;
  private readonly sessionTtl: SessionTtlTimers;
  private readonly tombstoneGc: TombstoneGc;
  private readonly caInit: CaInitializer;
  private readonly autopilot: AutopilotRunner;
  private readonly formation: ClusterFormation;
  private readonly dialed = new Map<string, RpcClient & { close?(): void }>();
  private raft: RaftNode | null = null;
  private transport: RaftTransport | null = null;
  private stores: RaftStores | null = null;
  private closeStores: () => Promise<void> = async () => undefined;
  private raftStarting: Promise<void> | null = null;
  private startedAtMs = 0;
  private lastLeaderContactMs: number | null = null;
  private readonly stopController = new AbortController();
  /** The restore in progress, if any: the next one starts after it. */
  private restoreQueue: Promise<unknown> = Promise.resolve();
  /** Catalog writes of one event-loop turn share a Raft entry. */
  private readonly batcher = new ProposalBatcher((command) =>
    this.requireRaft().propose(encodeCommand(command), { signal: this.stopController.signal }),
  );

  constructor(
    private readonly components: ServerComponents,
    readonly config: ServerConfig,
  ) {
    this.log = components.log;
    this.store = new StateStore({
      onWatchError: (error) => this.log.error({ err: error }, 'a state store watcher threw'),
      nowMs: () => components.clock.nowMs(),
    });
    const kvLeader = { clock: components.clock, log: this.log, store: this.store };
    const applyOnLeader = (command: Command, signal: AbortSignal) => this.apply(command, signal);
    this.sessionTtl = new SessionTtlTimers({ ...kvLeader, apply: applyOnLeader });
    this.tombstoneGc = new TombstoneGc({ ...kvLeader, apply: applyOnLeader });
    this.caInit = new CaInitializer({
      ...kvLeader,
      apply: applyOnLeader,
      ...(config.caConfig ? { config: config.caConfig } : {}),
      ...(config.caPrivateKeyPem ? { privateKeyPem: config.caPrivateKeyPem } : {}),
      configEntries: config.configEntriesBootstrap ?? [],
    });
    this.fsm = new CatalogFsm(this.store);
    this.metrics = new ServerMetrics(components.metricsRegistry ?? null, {
      nodes: () => this.store.table(nodesSchema).size,
      services: () => this.store.table(servicesSchema).size,
      checks: () => this.store.table(checksSchema).size,
    });
    const context: EndpointContext = {
      store: this.store,
      clock: components.clock,
      rand: components.rand,
      metrics: this.metrics,
      blocking: { inFlight: 0, inFlightMax: blockingQueriesMax },
      maxQueryTimeMs: config.maxQueryTimeMs,
      defaultQueryTimeMs: config.defaultQueryTimeMs,
      apply: (command, signal) => this.apply(command, signal),
      readBarrier: async (signal) => {
        await this.requireRaft().read(signal === undefined ? {} : { signal });
      },
      knownLeader: () => (this.raft?.leaderId() ?? null) !== null,
      lastContactMs: () => this.lastContactMs(),
      sessionTimers: this.sessionTtl,
    };
    // Catalog.ListDatacenters: every datacenter the WAN pool knows, nearest first (just this one without a pool).
    const wan = components.wan ?? null;
    this.handlers = buildHandlers(
      context,
      this,
      () => (wan ? wan.datacenters() : [config.datacenter]),
      () => wan?.datacenterMaps() ?? [],
    );
    this.autopilot = new AutopilotRunner({
      clock: components.clock,
      log: this.log,
      gossip: components.gossip,
      config: () => effectiveAutopilotConfig(config.autopilot, autopilotConfig(this.store).value),
      localId: config.nodeId,
      raft: () => this.requireRaft(),
      stats: (id, address, signal) => this.serverStats(id, address, signal),
    });
    this.formation = new ClusterFormation({
      clock: components.clock,
      log: this.log,
      gossip: components.gossip,
      config,
      isDecided: () => this.raftStarting !== null,
      startRaft: (voters, reason) => this.startRaft(voters, reason),
      peerCount: (id, address) => this.peerCount(id, address),
    });
    this.duties = new LeaderDuties({
      clock: components.clock,
      log: this.log,
      metrics: this.metrics,
      store: this.store,
      gossip: components.gossip,
      context: { datacenter: config.datacenter, localNodeName: config.nodeName },
      localServerId: config.nodeId,
      reconcileIntervalMs: config.reconcileIntervalMs,
      autopilotIntervalMs: config.autopilotIntervalMs,
      barrier: async (signal) => {
        await this.requireRaft().barrier({ signal });
      },
      apply: (command, signal) => this.apply(command, signal),
      raft: {
        configuration: () => {
          const configuration = this.requireRaft().configuration();
          const members = new Map<string, string>();
          for (const id of [...configuration.voters, ...configuration.nonvoters])
            members.set(id, configuration.addresses[id] ?? '');
          return { members };
        },
        addNonvoter: async (id, address, signal) => {
          await this.requireRaft().addNonvoter(id, address, { signal });
        },
        removeServer: async (id, signal) => {
          await this.requireRaft().removeServer(id, { signal });
        },
      },
      autopilot: (signal) => this.autopilot.pass(signal),
    });
  }

  // ---- lifecycle ----

  async start(options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.start(async () => {
      try {
        await this.open(options);
      } catch (error) {
        // A port in use or a corrupt store: release what was opened (level holds a lock on the data dir).
        this.formation.stop();
        await this.raft?.stop().catch(() => undefined);
        await this.transport?.stop().catch(() => undefined);
        await this.closeStores().catch(() => undefined);
        throw error;
      }
    });
  }

  private async open(options: AbortOptions): Promise<void> {
    this.startedAtMs = this.components.clock.nowMs();
    const opened = this.components.raftStores
      ? { stores: this.components.raftStores, close: async () => undefined }
      : await openRaftStores(this.config.dataDir, this.log);
    this.stores = opened.stores;
    this.closeStores = opened.close;
    const transport =
      this.components.raftTransport ??
      new GrpcTransport(
        {
          clock: this.components.clock,
          rand: this.components.rand,
          log: this.log.child({ module: 'raft.transport' }),
        },
        {
          localId: this.config.nodeId,
          bindAddress: this.config.bindAddress,
          advertiseAddress: this.config.advertiseAddress,
          tls: this.config.tls,
          extraServices: [
            {
              definition: rpcService,
              implementation: rpcServiceImplementation((method, args, callOptions) =>
                this.handle(method, args, callOptions),
              ),
            },
          ],
        },
      );
    this.transport = transport;
    await transport.start(options);
    const hasState = await hasRaftState(this.stores);
    if (hasState) await this.startRaft([], 'existing Raft state');
    else if (this.config.bootstrap)
      await this.startRaft([{ id: this.config.nodeId, address: this.config.advertiseAddress }], 'bootstrap mode');
    else if (this.config.bootstrapExpect > 0) this.formation.start();
    else await this.startRaft([], 'waiting to be added by a leader');
    this.log.info(
      { id: this.config.nodeId, address: this.config.advertiseAddress, expect: this.config.bootstrapExpect },
      'server started',
    );
  }

  async stop(_options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.stop(async () => {
      this.stopController.abort(new ShutdownError('server stopped'));
      this.formation.stop();
      await this.raftStarting?.catch(() => undefined);
      await this.duties.stop();
      this.sessionTtl.stop();
      this.tombstoneGc.stop();
      this.caInit.stop();
      await this.raft?.stop();
      await this.transport?.stop();
      for (const client of this.dialed.values()) client.close?.();
      this.dialed.clear();
      await this.closeStores();
    });
  }

  /**
   * Before a graceful leave (`lattice leave`, leave_on_terminate): a leader hands leadership to the most
   * caught-up voter so the cluster does not wait out an election (Consul server.go Leave). The new leader
   * removes this server from Raft when gossip reports it left. Resolves early on the caller's signal.
   */
  async leave(options: AbortOptions = {}): Promise<void> {
    const raft = this.raft;
    if (raft === null || !raft.isLeader() || raft.configuration().voters.length < 2) return;
    try {
      await raft.transferLeadership(null, options);
      this.log.info({ leader: raft.leaderId() }, 'handed leadership over before leaving');
    } catch (error) {
      this.log.warn({ err: error }, 'leadership transfer before leaving failed; leaving anyway');
    }
  }

  /** The in-process RpcClient for the agent that runs this server. */
  rpcClient(): RpcClient {
    return { call: (method, args, options) => this.handle(method, args, options) };
  }

  isLeader(): boolean {
    return this.raft?.isLeader() ?? false;
  }

  /** The Raft node once it runs (tests and the agent's /v1/agent/self); null while waiting to bootstrap. */
  raftNode(): RaftNode | null {
    return this.raft;
  }

  // ---- dispatch ----

  /** Runs `method` here or on the leader, after routing the datacenter (Consul rpc.go forward). */
  async handle<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    const handler = this.handlers[method] as unknown as
      | ((args: unknown, call: unknown) => Promise<RpcMethods[M]['reply']>)
      | undefined;
    if (handler === undefined) throw new UnknownMethodError(String(method));
    this.metrics.rpcRequests.inc({ method });
    try {
      routeDatacenter(options.context.datacenter, this.config.datacenter);
      this.authorize(method, args, options.context.token);
      const query = options.query ?? defaultQueryOptions;
      if (methodRoutes[method] === 'leader') {
        const startedMs = this.components.clock.nowMs();
        try {
          return await this.runHereOrOnLeader(method, args, options, handler, query);
        } finally {
          this.metrics.raftApplySeconds.observe((this.components.clock.nowMs() - startedMs) / 1000);
        }
      }
      return await this.runHereOrOnLeader(method, args, options, handler, query);
    } catch (error) {
      const mapped = this.mapError(error);
      this.metrics.rpcErrors.inc({ method, code: mapped instanceof LatticeError ? mapped.code : 'unknown' });
      throw mapped;
    }
  }

  /** Runs the handler here, or forwards to the leader when the method or consistency mode needs it. */
  private async runHereOrOnLeader<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
    handler: (args: unknown, call: unknown) => Promise<RpcMethods[M]['reply']>,
    query: QueryOptions,
  ): Promise<RpcMethods[M]['reply']> {
    const staleness = { maxStaleMs: query.maxStaleMs ?? 0, lastContactMs: this.lastContactMs() };
    if (needsLeader(methodRoutes[method], query.consistency, staleness) && !this.isLeader())
      return await this.forward(method, args, options);
    try {
      return await handler(args, { context: options.context, query, signal: options.signal });
    } catch (error) {
      // Deposed between the check and the proposal: the new leader gets the call.
      if (error instanceof NotLeaderError) return await this.forward(method, args, options);
      throw error;
    }
  }

  private authorize(method: RpcMethodName, args: unknown, token: string): void {
    const rule = aclRules[method];
    if (rule.resource === 'none') return;
    const authorizer = this.components.authorizer ?? allowAllRpcAuthorizer;
    const request = {
      token: token === '' ? null : token,
      resource: rule.resource,
      access: rule.access,
      name: rule.name(args),
    };
    if (!authorizer.allows(request)) throw new PermissionDeniedError();
  }

  private mapError(error: unknown): unknown {
    if (error instanceof RaftOverloadedError) return new RpcOverloadedError(error.message, { cause: error });
    if (error instanceof LeadershipLostError)
      return new RpcInternalError('leadership lost while committing log', { cause: error });
    if (error instanceof NotLeaderError) return new NoLeaderError({ cause: error });
    return error;
  }

  /**
   * Sends the call to the leader (Consul rpc.go forwardRequestToLeader): waits for one to be known, and while
   * rpcHoldTimeoutMs has not passed since the first try, tries again after a jittered, doubling wait when the
   * failure proves nothing was changed (forward-retry.ts): during a failover this server names the dead leader
   * until the election, and the call then lands on the new one instead of failing.
   */
  private async forward<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    const hops = options.forwardHops ?? 0;
    if (hops >= forwardHopsMax) throw new NoLeaderError();
    const { clock, rand } = this.components;
    const deadlineMs = clock.nowMs() + this.config.rpcHoldTimeoutMs;
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const leader = await this.waitForLeader(options.signal, deadlineMs);
      if (leader === this.config.advertiseAddress && this.isLeader()) return this.handle(method, args, options);
      this.metrics.rpcForwarded.inc({ method });
      try {
        return await this.dial(leader).call(method, args, { ...options, forwardHops: hops + 1 });
      } catch (error) {
        if (!forwardRetryable(methodRoutes[method], error) || clock.nowMs() >= deadlineMs) throw error;
        waitedMs = forwardBackoffMs(this.config.rpcHoldTimeoutMs, attempt, waitedMs, rand);
        this.log.debug({ method, leader, err: error, waitMs: Math.round(waitedMs) }, 'forward failed; retrying');
        await delay(clock, Math.min(waitedMs, Math.max(0, deadlineMs - clock.nowMs())), options.signal);
      }
    }
  }

  /** The leader's address, waiting until `deadlineMs` for one to be elected. */
  private async waitForLeader(signal: AbortSignal | undefined, deadlineMs: number): Promise<string> {
    const stepMs = Math.max(10, Math.min(250, this.config.raftTickMs));
    for (;;) {
      const address = this.leaderAddress();
      if (address !== '') return address;
      if (this.components.clock.nowMs() >= deadlineMs) throw new NoLeaderError();
      if (signal?.aborted) throw abortReason(signal);
      await delay(this.components.clock, stepMs, signal);
    }
  }

  private dial(address: string): RpcClient {
    let client = this.dialed.get(address);
    if (client === undefined) {
      client =
        this.components.dialServer?.(address) ?? new GrpcRpcClient(address, this.components.clock, this.config.tls);
      this.dialed.set(address, client);
    }
    return client;
  }

  private async apply(command: Command, signal?: AbortSignal): Promise<{ index: number; value: unknown }> {
    const raft = this.requireRaft();
    const startedMs = this.components.clock.nowMs();
    const result =
      batchConflictKey(command) === undefined
        ? await raft.propose(encodeCommand(command), signal === undefined ? {} : { signal })
        : await this.batcher.submit(command, signal);
    this.metrics.raftCommitSeconds.observe((this.components.clock.nowMs() - startedMs) / 1000);
    const refusal = refusalFromResponse(result.response);
    if (refusal !== null) throw refusal;
    const value = (result.response as { value?: unknown } | null)?.value;
    return { index: result.index, value };
  }

  private requireRaft(): RaftNode {
    if (this.raft === null) throw new NoLeaderError();
    return this.raft;
  }

  private lastContactMs(): number {
    if (this.isLeader()) return 0;
    const nowMs = this.components.clock.nowMs();
    return Math.round(nowMs - (this.lastLeaderContactMs ?? this.startedAtMs));
  }

  // ---- Raft startup and cluster formation ----

  private startRaft(bootstrap: readonly { id: string; address: string }[], reason: string): Promise<void> {
    if (this.raftStarting !== null) return this.raftStarting;
    this.raftStarting = this.startRaftNow(bootstrap, reason);
    return this.raftStarting;
  }

  private async startRaftNow(bootstrap: readonly { id: string; address: string }[], reason: string): Promise<void> {
    const stores = this.stores;
    const transport = this.transport;
    if (stores === null || transport === null) throw new ShutdownError('server not started');
    const { clock, rand } = this.components;
    const raft = new RaftNode(
      {
        clock,
        rand,
        log: this.log.child({ module: 'raft' }),
        ...stores,
        transport: new SharedTransport(transport, (from) => {
          if (from === this.raft?.leaderId()) this.lastLeaderContactMs = clock.nowMs();
        }),
        fsm: this.fsm,
      },
      {
        id: this.config.nodeId,
        tickMs: this.config.raftTickMs,
        core: { electionTicks: this.config.raftElectionTicks, heartbeatTicks: this.config.raftHeartbeatTicks },
        snapshotThreshold: this.config.snapshotThreshold,
        snapshotIntervalMs: this.config.snapshotIntervalMs,
        trailingLogs: this.config.trailingLogs,
        bootstrap,
        // Consul's manual outage recovery: <data_dir>/raft/peers.json is applied at start, then deleted.
        raftDir: this.config.dataDir === null ? null : join(this.config.dataDir, 'raft'),
      },
    );
    raft.on('leader-change', ({ leaderId, term }) => {
      this.metrics.leaderChanges.inc();
      if (leaderId !== null) this.lastLeaderContactMs = clock.nowMs();
      this.log.info({ leader: leaderId, term }, 'raft leader changed');
    });
    raft.on('role-change', ({ role }) => {
      if (role === 'leader') this.duties.start();
      else void this.duties.stop();
      // Session timers arm once the log is applied (after a barrier), so no session of the old term is missed.
      if (role === 'leader')
        raft.barrier({ signal: this.stopController.signal }).then(
          () => {
            if (!raft.isLeader()) return;
            this.sessionTtl.start();
            this.caInit.start();
            this.initAutopilotConfig();
          },
          () => undefined,
        );
      else {
        this.sessionTtl.stop();
        this.caInit.stop();
      }
      if (role === 'leader') this.tombstoneGc.start();
      else this.tombstoneGc.stop();
    });
    raft.on('fatal', ({ error }) => this.log.error({ err: error }, 'raft stopped on an unrecoverable error'));
    this.raft = raft;
    this.log.info({ reason, voters: bootstrap.map((server) => server.id) }, 'starting raft');
    await raft.start();
  }

  /** The leader's first write of the autopilot configuration, from the agent's, when none is stored (Consul). */
  private initAutopilotConfig(): void {
    if (autopilotConfig(this.store).value !== null) return;
    const command = autopilotCommand({ Config: autopilotFields(this.config.autopilot), Mode: 'absent' });
    this.apply(command, this.stopController.signal).catch((error: unknown) =>
      this.log.warn({ err: error }, 'writing the initial autopilot configuration failed; a later leader retries'),
    );
  }

  private async peerCount(id: string, address: string): Promise<number | null> {
    if (id === this.config.nodeId) return this.raftStats().PeerCount;
    const stats = await this.serverStats(id, address, this.stopController.signal);
    return stats?.PeerCount ?? null;
  }

  /** Status.RaftStats of another server (or this one), null when it does not answer in time. */
  private async serverStats(id: string, address: string, signal: AbortSignal): Promise<RaftStatsReply | null> {
    if (id === this.config.nodeId) return this.raftStats();
    const timeout = new AbortController();
    // A server that does not answer within an election timeout is as good as unreachable.
    const electionTimeoutMs = this.config.raftElectionTicks * this.config.raftTickMs;
    const timer = this.components.clock.setTimer(Math.max(1_000, electionTimeoutMs), () => timeout.abort());
    try {
      return await this.dial(address).call(
        'Status.RaftStats',
        {},
        {
          context: { datacenter: this.config.datacenter, token: '' },
          signal: AbortSignal.any([signal, timeout.signal]),
        },
      );
    } catch (error) {
      this.log.debug(
        { server: address, err: error instanceof Error ? error.message : error },
        'Status.RaftStats failed',
      );
      return null;
    } finally {
      timer.cancel();
    }
  }

  // ---- ClusterOps (status, operator, snapshot endpoints) ----

  leaderAddress(): string {
    return this.raft?.leaderAddress() ?? '';
  }

  peerAddresses(): readonly string[] {
    return this.raft === null ? [] : voterAddresses(this.raft);
  }

  raftConfiguration(): RaftConfigurationReply {
    return raftConfigurationReply(this.requireRaft(), this.components.gossip.members(), this.config);
  }

  raftStats(): RaftStatsReply {
    const lastContactMs = this.lastLeaderContactMs === null ? -1 : this.lastContactMs();
    return raftStatsReply(this.raft, this.config, lastContactMs);
  }

  async removePeer(target: { readonly id: string; readonly address: string }, signal?: AbortSignal): Promise<void> {
    const raft = this.requireRaft();
    const configuration = raft.configuration();
    const ids = [...configuration.voters, ...configuration.nonvoters];
    const id =
      target.id !== ''
        ? ids.find((candidate) => candidate === target.id)
        : ids.find((candidate) => configuration.addresses[candidate] === target.address);
    if (id === undefined) {
      throw new NotFoundError(
        target.id !== ''
          ? `id "${target.id}" was not found in the Raft configuration`
          : `address "${target.address}" was not found in the Raft configuration`,
      );
    }
    await raft.removeServer(id, signal === undefined ? {} : { signal });
  }

  async transferLeadership(id: string, signal?: AbortSignal): Promise<void> {
    await this.requireRaft().transferLeadership(id === '' ? null : id, signal === undefined ? {} : { signal });
  }

  autopilotHealth(signal?: AbortSignal): Promise<AutopilotHealthReply> {
    return this.autopilot.healthReply(signal ?? this.stopController.signal);
  }

  /** Each server's Meta is its catalog node's, found by node ID as Consul's autopilotServerFromMetadata does. */
  autopilotState(signal?: AbortSignal): Promise<AutopilotStateReply> {
    const nodes = this.store.table(nodesSchema);
    return this.autopilot.stateReply(
      signal ?? this.stopController.signal,
      (id) => nodes.lookup('uuid', id.toLowerCase())[0]?.Meta ?? null,
    );
  }

  /**
   * A snapshot of the catalog as it is after a barrier on the leader, in Consul's archive layout (a gzipped tar of
   * meta.json, state.bin in server/fsm's format, and SHA256SUMS; snapshot-archive.ts).
   */
  async saveSnapshot(signal?: AbortSignal): Promise<SnapshotSaveReply> {
    const raft = this.requireRaft();
    await raft.barrier(signal === undefined ? {} : { signal });
    const state = await snapshotBytes(this.fsm, signal);
    const configuration = this.raftConfiguration();
    const Data = writeSnapshotArchive(state.Data, {
      index: state.Index,
      term: state.Term,
      servers: configuration.Servers.map((server) => ({
        Suffrage: server.Voter ? 0 : 1,
        ID: server.ID,
        Address: server.Address,
      })),
      // The Raft facts carry no index of the last membership change; it is at or below the snapshot's.
      configurationIndex: Math.min(configuration.Index, state.Index),
      wallMs: this.components.clock.wallMs(),
    });
    return { ...state, Data };
  }

  /**
   * Replaces the whole state with the snapshot's through Raft, as one swap on every server at the restore's last
   * entry, indexes as the snapshot stored them (snapshot-restore.ts); blocking queries return at once.
   */
  restoreSnapshot(data: Uint8Array, signal?: AbortSignal): Promise<SnapshotRestoreReply> {
    // One at a time: a second upload's first part would drop the first's staged parts.
    const restore = this.restoreQueue.then(() => restoreThroughRaft(data, (command) => this.apply(command, signal)));
    this.restoreQueue = restore.catch(() => undefined);
    return restore;
  }
}
