// The agent: owns the subsystems and runs them in dependency order, stopping them in reverse (STYLE §3.3):
// PID file, LAN gossip, -join, the control plane (in-process Server or RPC client, through one seam), on servers
// the WAN gossip pool (runtime/gossip-wan.ts), local services and checks, check runner, anti-entropy, coordinate
// updates, retry_join, HTTP. A graceful leave (signal policy or /v1/agent/leave) leaves the gossip pools (WAN
// first) before stopping.

import { arch, availableParallelism, platform } from 'node:os';
import type { GossipDriver } from '../gossip/driver.js';
import type { KeyManager } from '../gossip/key-manager.js';
import type { SerfMember } from '../gossip/serf/members.js';
import { type CoordinateJson, coordinateToJson } from '../gossip/vivaldi/coordinate.js';
import { type Clock, RealClock } from '../lib/clock.js';
import { NotImplementedError } from '../lib/errors.js';
import { lazyModule } from '../lib/lazy-module.js';
import { type AbortOptions, LifecycleState, type Startable, startAll } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import { type Rand, SeededRand } from '../lib/rand.js';
import { NoServersError } from '../server/rpc/errors.js';
import type { RpcClient } from '../server/rpc/methods.js';
import { type Authorizer, allowAllAuthorizer } from './acl/authorizer.js';
import { AntiEntropySyncer } from './ae/syncer.js';
import type { BuildInfo, RuntimeInfo } from './build-info.js';
import { CheckRunner } from './checks/runner.js';
import type { AgentConfig } from './config/types.js';
import { AgentConnect } from './connect/agent-connect.js';
import { AgentProxySource } from './connect/proxy-source.js';
import { agentEventStore, type EventStore } from './events/events.js';
import { buildHttpApi } from './http/api.js';
import { ClientConnectionLimit } from './http/client-connection-limit.js';
import { HttpServer } from './http/server.js';
import { LocalPersistence } from './local/persist.js';
import { Registrar } from './local/registrar.js';
import { LocalState } from './local/state.js';
import type { LocalNode } from './local/types.js';
import { PidFile } from './pid-file.js';
import { rpcRemoteExecKv } from './remote-exec/kv-rpc.js';
import { RemoteExec } from './remote-exec/remote-exec.js';
import type { ControlPlane, ControlPlaneFactory } from './runtime/control-plane.js';
import type { StatsSections } from './runtime/control-plane-stats.js';
import { CoordinateSender } from './runtime/coordinate-sender.js';
import { createLanGossip, joinAddress } from './runtime/gossip-lan.js';
import { WanMembership, WanUnavailableError } from './runtime/gossip-wan.js';
import type { AgentHandle } from './runtime/handle.js';
import type { LogSource } from './runtime/log-fanout.js';
import { ManagedProxies } from './runtime/managed-proxies.js';
import { AgentMetrics } from './runtime/metrics.js';
import { RetryJoin } from './runtime/retry-join.js';
import { countSerfMemberEvents } from './runtime/serf-metrics.js';

export interface AgentComponents {
  /** The root logger; each subsystem gets a child with its own `module` (pino would repeat a nested one). */
  readonly log: Logger;
  readonly build: BuildInfo;
  /** Defaults to the allow-all authorizer until the ACL system exists. */
  readonly authorizer?: Authorizer;
  readonly runtime?: RuntimeInfo;
  readonly pid?: number;
  readonly clock?: Clock;
  readonly rand?: Rand;
  /** The server runtime or server client (server/); without it nothing reaches a catalog. */
  readonly controlPlane?: ControlPlaneFactory;
  /** Re-reads the configuration for `reload`; absent = reload answers "not implemented". */
  readonly reloadConfig?: () => Promise<AgentConfig>;
  /** Told the reloaded configuration once the agent applied it (the CLI's `watches` plans restart then). */
  readonly onConfigReloaded?: (config: AgentConfig) => Promise<void>;
  /** The teed log output, for /v1/agent/monitor. */
  readonly logs?: LogSource;
  /** Asked to end the process (after /v1/agent/leave, or retry_max exhausted). */
  readonly onShutdownRequested?: (reason: string, outcome: 'left' | 'failed') => void;
}

/** Stopping must fit inside the second an operator waits after Ctrl-C, with room for the process to exit. */
export const shutdownGraceMs = 800;
/** Consul's anti-entropy full-sync interval before scaling. */
export const fullSyncIntervalMs = 60_000;

const loadDnsInterface = lazyModule(
  'the DNS interface (agent/dns/from-config.js)',
  () => import('./dns/from-config.js'),
);

