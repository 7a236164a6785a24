// What the leader does while it leads (Consul leader.go monitorLeadership/leaderLoop): establish leadership with
// a barrier, then keep the catalog in step with the LAN pool (a full reconcile at once and every
// reconcileIntervalMs, plus one per membership event), keep the Raft membership in step with the servers in the
// pool (new servers join as non-voters, servers that left are removed), and run autopilot. Everything stops when
// leadership is lost: `stop()` aborts the loop and every Raft call in flight.

import type { SerfMember } from '../../gossip/serf/members.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { delay } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { readServerTags } from '../bootstrap.js';
import type { Command } from '../fsm/commands.js';
import { deregisterCommand, registerCommand } from '../fsm/commands.js';
import type { LanPool } from '../lan-pool.js';
import type { ServerMetrics } from '../metrics.js';
import { WriteRefusedError } from '../rpc/errors.js';
import { getNode, nodeServices, nodes } from '../state/catalog-reads.js';
import { nodeChecks } from '../state/health-reads.js';
import type { StateStore } from '../state/store.js';
import {
  type CatalogNodeView,
  consulServiceName,
  type ReconcileContext,
  type ReconcileOp,
  reconcileAll,
  reconcileMember,
  serfCheckId,
} from './reconcile.js';

/** Consul's ReconcileInterval. */
export const reconcileIntervalMsDefault = 60_000;
/** How long to wait before retrying a failed barrier or reconcile pass. */
const retryDelayMs = 1_000;
/** Member events queued between passes; past this a full reconcile replaces them (it covers everything). */
const queuedEventsMax = 4_096;

export interface RaftMembershipOps {
  /** The ids and addresses in the Raft configuration. */
  configuration(): { readonly members: ReadonlyMap<string, string> };
  addNonvoter(id: string, address: string, signal: AbortSignal): Promise<void>;
  removeServer(id: string, signal: AbortSignal): Promise<void>;
}

export interface LeaderDutiesDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
  readonly store: StateStore;
  readonly gossip: LanPool;
  readonly context: ReconcileContext;
  readonly localServerId: string;
  readonly reconcileIntervalMs: number;
  barrier(signal: AbortSignal): Promise<void>;
  apply(command: Command, signal: AbortSignal): Promise<unknown>;
  readonly raft: RaftMembershipOps;
  /** Runs one autopilot pass (health, promotion, cleanup). */
  autopilot(signal: AbortSignal): Promise<void>;
  readonly autopilotIntervalMs: number;
}

/** What the catalog holds about `name`, for reconcile decisions. */
export function catalogNodeView(store: StateStore, name: string): CatalogNodeView | null {
  const node = getNode(store, name).value;
  if (node === null) return null;
  const serf = nodeChecks(store, name).value.find((check) => check.CheckID === serfCheckId && check.ServiceID === '');
  const consul = nodeServices(store, name).value?.Services.find((service) => service.ID === consulServiceName);
  return {
    name: node.Node,
    id: node.ID,
    address: node.Address,
    serfHealth: serf?.Status ?? null,
    consulServicePort: consul?.Port ?? null,
    taggedAddresses: node.TaggedAddresses,
    meta: node.Meta,
  };
}

export class LeaderDuties {
  private controller: AbortController | null = null;
  private running: Promise<void> = Promise.resolve();
  private readonly queued = new Map<string, { member: SerfMember; event: 'status' | 'reap' }>();
  private fullPassDue = true;
  private wake: (() => void) | null = null;
  private unsubscribes: (() => void)[] = [];
  private timers: Timer[] = [];

  constructor(private readonly deps: LeaderDutiesDeps) {}

  /** Starts the duties (on becoming leader). Idempotent. */
  start(): void {
    if (this.controller !== null) return;
    const controller = new AbortController();
    this.controller = controller;
    this.fullPassDue = true;
    const events = this.deps.gossip.events;
    this.unsubscribes = [
      events.on('member-join', (member) => this.enqueue(member, 'status')),
      events.on('member-update', (member) => this.enqueue(member, 'status')),
      events.on('member-failed', (member) => this.enqueue(member, 'status')),
      events.on('member-leave', (member) => this.enqueue(member, 'status')),
      events.on('member-reap', (member) => this.enqueue(member, 'reap')),
    ];
    this.running = this.run(controller.signal).catch((error: unknown) => {
      if (!controller.signal.aborted) this.deps.log.error({ err: error }, 'leader duties stopped on an error');
    });
  }

  /** Stops the duties (on losing leadership or shutting down); resolves when the loop has ended. */
  async stop(): Promise<void> {
    const controller = this.controller;
    if (controller === null) return this.running;
    this.controller = null;
    controller.abort();
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    this.wake?.();
    await this.running;
  }

