// Dev mode's `-register` (`lattice connect proxy -service web -listen ... -register`): the proxy registers itself
// with the local agent as a connect-proxy service for its lifetime, as Consul's RegisterMonitor
// (command/connect/proxy/register.go) does: ID `<service>-proxy` (with `-<register-id>` appended), name
// `<service>-proxy`, the public listener's address and port, Proxy.DestinationServiceName only, and a 30 s TTL check
// "proxy heartbeat" passed every 10 s, so a proxy that dies without deregistering turns critical and drops out of
// the healthy instances other proxies dial. No local service or upstreams go into the registration: an agent that
// hosts managed proxies would otherwise try to bind the very listeners this process holds. Every 30 s it registers
// again if the agent lost the service (an agent restarted without it); on stop it deregisters, retrying briefly.

import type { Clock, Timer } from '../../lib/clock.js';
import { delay } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { type AgentHttpTarget, agentRequest } from './agent-http.js';

export interface ProxySelfRegistrationComponents {
  readonly target: AgentHttpTarget;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ProxySelfRegistrationInit {
  /** The service the proxy represents (-service). */
  readonly service: string;
  /** -register-id: appended to the ID so several proxies of one service can register. */
  readonly idSuffix?: string;
  /** The public listener as given to -listen; an empty host registers no address (the node's is used). */
  readonly address: string;
  readonly port: number;
}

/** Consul's timings (RegisterReconcilePeriod, RegisterTTLPeriod and its heartbeat at a third of it). */
export const SELF_REGISTRATION = {
  ttlS: 30,
  heartbeatMs: 10_000,
  reconcileMs: 30_000,
  deregisterAttempts: 3,
  deregisterRetryMs: 500,
  requestTimeoutMs: 10_000,
} as const;

/** The proxy's service ID: `<service>-proxy`, then `-<suffix>` when one is given. */
export function selfRegistrationId(service: string, idSuffix?: string): string {
  return idSuffix ? `${service}-proxy-${idSuffix}` : `${service}-proxy`;
}

/** The /v1/agent/service/register body, as Consul's built-in proxy sends it. */
export function selfRegistrationBody(init: ProxySelfRegistrationInit): Record<string, unknown> {
  const id = selfRegistrationId(init.service, init.idSuffix);
  return {
    Kind: 'connect-proxy',
    ID: id,
    Name: `${init.service}-proxy`,
    Address: init.address,
    Port: init.port,
    Proxy: { DestinationServiceName: init.service },
    Check: {
      CheckID: `${id}-ttl`,
      Name: 'proxy heartbeat',
      TTL: `${SELF_REGISTRATION.ttlS}s`,
      Notes: 'Built-in proxy will heartbeat this check.',
      Status: 'passing',
    },
  };
}

export class ProxySelfRegistration {
  readonly id: string;
  private readonly checkId: string;
  private readonly timers: Timer[] = [];
  private running = false;

  constructor(
    private readonly components: ProxySelfRegistrationComponents,
    private readonly init: ProxySelfRegistrationInit,
  ) {
    this.id = selfRegistrationId(init.service, init.idSuffix);
    this.checkId = `${this.id}-ttl`;
  }

  /** Registers once (a refusal, such as an ACL denial, is thrown), then heartbeats and reconciles until stop. */
  async start(): Promise<void> {
    await this.register();
    this.running = true;
    this.schedule(SELF_REGISTRATION.heartbeatMs, () => this.heartbeat());
    this.schedule(SELF_REGISTRATION.reconcileMs, () => this.reconcile());
    this.components.log.info({ service: this.id }, 'registered the proxy with the agent');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers.splice(0)) timer.cancel();
    const { clock, log, target } = this.components;
    for (let attempt = 1; attempt <= SELF_REGISTRATION.deregisterAttempts; attempt += 1) {
      try {
        await agentRequest(target, {
          method: 'PUT',
          path: `/v1/agent/service/deregister/${encodeURIComponent(this.id)}`,
          timeoutMs: SELF_REGISTRATION.requestTimeoutMs,
        });
        log.info({ service: this.id }, 'deregistered the proxy');
        return;
      } catch (error) {
        log.warn({ err: (error as Error).message, service: this.id }, 'service deregister failed');
        if (attempt < SELF_REGISTRATION.deregisterAttempts) await delay(clock, SELF_REGISTRATION.deregisterRetryMs);
      }
    }
  }

  /** Runs `task` every `periodMs` after the previous run ends (no pile-up behind a slow agent). */
  private schedule(periodMs: number, task: () => Promise<void>): void {
    const slot = this.timers.length;
    const arm = (): void => {
      this.timers[slot] = this.components.clock.setTimer(periodMs, () => {
        void task().finally(() => {
          if (this.running) arm();
        });
      });
    };
    arm();
  }

  private async register(): Promise<void> {
    await agentRequest(this.components.target, {
      method: 'PUT',
      path: '/v1/agent/service/register',
      body: selfRegistrationBody(this.init),
      timeoutMs: SELF_REGISTRATION.requestTimeoutMs,
    });
  }

  private async heartbeat(): Promise<void> {
    try {
      await agentRequest(this.components.target, {
        method: 'PUT',
        path: `/v1/agent/check/pass/${encodeURIComponent(this.checkId)}`,
        timeoutMs: SELF_REGISTRATION.requestTimeoutMs,
      });
    } catch (error) {
      // The next reconcile registers a lost service (and its check) again; until then the pass has nothing to hit.
      this.components.log.warn({ err: (error as Error).message }, 'heartbeat failed');
    }
  }

  private async reconcile(): Promise<void> {
    try {
      const answer = await agentRequest(this.components.target, {
        path: `/v1/agent/service/${encodeURIComponent(this.id)}`,
        accept: [404],
        timeoutMs: SELF_REGISTRATION.requestTimeoutMs,
      });
      if (answer.status !== 404 || !this.running) return;
      await this.register();
      this.components.log.info({ service: this.id }, 'registered the proxy again (the agent had lost it)');
    } catch (error) {
      this.components.log.warn({ err: (error as Error).message }, 'Failed to register Consul service');
    }
  }
}
