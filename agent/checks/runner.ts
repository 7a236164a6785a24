// The check runner: keeps one monitor per local check in step with LocalState (started, restarted when its
// definition changes, stopped when removed). Scheduled probes (HTTP, TCP, UDP, gRPC, H2 ping, script) first run at a
// random point inside their interval so a restart does not fire every check at once, each within its timeout,
// through the thresholds; TTL checks expire to critical; alias checks follow the aliased health; a reaper removes
// services critical for longer than deregister_critical_service_after.

import { Backoff } from '../../lib/backoff.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { RpcClient } from '../../server/rpc/methods.js';
import { defaultQueryOptions } from '../../server/rpc/methods.js';
import type { HealthStatus } from '../../server/state/types.js';
import type { CheckDefinition } from '../config/types.js';
import type { LocalState } from '../local/state.js';
import { aliasResult } from './alias.js';
import { dockerProbe } from './docker.js';
import { grpcProbe } from './grpc.js';
import { h2pingProbe } from './h2ping.js';
import { httpProbe } from './http.js';
import { type ActiveStateQuery, osServiceProbe } from './os-service.js';
import { scriptProbe } from './script.js';
import { tcpProbe } from './tcp.js';
import { applyThresholds, initialCounters, type ThresholdCounters } from './thresholds.js';
import type { CheckResult, Probe } from './types.js';
import { udpProbe } from './udp.js';

export interface CheckRunnerComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly state: LocalState;
  /** For alias checks on another node; null while no server is known. */
  readonly rpc: () => RpcClient | null;
  /** Removes a service and its checks (the reaper's action). */
  readonly deregisterService: (serviceId: string) => Promise<unknown>;
  /** Keeps a TTL check's last result so a restart within the TTL comes back in that state (Consul does). */
  readonly persistTtlState?: (state: TtlCheckState) => Promise<void>;
}

export interface TtlCheckState {
  readonly CheckID: string;
  readonly Status: HealthStatus;
  readonly Output: string;
  /** Wall-clock milliseconds after which the saved result no longer counts. */
  readonly ExpiresWallMs: number;
}

export interface CheckRunnerConfig {
  readonly nodeName: string;
  readonly datacenter: string;
  /**
   * enable_script_checks or enable_local_script_checks. Registration already refuses script checks without them;
   * this also stops a script check restored from the data dir after the operator turned scripts off.
   */
  readonly scriptChecksEnabled: boolean;
  /** DOCKER_HOST for Docker checks (absent: the agent's environment; '': unix:///var/run/docker.sock). */
  readonly dockerHost?: string;
  /** How os_service checks ask the service manager (tests inject one; default `systemctl is-active`). */
  readonly osServiceQuery?: ActiveStateQuery;
}

/** Consul's reaper period for deregister_critical_service_after. */
export const reapIntervalMs = 30_000;
/** The wait of each blocking read an alias check on another node makes (Consul's default query time). */
export const remoteAliasWaitMs = 300_000;
/** Pause between two reads, so a server that answers at once (no change to wait for) is not read in a tight loop. */
export const remoteAliasGapMs = 100;
/** Retry after a failed read of the other node: 1 s doubling to 30 s, jittered. */
export const remoteAliasRetryBackoff = Object.freeze({ baseDelayMs: 1_000, delayMsMax: 30_000 });

/**
 * Consul answers a TTL update on another kind of check with 500 and exactly this text; clients (Spring Cloud
 * Consul, go-kit) match it to re-register, so the code is deliberately not one the HTTP table maps to a 4xx.
 */
export class NotTtlCheckError extends LatticeError {
  override readonly name = 'NotTtlCheckError';
  constructor(id: string) {
    super('ERR_CHECK_NOT_TTL', `CheckID "${id}" does not have associated TTL`);
  }
}

interface Monitor {
  readonly definition: CheckDefinition | null;
  stop(): void;
}