/** Wraps a start/stop pair as a Startable (for steps that are one call each way). */
function step(start: () => Promise<void>, stop: () => Promise<void> = async () => undefined): Startable {
  return { start, stop };
}

export class Agent implements Startable, AgentHandle {
  readonly state: LocalState;
  readonly registrar: Registrar;
  readonly checks: CheckRunner;
  readonly metrics: AgentMetrics;
  readonly syncer: AntiEntropySyncer;
  private readonly lifecycle = new LifecycleState();
  private readonly subsystems: readonly Startable[];
  private readonly http: HttpServer;
  /** limits.http_max_conns_per_client across all HTTP listeners; a reload changes it for new connections. */
  private readonly httpConnectionLimit: ClientConnectionLimit;
  /** Connect roots, leaf certificates and intentions, cached (agent/connect); the proxy calls it directly. */
  readonly connect: AgentConnect;
  private readonly log: Logger;
  private readonly gossip: GossipDriver;
  /** Servers only (and not with ports.serf_wan = -1): the WAN pool of all datacenters' servers. */
  private readonly wan: WanMembership | null;
  private controlPlane: ControlPlane | null = null;
  readonly clock: Clock;
  /** User events received over gossip (agent/events), for /v1/event/*. */
  readonly events: EventStore;
  /** `lattice exec` jobs (agent/remote-exec): ignored unless disable_remote_exec = false. */
  private readonly remoteExec: RemoteExec;
  private stopAll: ((options?: AbortOptions) => Promise<void>) | null = null;
  private leaving: Promise<void> | null = null;

  constructor(
    private readonly components: AgentComponents,
    readonly config: AgentConfig,
  ) {
    const runtime = components.runtime ?? hostRuntime();
    const log = components.log;
    const clock = components.clock ?? new RealClock();
    const rand = components.rand ?? new SeededRand(Math.floor(Math.random() * 2 ** 31));
    this.clock = clock;
    this.log = log.child({ module: 'agent' });
    this.gossip = createLanGossip(
      { clock, rand, log: log.child({ module: 'agent.serf.lan' }) },
      config,
      components.build,
    );
    this.state = new LocalState(
      { clock },
      { node: localNode(config, components.build), checkUpdateIntervalMs: config.checkUpdateIntervalMs },
    );
    this.remoteExec = new RemoteExec(
      {
        clock,
        log: log.child({ module: 'agent.remote_exec' }),
        kv: rpcRemoteExecKv(this.serverRpc, { datacenter: config.datacenter, token: '' }),
      },
      { nodeName: config.nodeName, disabled: config.disableRemoteExec },
    );
    this.events = agentEventStore({
      nodeName: config.nodeName,
      gossip: this.gossip,
      state: this.state,
      onRemoteExec: (event) => this.remoteExec.handle(event),
    });
    const persistence =
      config.dataDir === null ? null : new LocalPersistence(config.dataDir, log.child({ module: 'agent.local' }));
    this.registrar = new Registrar(
      this.state,
      persistence,
      {
        nodeName: config.nodeName,
        sidecarMinPort: config.ports.sidecarMinPort,
        sidecarMaxPort: config.ports.sidecarMaxPort,
      },
      log.child({ module: 'agent.local' }),
    );
    const rpc = (): RpcClient | null => this.currentRpc();
    this.checks = new CheckRunner(
      {
        clock,
        rand,
        log: log.child({ module: 'agent.checks' }),
        state: this.state,
        rpc,
        deregisterService: (id) => this.registrar.deregisterService(id),
        ...(persistence ? { persistTtlState: (saved) => persistence.saveCheckState(saved) } : {}),
      },
      {
        nodeName: config.nodeName,
        datacenter: config.datacenter,
        scriptChecksEnabled: config.enableScriptChecks || config.enableLocalScriptChecks,
      },
    );
    this.syncer = new AntiEntropySyncer(
      {
        clock,
        rand,
        log: log.child({ module: 'agent.anti_entropy' }),
        state: this.state,
        rpc,
        clusterSize: () => Math.max(1, this.members().filter((member) => member.status === 'alive').length),
        onRound: ({ ok }) => {
          this.metrics.syncCount.inc();
          if (!ok) this.metrics.syncFailures.inc();
        },
      },
      { datacenter: config.datacenter, isServer: config.server, fullSyncIntervalMs, agentToken: '' },
    );
    this.metrics = new AgentMetrics({
      state: () => this.state,
      members: () => this.members().length,
      // Lifeguard's awareness score: 0 healthy, up to 7 when this node is slow to answer probes.
      healthScore: () => safe(() => this.gossip.serfLayer().core.awarenessScore, 0),
    });
    countSerfMemberEvents(this.metrics.registry, this.gossip.events, 'lan');
    this.wan =
      config.server && config.ports.serfWan >= 0
        ? new WanMembership(
            {
              clock,
              rand,
              log: log.child({ module: 'agent.serf.wan' }),
              build: components.build,
              metricsRegistry: this.metrics.registry,
              lan: {
                members: () => this.gossip.members(),
                onMemberJoin: (on) => this.gossip.events.on('member-join', on),
              },
              onGiveUp: (error) => components.onShutdownRequested?.(error.message, 'failed'),
            },
            config,
          )
        : null;
    this.connect = new AgentConnect(
      { rpc: this.serverRpc, clock, rand, log: log.child({ module: 'agent.connect' }) },
      { datacenter: config.datacenter, defaultAllow: !config.aclEnabled || config.aclDefaultPolicy === 'allow' },
    );
    this.httpConnectionLimit = new ClientConnectionLimit(config.limits.httpMaxConnsPerClient);
    this.http = new HttpServer(
      {
        log: log.child({ module: 'agent.http' }),
        buildApi: () =>
          buildHttpApi({
            config,
            build: components.build,
            runtime,
            authorizer: components.authorizer ?? allowAllAuthorizer,
            log: log.child({ module: 'agent.http' }),
            agent: this,
            rpc: this.serverRpc,
            connect: this.connect,
            events: this.events,
            connectionLimit: this.httpConnectionLimit,
          }),
      },
      { addresses: config.addresses.http, port: config.ports.http, httpsPort: config.ports.https, tls: config.tls },
    );
    this.subsystems = this.subsystemsInOrder(clock, rand, log);
    // Serf stops a node that lost a name conflict (most members know the name at another address); so do we.
    this.gossip.events.on('name-conflict', ({ outcome, otherAddress }) => {
      if (outcome === 'lost')
        components.onShutdownRequested?.(`node name ${config.nodeName} belongs to ${otherAddress}`, 'failed');
    });
  }

