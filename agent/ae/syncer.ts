// The anti-entropy loop (Consul agent/ae + local.State.SyncFull/SyncChanges): a full sync at start and then
// every scaled interval (read the catalog's view of this node, plan, repair), and a partial sync right after any
// local change (push only what is out of sync). One sync runs at a time; changes during a sync queue one more.
// When the servers cannot be reached it retries with capped, jittered backoff.

import { Backoff } from '../../lib/backoff.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import { defaultQueryOptions, type RpcClient } from '../../server/rpc/methods.js';
import type { RegisterRequest } from '../../server/state/types.js';
import type { LocalState } from '../local/state.js';
import { planSync, type RemoteState, type SyncOp } from './plan.js';
import { nextFullSyncDelayMs } from './scale.js';

export interface SyncerComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly state: LocalState;
  /** The servers; null while none is known (client agent before joining), which counts as a failed sync. */
  readonly rpc: () => RpcClient | null;
  /** Live members of the LAN pool, for scaling the full-sync interval. */
  readonly clusterSize: () => number;
  /** Told after every round (metrics). */
  readonly onRound?: (outcome: { readonly ok: boolean; readonly full: boolean }) => void;
}

export interface SyncerConfig {
  readonly datacenter: string;
  readonly isServer: boolean;
  /** Consul: 1 minute. */
  readonly fullSyncIntervalMs: number;
  /** The agent token used for node-level writes (acl.tokens.agent; empty = anonymous). */
  readonly agentToken: string;
}

/** Retry after a failed sync: from 1 s, doubling, at most Consul's 15 s retryFailInterval. */
export const syncRetryBackoff = Object.freeze({ baseDelayMs: 1_000, delayMsMax: 15_000 });

