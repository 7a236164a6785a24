// Client-side server selection (Consul agent/router/manager.go): the servers of this datacenter come from the LAN
// pool (members tagged role=consul), kept in a shuffled list; calls go to the first one. A transport failure moves
// that server to the end and a read is retried once on the next; the list is reshuffled every couple of minutes
// (scaled up for big pools) so load spreads after servers come and go. Pending calls are bounded.
//
//   const rpc = createRemoteRpcClient({ clock, rand, log, gossip }, { datacenter: 'dc1' });
//   await rpc.start();           // watches the pool, arms the rebalance timer
//   await rpc.call('Health.ServiceNodes', args, { context, query });
//   await rpc.stop();            // closes every connection

import type { Clock, Timer } from '../../lib/clock.js';
import { abortReason } from '../../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { type Rand, shuffleInPlace } from '../../lib/rand.js';
import type { RaftTlsConfig } from '../../raft/transport/tls.js';
import { readServerTags, type ServerMember } from '../bootstrap.js';
import type { LanPool } from '../lan-pool.js';
import { NoServersError, RpcOverloadedError, RpcTransportError } from './errors.js';
import { GrpcRpcClient } from './grpc-client.js';
import type { CallOptions, RpcClient, RpcMethodName, RpcMethods } from './methods.js';
import { methodRoutes } from './router.js';

/** Consul's clientRPCMinReuseDuration: never rebalance more often than this. */
export const rebalanceIntervalMsMin = 120_000;
/** Consul's clusterWideRebalanceConnsPerSec: all clients together reconnect at most this often per second. */
const rebalanceConnectionsPerSecond = 64;
/** Calls in flight through one agent before new ones are refused (blocking queries count). */
export const pendingCallsMaxDefault = 4096;

/** How long until the next reshuffle: at least two minutes, longer for big pools, plus up to half again. */
export function rebalanceDelayMs(serverCount: number, memberCount: number, rand: Rand): number {
  const spreadMs = (1000 * memberCount) / rebalanceConnectionsPerSecond / Math.max(1, serverCount);
  const baseMs = Math.max(rebalanceIntervalMsMin, spreadMs);
  return Math.floor(baseMs + rand.float() * (baseMs / 2));
}

/** The ordered server list; pure, so selection and failover are table-tested. */
export class ServerList {
  private servers: ServerMember[] = [];

  get size(): number {
    return this.servers.length;
  }

  list(): readonly ServerMember[] {
    return this.servers;
  }

  /** Replaces the set from the pool: known servers keep their place, new ones go in at random places. */
  update(members: readonly ServerMember[], rand: Rand): void {
    const incoming = new Map(members.map((member) => [member.rpcAddress, member]));
    const kept = this.servers.filter((server) => incoming.has(server.rpcAddress));
    const keptAddresses = new Set(kept.map((server) => server.rpcAddress));
    for (const member of members) {
      if (keptAddresses.has(member.rpcAddress)) continue;
      kept.splice(rand.intBelow(kept.length + 1), 0, member);
      keptAddresses.add(member.rpcAddress);
    }
    this.servers = kept.map((server) => incoming.get(server.rpcAddress) ?? server);
  }

  /** The server to call now, or null when none is known. */
  pick(): ServerMember | null {
    return this.servers[0] ?? null;
  }

  /** A call to `address` failed in transport: it goes to the back of the line (Consul NotifyFailedServer). */
  markFailed(address: string): void {
    const position = this.servers.findIndex((server) => server.rpcAddress === address);
    if (position < 0 || this.servers.length < 2) return;
    const [failed] = this.servers.splice(position, 1);
    if (failed) this.servers.push(failed);
  }

  rebalance(rand: Rand): void {
    shuffleInPlace(this.servers, rand);
  }
}

export interface ServerManagerComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly gossip: LanPool;
  /** A client to one server (tests pass in-process ones); default gRPC. */
  readonly dial?: (address: string) => RpcClient & { close?(): void };
}