  /** The servers as one RpcClient for HTTP and DNS: whatever the control plane picks now, or `No known servers`. */
  private readonly serverRpc: RpcClient = {
    call: (method, args, options) => {
      const client = this.currentRpc();
      if (client === null) return Promise.reject(new NoServersError());
      return client.call(method, args, options);
    },
  };

  private currentRpc(): RpcClient | null {
    return this.controlPlane?.rpcClient() ?? null;
  }

  /** Start order; stop runs it backwards (STYLE §3.3). */
  private subsystemsInOrder(clock: Clock, rand: Rand, log: Logger): Startable[] {
    const { config, components } = this;
    const rpc = (): RpcClient | null => this.currentRpc();
    const subsystems: Startable[] = [];
    if (config.pidFile !== null) subsystems.push(new PidFile(config.pidFile, components.pid ?? process.pid));
    subsystems.push(this.gossip);
    if (config.startJoin.length > 0) subsystems.push(step(() => this.startJoin()));
    subsystems.push(this.controlPlaneStep(clock, rand, log));
    // After the server runtime, as Consul's NewServer opens its RPC listener before the WAN pool; the server reads
    // the pool lazily (an unstarted pool knows only this datacenter).
    if (this.wan) subsystems.push(this.wan);
    subsystems.push(
      step(
        async () => {
          await this.registrar.loadConfigDefinitions(config.services, config.checks);
          await this.registrar.restorePersisted(clock.wallMs());
        },
        async () => this.state.close(),
      ),
    );
    subsystems.push(this.checks, this.syncer);
    // Remote exec jobs write through the control plane, so they stop (killing what still runs) before it does.
    subsystems.push(this.remoteExec);
    subsystems.push(
      new CoordinateSender(
        { clock, rand, log: log.child({ module: 'agent.coordinate' }), coordinate: () => this.gossipCoordinate(), rpc },
        { nodeName: config.nodeName, datacenter: config.datacenter },
      ),
    );
    if (config.retryJoin.length > 0)
      subsystems.push(
        new RetryJoin(
          {
            clock,
            rand,
            log: log.child({ module: 'agent.retry_join' }),
            join: (addresses) =>
              this.gossip.join(addresses.map((address) => joinAddress(address, config.ports.serfLan))),
            onGiveUp: (error) => components.onShutdownRequested?.(error.message, 'failed'),
          },
          { addresses: config.retryJoin, retryIntervalMs: config.retryIntervalMs, retryMax: config.retryMax },
        ),
      );
    subsystems.push(this.connect);
    // Managed proxies (runtime/managed-proxies.ts): after the control plane, local state and the Connect caches
    // they read, so they stop before all three. Only with connect.enabled and connect.managed_proxies (off when the
    // host runs `lattice connect proxy` processes itself); a proxy that fails is logged, not fatal.
    if (config.connectEnabled && config.connectManagedProxies) {
      const proxyLog = log.child({ module: 'agent.proxy' });
      subsystems.push(
        new ManagedProxies(
          {
            state: this.state,
            source: new AgentProxySource(
              { connect: this.connect, rpc: this.serverRpc, clock, rand, log: proxyLog },
              config.datacenter,
            ),
            clock,
            log: proxyLog,
          },
          { datacenter: config.datacenter, closeRevokedConnections: config.connectCloseRevokedConnections },
        ),
      );
    }
    subsystems.push(this.http);
    // DNS on ports.dns (8600; -1 turns it off), reading the catalog through the same RPC seam as HTTP. After HTTP,
    // so a taken client address is reported for the HTTP port first, as operators look there first.
    if (config.ports.dns >= 0) subsystems.push(this.dnsStep(clock, rand, log.child({ module: 'agent.dns' })));
    return subsystems;
  }