export class AntiEntropySyncer implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly backoff: Backoff;
  private timer: Timer | null = null;
  private changeTimer: Timer | null = null;
  private running: Promise<void> | null = null;
  private pending: 'none' | 'partial' | 'full' = 'none';
  private unsubscribe: (() => void) | null = null;
  private lastFullSyncOk = false;
  private syncCount = 0;

  constructor(
    private readonly components: SyncerComponents,
    private readonly config: SyncerConfig,
  ) {
    this.backoff = new Backoff(syncRetryBackoff, components.rand);
  }

  start(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.start(async () => {
      this.unsubscribe = this.components.state.onChange(() => this.onLocalChange());
      this.request('full');
    });
  }

  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.unsubscribe?.();
      this.timer?.cancel();
      this.changeTimer?.cancel();
      await this.running?.catch(() => undefined);
    });
  }

  /** Completed sync rounds (tests wait on it). */
  get completedSyncs(): number {
    return this.syncCount;
  }

  /** Runs a full sync now (after the one in flight); for `reload` and tests. */
  syncFull(): void {
    this.request('full');
  }

  private onLocalChange(): void {
    // Coalesce a burst of changes (a service with three checks) into one partial sync.
    if (this.changeTimer !== null || !this.lifecycle.isRunning()) return;
    this.changeTimer = this.components.clock.setTimer(0, () => {
      this.changeTimer = null;
      this.request('partial');
    });
  }

  private request(kind: 'partial' | 'full'): void {
    if (this.pending !== 'full') this.pending = kind;
    if (this.running === null) this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.pending !== 'none' && this.lifecycle.current !== 'stopped' && this.lifecycle.current !== 'stopping') {
      const kind = this.pending;
      this.pending = 'none';
      let ok: boolean;
      try {
        ok = await this.syncOnce(kind === 'full');
      } catch (error) {
        this.components.log.error({ err: error }, 'anti-entropy: sync failed unexpectedly');
        ok = false;
      }
      this.syncCount++;
      this.components.onRound?.({ ok, full: kind === 'full' });
      if (ok && kind === 'full') this.lastFullSyncOk = true;
      this.schedule(ok, kind);
    }
    this.running = null;
  }

  private schedule(ok: boolean, kind: 'partial' | 'full'): void {
    if (!this.lifecycle.isRunning() && this.lifecycle.current !== 'starting') return;
    if (ok) {
      this.backoff.reset();
      if (kind === 'full')
        this.armTimer(
          nextFullSyncDelayMs(this.config.fullSyncIntervalMs, this.components.clusterSize(), this.components.rand),
        );
      return;
    }
    // A failed partial sync is repaired by a full one: the catalog may hold a half-applied state.
    const delayMs = this.backoff.next();
    this.components.log.debug({ delayMs: Math.round(delayMs) }, 'anti-entropy: retrying after a failed sync');
    this.armTimer(delayMs);
  }

  private armTimer(delayMs: number): void {
    this.timer?.cancel();
    this.timer = this.components.clock.setTimer(delayMs, () => {
      this.timer = null;
      this.request('full');
    });
  }

  /** One round; false when the servers could not be reached or a write failed. */
  private async syncOnce(full: boolean): Promise<boolean> {
    const rpc = this.components.rpc();
    if (rpc === null) {
      this.components.log.debug('anti-entropy: no server known yet');
      return false;
    }
    const state = this.components.state;
    let remote: RemoteState | null = null;
    if (full) {
      try {
        remote = await this.readRemote(rpc);
      } catch (error) {
        // Expected while no server is reachable (before joining, during elections): one line, no stack.
        this.components.log.warn(
          { error: describe(error) },
          `anti-entropy: cannot read the catalog: ${describe(error)}`,
        );
        return false;
      }
    }
    const nodeAtPlan = state.node();
    const plan = planSync({
      node: nodeAtPlan,
      nodeInSync: state.nodeInSync(),
      services: state.serviceEntriesForSync(),
      checks: state.checkEntriesForSync(),
      remote,
      isServer: this.config.isServer,
    });
    if (plan.alreadyInSync.node) state.markNodeSynced(nodeAtPlan);
    for (const { id, version } of plan.alreadyInSync.services) state.markServiceSynced(id, version);
    for (const { id, version } of plan.alreadyInSync.checks) state.markCheckSynced(id, version);
    for (const { id, version, tags } of plan.adoptTags) state.adoptServiceTags(id, version, tags);
    let ok = true;
    for (const op of plan.ops) {
      try {
        await this.apply(rpc, op);
      } catch (error) {
        ok = false;
        this.components.log.warn({ error: describe(error), op }, `anti-entropy: ${op.kind} failed: ${describe(error)}`);
        if (op.kind === 'register-node') break; // nothing else can land without the node
      }
    }
    if (plan.ops.length > 0 && ok) this.components.log.debug({ ops: plan.ops.length, full }, 'anti-entropy: synced');
    return ok;
  }

  private async readRemote(rpc: RpcClient): Promise<RemoteState> {
    const node = this.components.state.node().Node;
    const options = {
      context: { datacenter: this.config.datacenter, token: this.config.agentToken },
      query: defaultQueryOptions,
    };
    const [services, checks] = await Promise.all([
      rpc.call('Catalog.NodeServices', { Node: node }, options),
      rpc.call('Health.NodeChecks', { Node: node }, options),
    ]);
    return {
      node: services.value?.Node ?? null,
      services: services.value?.Services ?? [],
      checks: checks.value,
    };
  }

  private nodeFields(): RegisterRequest {
    const node = this.components.state.node();
    return {
      ID: node.ID,
      Node: node.Node,
      Address: node.Address,
      Datacenter: node.Datacenter,
      TaggedAddresses: node.TaggedAddresses,
      NodeMeta: node.Meta,
    };
  }

  /**
   * One write to the catalog; each success is logged at INFO in Consul's words (agent/local/state.go: "Synced node
   * info", "Synced service", "Synced check", "Deregistered service", "Deregistered check").
   */
  private async apply(rpc: RpcClient, op: SyncOp): Promise<void> {
    const state = this.components.state;
    const datacenter = this.config.datacenter;
    const nodeName = state.node().Node;
    switch (op.kind) {
      case 'register-node': {
        const node = state.node();
        await rpc.call('Catalog.Register', this.nodeFields(), {
          context: { datacenter, token: this.config.agentToken },
        });
        state.markNodeSynced(node);
        this.components.log.info('Synced node info');
        return;
      }
      case 'register-service': {
        const entry = state.serviceEntriesForSync().find((each) => each.row.ID === op.id);
        if (!entry || entry.deleted) return;
        await rpc.call(
          'Catalog.Register',
          { ...this.nodeFields(), SkipNodeUpdate: true, Service: entry.row },
          { context: { datacenter, token: entry.token } },
        );
        state.markServiceSynced(op.id, op.version);
        this.components.log.info({ service: op.id }, 'Synced service');
        return;
      }
      case 'register-check': {
        const entry = state.checkEntriesForSync().find((each) => each.row.CheckID === op.id);
        if (!entry || entry.deleted) return;
        await rpc.call(
          'Catalog.Register',
          { ...this.nodeFields(), SkipNodeUpdate: true, Check: entry.row },
          { context: { datacenter, token: entry.token } },
        );
        state.markCheckSynced(op.id, op.version);
        this.components.log.info({ check: op.id }, 'Synced check');
        return;
      }
      case 'deregister-check':
        await rpc.call(
          'Catalog.Deregister',
          { Node: nodeName, Datacenter: datacenter, CheckID: op.id },
          { context: { datacenter, token: this.tokenForCheck(op.id) } },
        );
        if (op.version !== null) state.markCheckSynced(op.id, op.version);
        this.components.log.info({ check: op.id }, 'Deregistered check');
        return;
      case 'deregister-service':
        await rpc.call(
          'Catalog.Deregister',
          { Node: nodeName, Datacenter: datacenter, ServiceID: op.id },
          { context: { datacenter, token: this.tokenForService(op.id) } },
        );
        if (op.version !== null) state.markServiceSynced(op.id, op.version);
        this.components.log.info({ service: op.id }, 'Deregistered service');
        return;
    }
  }

  private tokenForService(id: string): string {
    return (
      this.components.state.serviceEntriesForSync().find((each) => each.row.ID === id)?.token || this.config.agentToken
    );
  }

  private tokenForCheck(id: string): string {
    return (
      this.components.state.checkEntriesForSync().find((each) => each.row.CheckID === id)?.token ||
      this.config.agentToken
    );
  }

  /** True once a full sync has succeeded (the node is in the catalog). */
  get hasSynced(): boolean {
    return this.lastFullSyncOk;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