export interface ServerManagerConfig {
  readonly datacenter: string;
  /** TLS to the servers' RPC port (verify_outgoing); default plain text. */
  readonly tls?: RaftTlsConfig;
  readonly pendingCallsMax?: number;
}

export class ServerManager implements RpcClient, Startable {
  private readonly servers = new ServerList();
  private readonly clients = new Map<string, RpcClient & { close?(): void }>();
  private readonly lifecycle = new LifecycleState();
  private readonly unsubscribes: (() => void)[] = [];
  private rebalanceTimer: Timer | null = null;
  private pendingCalls = 0;

  constructor(
    private readonly components: ServerManagerComponents,
    private readonly config: ServerManagerConfig,
  ) {}

  async start(_options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.start(async () => {
      this.refresh();
      for (const event of ['member-join', 'member-leave', 'member-failed', 'member-update', 'member-reap'] as const)
        this.unsubscribes.push(this.components.gossip.events.on(event, () => this.refresh()));
      this.armRebalance();
    });
  }

  async stop(_options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.stop(async () => {
      for (const unsubscribe of this.unsubscribes) unsubscribe();
      this.rebalanceTimer?.cancel();
      for (const client of this.clients.values()) client.close?.();
      this.clients.clear();
    });
  }

  /** The servers in the order they will be tried (for `lattice info` and tests). */
  knownServers(): readonly ServerMember[] {
    return this.servers.list();
  }

  async call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const pendingCallsMax = this.config.pendingCallsMax ?? pendingCallsMaxDefault;
    if (this.pendingCalls >= pendingCallsMax)
      throw new RpcOverloadedError(`more than ${pendingCallsMax} RPC calls are waiting on servers`);
    this.pendingCalls++;
    try {
      // Reads are safe to repeat; a write that failed in transport may have been applied, so it is not retried.
      const attemptsMax = methodRoutes[method] === 'leader' ? 1 : 2;
      for (let attempt = 1; ; attempt++) {
        const server = this.servers.pick();
        if (server === null) throw new NoServersError();
        try {
          return await this.clientFor(server.rpcAddress).call(method, args, options);
        } catch (error) {
          if (!(error instanceof RpcTransportError)) throw error;
          this.components.log.warn({ server: server.rpcAddress, method, err: error.message }, 'RPC to server failed');
          this.servers.markFailed(server.rpcAddress);
          if (attempt >= attemptsMax || this.servers.size < 2) throw error;
        }
      }
    } finally {
      this.pendingCalls--;
    }
  }

  private clientFor(address: string): RpcClient {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = this.components.dial?.(address) ?? new GrpcRpcClient(address, this.components.clock, this.config.tls);
      this.clients.set(address, client);
    }
    return client;
  }

  private refresh(): void {
    const servers: ServerMember[] = [];
    for (const member of this.components.gossip.members()) {
      const server = readServerTags(member);
      if (server?.status === 'alive' && server.datacenter === this.config.datacenter) servers.push(server);
    }
    this.servers.update(servers, this.components.rand);
    const live = new Set(servers.map((server) => server.rpcAddress));
    for (const [address, client] of this.clients) {
      if (live.has(address)) continue;
      client.close?.();
      this.clients.delete(address);
    }
  }

  private armRebalance(): void {
    const delayMs = rebalanceDelayMs(this.servers.size, this.components.gossip.members().length, this.components.rand);
    this.rebalanceTimer = this.components.clock.setTimer(delayMs, () => {
      this.servers.rebalance(this.components.rand);
      this.armRebalance();
    });
  }
}

/** The RpcClient a client agent uses: servers of `datacenter` from the LAN pool, with failover and rebalancing. */
export function createRemoteRpcClient(components: ServerManagerComponents, config: ServerManagerConfig): ServerManager {
  return new ServerManager(components, config);
}