export class CheckRunner implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly monitors = new Map<string, Monitor>();
  private readonly ttlTimers = new Map<string, Timer>();
  private readonly criticalSinceMs = new Map<string, number>();
  private reaper: Timer | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly components: CheckRunnerComponents,
    private readonly config: CheckRunnerConfig,
  ) {}

  start(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.start(async () => {
      this.unsubscribe = this.components.state.onChange((change) => {
        if (change.kind === 'check') this.reconcile(change.id);
        this.refreshLocalAliases();
      });
      for (const check of this.components.state.checks()) this.reconcile(check.row.CheckID);
      this.armReaper();
    });
  }

  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.unsubscribe?.();
      this.reaper?.cancel();
      for (const monitor of this.monitors.values()) monitor.stop();
      this.monitors.clear();
      for (const timer of this.ttlTimers.values()) timer.cancel();
      this.ttlTimers.clear();
      await Promise.allSettled([...this.inFlight]);
    });
  }

  /** `/v1/agent/check/pass|warn|fail|update`: only TTL checks take results from outside; resets the TTL. */
  updateTtl(id: string, status: HealthStatus, output: string): boolean {
    const entry = this.components.state.check(id);
    if (!entry) return false;
    if (entry.definition?.kind !== 'ttl') throw new NotTtlCheckError(id);
    this.components.state.updateCheck(id, status, output);
    this.armTtl(id, entry.definition);
    const persist = this.components.persistTtlState;
    if (persist) {
      const saved = {
        CheckID: id,
        Status: status,
        Output: output,
        ExpiresWallMs: this.components.clock.wallMs() + entry.definition.ttlMs,
      };
      const work = persist(saved).catch((error: unknown) =>
        this.components.log.warn({ err: error, check: id }, 'could not persist the TTL check state'),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    return true;
  }

  private isActive(): boolean {
    return this.lifecycle.isRunning() || this.lifecycle.current === 'starting';
  }

  private reconcile(id: string): void {
    if (!this.isActive()) return;
    const entry = this.components.state.check(id);
    const current = this.monitors.get(id);
    if (current && entry && current.definition === entry.definition) return;
    current?.stop();
    this.monitors.delete(id);
    if (!entry) {
      this.criticalSinceMs.delete(id);
      return;
    }
    this.monitors.set(id, this.startMonitor(id, entry.definition));
  }

  private startMonitor(id: string, definition: CheckDefinition | null): Monitor {
    if (definition === null) return { definition, stop: () => undefined };
    switch (definition.kind) {
      case 'ttl':
        this.armTtl(id, definition);
        return {
          definition,
          stop: () => {
            this.ttlTimers.get(id)?.cancel();
            this.ttlTimers.delete(id);
          },
        };
      case 'alias':
        return this.startAlias(id, definition);
      case 'http':
        return this.startScheduled(id, definition, httpProbe(definition));
      case 'tcp':
        return this.startScheduled(id, definition, tcpProbe(definition));
      case 'udp':
        return this.startScheduled(id, definition, udpProbe(definition));
      case 'grpc':
        return this.startScheduled(id, definition, grpcProbe(definition));
      case 'script':
        if (!this.config.scriptChecksEnabled) {
          this.components.state.updateCheck(id, 'critical', 'Script checks are disabled on this agent');
          return { definition, stop: () => undefined };
        }
        return this.startScheduled(id, definition, scriptProbe(definition));
      case 'h2ping':
        return this.startScheduled(id, definition, h2pingProbe(definition));
      case 'docker':
        // A Docker check runs `args` in a container: Consul counts it as a script check for enable_script_checks.
        if (!this.config.scriptChecksEnabled) {
          this.components.state.updateCheck(id, 'critical', 'Script checks are disabled on this agent');
          return { definition, stop: () => undefined };
        }
        return this.startScheduled(
          id,
          definition,
          // Consul reads DOCKER_HOST from the agent's environment when the first Docker check starts.
          dockerProbe(definition, this.config.dockerHost ?? process.env['DOCKER_HOST'] ?? ''),
        );
      case 'os_service':
        return this.startScheduled(id, definition, osServiceProbe(definition, this.config.osServiceQuery));
    }
  }

  private armTtl(id: string, definition: CheckDefinition): void {
    this.ttlTimers.get(id)?.cancel();
    this.ttlTimers.set(
      id,
      this.components.clock.setTimer(definition.ttlMs, () => {
        this.ttlTimers.delete(id);
        const entry = this.components.state.check(id);
        if (!entry || entry.definition !== definition) return;
        this.components.log.warn({ check: id }, `Check "${id}" missed TTL, is now critical`);
        this.components.state.updateCheck(id, 'critical', 'TTL expired');
      }),
    );
  }

  private startScheduled(id: string, definition: CheckDefinition, probe: Probe): Monitor {
    const { clock, rand } = this.components;
    let timer: Timer | null = null;
    let stopped = false;
    let counters: ThresholdCounters = initialCounters;
    const run = async (): Promise<void> => {
      const controller = new AbortController();
      const deadline = clock.setTimer(definition.timeoutMs, () => controller.abort());
      let result: CheckResult;
      try {
        result = await probe(controller.signal);
      } catch (error) {
        result = { status: 'critical', output: error instanceof Error ? error.message : String(error) };
      } finally {
        deadline.cancel();
      }
      if (stopped) return;
      const step = applyThresholds(definition, counters, result.status);
      counters = step.counters;
      const entry = this.components.state.check(id);
      if (!entry) return;
      this.record(id, step.status ?? entry.row.Status, result.output);
    };
    const schedule = (delayMs: number): void => {
      timer = clock.setTimer(delayMs, () => {
        timer = null;
        if (stopped) return;
        const work = run().finally(() => {
          this.inFlight.delete(work);
          if (!stopped) schedule(definition.intervalMs);
        });
        this.inFlight.add(work);
      });
    };
    // Consul staggers the first run uniformly inside the interval.
    schedule(rand.float() * definition.intervalMs);
    return {
      definition,
      stop: () => {
        stopped = true;
        timer?.cancel();
      },
    };
  }

  private record(id: string, status: HealthStatus, output: string): void {
    const before = this.components.state.check(id)?.row.Status;
    this.components.state.updateCheck(id, status, output);
    if (before !== status) this.components.log.debug({ check: id, status }, `Check status changed: ${status}`);
  }

  private startAlias(id: string, definition: CheckDefinition): Monitor {
    const node = definition.aliasNode ?? '';
    if (node === '' || node.toLowerCase() === this.config.nodeName.toLowerCase()) {
      this.refreshAlias(id, definition);
      return { definition, stop: () => undefined };
    }
    // Another node: a blocking read of its checks (Consul's alias check watches the same way), re-armed after
    // each answer; failures wait with backoff so a lost server is not hammered.
    const controller = new AbortController();
    const backoff = new Backoff(remoteAliasRetryBackoff, this.components.rand);
    let timer: Timer | null = null;
    let index = 0;
    const watch = async (): Promise<void> => {
      const rpc = this.components.rpc();
      if (rpc === null) throw new Error('no server known');
      const reply = await rpc.call(
        'Health.NodeChecks',
        { Node: node },
        {
          signal: controller.signal,
          context: { datacenter: this.config.datacenter, token: '' },
          query: { ...defaultQueryOptions, minQueryIndex: index, maxQueryTimeMs: remoteAliasWaitMs },
        },
      );
      // An index that went backwards (snapshot restore) restarts the watch from scratch.
      index = reply.meta.index < index ? 0 : reply.meta.index;
      const serviceId = definition.aliasService ?? '';
      const registered = reply.value.some((check) => check.ServiceID === serviceId);
      const result = aliasResult({ node, serviceId }, reply.value, registered || serviceId === '', id);
      this.record(id, result.status, result.output);
    };
    const schedule = (delayMs: number): void => {
      timer = this.components.clock.setTimer(delayMs, () => {
        timer = null;
        const work = watch().then(
          () => {
            backoff.reset();
            if (!controller.signal.aborted) schedule(remoteAliasGapMs);
          },
          (error: unknown) => {
            if (controller.signal.aborted) return;
            index = 0;
            this.record(id, 'critical', `alias: cannot read node ${node}: ${(error as Error).message}`);
            schedule(backoff.next());
          },
        );
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
      });
    };
    schedule(0);
    return {
      definition,
      stop: () => {
        controller.abort();
        timer?.cancel();
      },
    };
  }

  private refreshLocalAliases(): void {
    if (!this.isActive()) return;
    for (const [id, monitor] of this.monitors) {
      const definition = monitor.definition;
      if (definition?.kind !== 'alias') continue;
      const node = definition.aliasNode ?? '';
      if (node === '' || node.toLowerCase() === this.config.nodeName.toLowerCase()) this.refreshAlias(id, definition);
    }
  }

  private refreshAlias(id: string, definition: CheckDefinition): void {
    const state = this.components.state;
    const serviceId = definition.aliasService ?? '';
    const rows = state.checks().map((entry) => entry.row);
    const result = aliasResult({ node: '', serviceId }, rows, serviceId === '' || !!state.service(serviceId), id);
    const entry = state.check(id);
    if (entry && (entry.row.Status !== result.status || entry.row.Output !== result.output))
      state.updateCheck(id, result.status, result.output);
  }

  // --- reaper -------------------------------------------------------------------------------------------------------

  private armReaper(): void {
    this.reaper = this.components.clock.setTimer(reapIntervalMs, () => {
      this.reaper = null;
      if (!this.lifecycle.isRunning()) return;
      const work = this.reap().finally(() => {
        this.inFlight.delete(work);
        if (this.lifecycle.isRunning()) this.armReaper();
      });
      this.inFlight.add(work);
    });
  }

  /** One reaper pass; public for tests. */
  async reap(): Promise<void> {
    const nowMs = this.components.clock.nowMs();
    for (const entry of this.components.state.checks()) {
      const id = entry.row.CheckID;
      const afterMs = entry.definition?.deregisterCriticalServiceAfterMs ?? 0;
      if (entry.row.Status !== 'critical' || afterMs === 0 || entry.row.ServiceID === '') {
        this.criticalSinceMs.delete(id);
        continue;
      }
      const since = this.criticalSinceMs.get(id);
      if (since === undefined) {
        this.criticalSinceMs.set(id, nowMs);
        continue;
      }
      if (nowMs - since < afterMs) continue;
      this.components.log.info(
        { check: id, service: entry.row.ServiceID },
        `Check "${id}" for service "${entry.row.ServiceID}" has been critical for too long; deregistered service`,
      );
      this.criticalSinceMs.delete(id);
      await this.components.deregisterService(entry.row.ServiceID);
    }
  }
}