  private enqueue(member: SerfMember, event: 'status' | 'reap'): void {
    if (this.queued.size >= queuedEventsMax) this.fullPassDue = true;
    else this.queued.set(member.name.toLowerCase(), { member, event });
    this.wake?.();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { clock, log } = this.deps;
    for (;;) {
      try {
        await this.deps.barrier(signal);
        break;
      } catch (error) {
        if (signal.aborted) return;
        log.warn({ err: error }, 'leader barrier failed; retrying');
        await delay(clock, retryDelayMs, signal);
      }
    }
    log.info('cluster leadership acquired');
    const arm = (delayMs: number, action: () => void): void => {
      const timer = clock.setTimer(delayMs, () => {
        this.timers = this.timers.filter((item) => item !== timer);
        action();
      });
      this.timers.push(timer);
    };
    const armReconcile = (): void =>
      arm(this.deps.reconcileIntervalMs, () => {
        this.fullPassDue = true;
        this.wake?.();
        armReconcile();
      });
    armReconcile();
    const autopilotLoop = this.autopilotLoop(signal);
    while (!signal.aborted) {
      try {
        if (this.fullPassDue) {
          this.fullPassDue = false;
          this.queued.clear();
          await this.fullPass(signal);
        } else {
          const batch = [...this.queued.values()];
          this.queued.clear();
          for (const item of batch) await this.reconcileOne(item.member, item.event, signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        log.warn({ err: error }, 'reconcile failed; retrying');
        this.fullPassDue = true;
        await delay(clock, retryDelayMs, signal).catch(() => undefined);
        continue;
      }
      if (!this.fullPassDue && this.queued.size === 0 && !signal.aborted)
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      this.wake = null;
    }
    await autopilotLoop;
  }

  private async autopilotLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.deps.autopilot(signal);
      } catch (error) {
        if (!signal.aborted) this.deps.log.warn({ err: error }, 'autopilot pass failed');
      }
      if (signal.aborted) return;
      await delay(this.deps.clock, this.deps.autopilotIntervalMs, signal).catch(() => undefined);
    }
  }

  private async fullPass(signal: AbortSignal): Promise<void> {
    const { store, gossip, context } = this.deps;
    const catalog = new Map<string, CatalogNodeView>();
    for (const node of nodes(store).value) {
      const view = catalogNodeView(store, node.Node);
      if (view !== null) catalog.set(node.Node.toLowerCase(), view);
    }
    const members = gossip.members();
    for (const op of reconcileAll(members, catalog, context)) await this.write(op, signal);
    for (const member of members) await this.reconcileRaft(member, 'status', signal);
  }

  private async reconcileOne(member: SerfMember, event: 'status' | 'reap', signal: AbortSignal): Promise<void> {
    if ((member.tags['dc'] ?? this.deps.context.datacenter) !== this.deps.context.datacenter) return;
    const op = reconcileMember(member, event, catalogNodeView(this.deps.store, member.name), this.deps.context);
    if (op !== null) await this.write(op, signal);
    await this.reconcileRaft(member, event, signal);
  }

  private async write(op: ReconcileOp, signal: AbortSignal): Promise<void> {
    const command = op.kind === 'register' ? registerCommand(op.request) : deregisterCommand(op.request);
    try {
      await this.deps.apply(command, signal);
    } catch (error) {
      // One member the catalog refuses (a malformed node ID in its tags) must not stall everyone else's.
      if (!(error instanceof WriteRefusedError)) throw error;
      this.deps.log.warn({ node: op.request.Node, err: error.message }, 'the catalog refused a reconcile write');
      return;
    }
    this.deps.metrics.reconcileOps.inc({ kind: op.kind === 'register' ? op.status : 'deregister' });
    this.deps.log.debug({ node: op.request.Node, op: op.kind }, 'reconciled a member into the catalog');
  }

  /** Servers of this datacenter join Raft as non-voters when alive and unknown, and leave it when they left. */
  private async reconcileRaft(member: SerfMember, event: 'status' | 'reap', signal: AbortSignal): Promise<void> {
    const server = readServerTags(member);
    if (server === null || server.datacenter !== this.deps.context.datacenter) return;
    if (server.id === this.deps.localServerId) return;
    const members = this.deps.raft.configuration().members;
    const known = members.has(server.id);
    if (server.status === 'alive' && event === 'status' && !known) {
      // Late joiners join as non-voters; autopilot promotes them once stable. A known server whose address
      // changed is left alone: removing a voter on a tag difference could cost the quorum.
      this.deps.log.info({ server: server.name, address: server.rpcAddress }, 'adding a server to Raft as a non-voter');
      await this.deps.raft.addNonvoter(server.id, server.rpcAddress, signal);
    } else if (known && (server.status === 'left' || event === 'reap')) {
      this.deps.log.info({ server: server.name }, 'removing a server that left from Raft');
      await this.deps.raft.removeServer(server.id, signal);
    }
  }
}