  /** The DNS interface, imported as it starts: an agent with ports.dns = -1 never loads it or dns-packet. */
  private dnsStep(clock: Clock, rand: Rand, log: Logger): Startable {
    let server: Startable | null = null;
    return {
      start: async (options) => {
        const { createDnsInterface } = await loadDnsInterface();
        server = createDnsInterface(
          { rpc: this.serverRpc, clock, rand, log, metricsRegistry: this.metrics.registry },
          this.config,
        ).server;
        await server.start(options);
      },
      stop: async (options) => {
        await server?.stop(options);
      },
    };
  }

  /** `-join`: a failure stops the start, as in Consul (retry_join is the forgiving one). */
  private async startJoin(): Promise<void> {
    const addresses = this.config.startJoin.map((address) => joinAddress(address, this.config.ports.serfLan));
    const count = await this.gossip.join(addresses);
    this.log.info({ count }, `Join completed. Synced with ${count} initial agents`);
  }

  private controlPlaneStep(clock: Clock, rand: Rand, log: Logger): Startable {
    const factory = this.components.controlPlane;
    if (!factory)
      return step(async () =>
        this.log.warn(
          'no server runtime is wired into this agent: services stay local until one is (anti-entropy retries)',
        ),
      );
    return step(
      async () => {
        this.controlPlane = factory({
          config: this.config,
          gossip: this.gossip,
          wan: this.wan?.pool ?? null,
          clock,
          rand,
          log,
          metricsRegistry: this.metrics.registry,
        });
        await this.controlPlane.start();
      },
      async () => {
        await this.controlPlane?.stop();
      },
    );
  }

  /** `host:port` of each HTTP listener once started. */
  get httpAddresses(): readonly string[] {
    return this.http.boundAddresses;
  }

  start(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.start(async () => {
      this.log.info(
        { node: this.config.nodeName, datacenter: this.config.datacenter, server: this.config.server },
        'Starting agent',
      );
      this.stopAll = await startAll(this.subsystems, options);
      this.log.info('Agent started');
    });
  }

  stop(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.log.info('Shutting down agent');
      const signal = options.signal ?? AbortSignal.timeout(shutdownGraceMs);
      await this.stopAll?.({ signal });
      this.log.info('Agent stopped');
    });
  }

  /** Consul's signal policy: SIGTERM leaves when leave_on_terminate; SIGINT unless skip_leave_on_interrupt. */
  leavesOn(signal: 'SIGINT' | 'SIGTERM'): boolean {
    return signal === 'SIGTERM' ? this.config.leaveOnTerminate : !this.config.skipLeaveOnInterrupt;
  }

  controlPlaneStats(): StatsSections {
    return this.controlPlane?.stats?.() ?? {};
  }

  /** Graceful leave from the LAN pool (others see `left`, the leader deregisters this node). */
  gracefulLeave(): Promise<void> {
    this.leaving ??= (async () => {
      if (!this.lifecycle.isRunning()) return;
      this.log.info('Gracefully leaving the cluster');
      try {
        // A server leaves the WAN pool first (Consul Server.Leave), so other datacenters see it left, not failed.
        await this.wan?.leave({ signal: AbortSignal.timeout(this.config.leaveDrainTimeMs + 5_000) });
        await this.gossip.leave({ signal: AbortSignal.timeout(this.config.leaveDrainTimeMs + 5_000) });
      } catch (error) {
        this.log.warn({ err: error }, 'leave did not complete');
      }
    })();
    return this.leaving;
  }

  // --- AgentHandle --------------------------------------------------------------------------------------------------

  members(): readonly SerfMember[] {
    return this.lifecycle.isRunning() || this.lifecycle.current === 'starting'
      ? safe(() => this.gossip.members(), [])
      : [];
  }

  coordinate(): CoordinateJson | null {
    const coordinate = this.gossipCoordinate();
    return coordinate ? coordinateToJson(coordinate) : null;
  }

  private gossipCoordinate() {
    return safe(() => this.gossip.serfLayer().coordinate(), null);
  }

  join(address: string): Promise<number> {
    return this.gossip.join([joinAddress(address, this.config.ports.serfLan)]);
  }

  wanMembers(): readonly SerfMember[] {
    return this.wan?.members() ?? [];
  }

  joinWan(address: string): Promise<number> {
    if (!this.wan) return Promise.reject(new WanUnavailableError('join', this.config.server));
    return this.wan.join(address);
  }

  async forceLeaveWan(node: string, options: { readonly prune: boolean }): Promise<void> {
    if (!this.wan) throw new WanUnavailableError('force-leave', this.config.server);
    this.wan.forceLeave(node, options);
  }

  wanKeyManager(): KeyManager | null {
    return this.lifecycle.isRunning() ? (this.wan?.keyManager() ?? null) : null;
  }

  async forceLeave(node: string, options: { readonly prune: boolean }): Promise<void> {
    this.log.info({ node, prune: options.prune }, 'Force leaving node');
    try {
      this.gossip.forceLeave(node, options);
      // Consul's Server.RemoveFailedNode also removes the node from the WAN pool, as "<node>.<dc>".
      const wanName = node.endsWith(`.${this.config.datacenter}`) ? node : `${node}.${this.config.datacenter}`;
      if (this.wan?.members().some((member) => member.name === wanName)) this.wan.forceLeave(wanName, options);
    } catch (error) {
      this.log.warn({ node, err: error }, 'Failed to remove node');
      throw error;
    }
  }

  async leave(): Promise<void> {
    await this.gracefulLeave();
    this.components.onShutdownRequested?.('left the cluster through the HTTP API', 'left');
  }

  async reload(): Promise<void> {
    const reloadConfig = this.components.reloadConfig;
    if (!reloadConfig) throw new NotImplementedError('reload without a config source');
    const next = await reloadConfig();
    await this.registrar.loadConfigDefinitions(next.services, next.checks);
    this.httpConnectionLimit.setMaxPerClient(next.limits.httpMaxConnsPerClient);
    // Node meta can change on reload too (Consul reloads node_meta); anti-entropy pushes the new node entry.
    const node = localNode({ ...this.config, nodeMeta: next.nodeMeta }, this.components.build);
    if (JSON.stringify(node.Meta) !== JSON.stringify(this.state.node().Meta)) this.state.setNode(node);
    this.syncer.syncFull();
    this.log.info('Reloaded configuration: services and checks');
    await this.components.onConfigReloaded?.(next);
  }

  logs(): LogSource | null {
    return this.components.logs ?? null;
  }

  keyManager(): KeyManager | null {
    return this.lifecycle.isRunning() ? this.gossip.keyManager : null;
  }

  scriptChecksAllowed(remoteAddress: string): boolean {
    if (this.config.enableScriptChecks) return true;
    return this.config.enableLocalScriptChecks && isLoopback(remoteAddress);
  }

  nowWallMs(): number {
    return this.clock.wallMs();
  }
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback; // gossip not running (starting or stopped): nothing to report
  }
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export function localNode(config: AgentConfig, build: BuildInfo): LocalNode {
  const lan = config.advertiseAddr;
  const wan = config.advertiseAddrWan || lan;
  return {
    ID: config.nodeId,
    Node: config.nodeName,
    Address: lan,
    Datacenter: config.datacenter,
    TaggedAddresses: { lan, lan_ipv4: lan, wan, wan_ipv4: wan },
    Meta: { ...config.nodeMeta, 'consul-network-segment': '', 'consul-version': build.consulVersion },
  };
}

function hostRuntime(): RuntimeInfo {
  return { arch: arch(), os: platform(), nodeVersion: process.version, cpuCount: availableParallelism() };
}
