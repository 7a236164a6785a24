// A sidecar proxy in its own process (`lattice connect proxy`): the same ProxyManager the agent hosts in managed
// mode, fed by HttpProxySource instead of the agent's caches. It follows one connect-proxy registration on the local
// agent (`-sidecar-for <service-id>` finds it, `-proxy-id` names it) through a hash-blocking watch on
// /v1/agent/service/:id, replacing the proxy when the registration changes and stopping it while the service is
// deregistered; or, in dev mode (`-service`, `-upstream`, `-listen`), runs a registration built from flags (upstream
// listeners only when there is no `-listen`), registering itself with the agent under `-register`
// (proxy-self-registration.ts).
// A proxy that cannot start (a taken port, no leaf in time) is logged and retried with backoff.

import { Backoff } from '../../lib/backoff.js';
import { type Clock, delay } from '../../lib/clock.js';
import { LatticeError, ValidationError } from '../../lib/errors.js';
import type { AbortOptions, Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { ProxyRegistration } from '../../proxy/config.js';
import { ProxyManager } from '../../proxy/manager.js';
import type { ServiceProxy } from '../../proxy/service-proxy.js';
import type { ServiceKind, ServiceProxy as ServiceProxyBlock } from '../../server/state/types.js';
import { proxyRegistrationOf } from '../runtime/managed-proxies.js';
import { type AgentHttpTarget, agentRequest } from './agent-http.js';
import { HttpProxySource } from './http-proxy-source.js';
import { watchAgentEndpoint, watchRetry } from './http-watch.js';
import { ProxySelfRegistration, type ProxySelfRegistrationInit } from './proxy-self-registration.js';

export interface StandaloneProxyComponents {
  readonly target: AgentHttpTarget;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
}

/** Which proxy to run: a registered one (by its ID) or one made from flags (dev mode). */
export type StandaloneProxyMode =
  | { readonly kind: 'registered'; readonly proxyId: string }
  | {
      readonly kind: 'flags';
      readonly registration: ProxyRegistration;
      /** `-register`: how the proxy registers itself with the agent while it runs. */
      readonly register: ProxySelfRegistrationInit | null;
    };

export interface StandaloneProxyInit {
  readonly mode: StandaloneProxyMode;
  readonly closeRevokedConnections?: boolean;
}

/** The /v1/agent/services and /v1/agent/service/:id shape this file reads. */
export interface AgentServiceView {
  readonly ID: string;
  readonly Service: string;
  readonly Kind?: ServiceKind;
  readonly Address?: string;
  readonly Port: number;
  readonly Proxy?: ServiceProxyBlock | null;
  readonly Datacenter?: string;
}

const requestTimeoutMs = 10_000;

export class SidecarLookupError extends LatticeError {
  override readonly name = 'SidecarLookupError';
  constructor(message: string) {
    super('ERR_SIDECAR_LOOKUP', message);
  }
}

/** The ID of the one connect-proxy registered for `serviceId`, as `consul connect proxy -sidecar-for` finds it. */
export async function findSidecarProxyId(target: AgentHttpTarget, serviceId: string): Promise<string> {
  let services: Record<string, AgentServiceView>;
  try {
    const answer = await agentRequest<Record<string, AgentServiceView>>(target, {
      path: '/v1/agent/services',
      timeoutMs: requestTimeoutMs,
    });
    services = answer.value ?? {};
  } catch (error) {
    throw new SidecarLookupError(`Failed looking up sidecar proxy info for ${serviceId}: ${(error as Error).message}`);
  }
  // Consul compares the destination ID case-insensitively (strings.EqualFold).
  const wanted = serviceId.toLowerCase();
  const proxies = Object.values(services)
    .filter(
      (service) =>
        service.Kind === 'connect-proxy' &&
        typeof service.Proxy?.DestinationServiceID === 'string' &&
        service.Proxy.DestinationServiceID.toLowerCase() === wanted,
    )
    .map((service) => service.ID)
    .sort();
  // Consul's wording (command/connect/proxy/proxy.go LookupProxyIDForSidecar).
  if (proxies.length === 0) throw new SidecarLookupError(`No sidecar proxy registered for ${serviceId}`);
  if (proxies.length > 1)
    throw new SidecarLookupError(
      `More than one sidecar proxy registered for ${serviceId}.\n` +
        `    Start proxy with -proxy-id and one of the following IDs: ${proxies.join(', ')}`,
    );
  return proxies[0] as string;
}

export class StandaloneProxy implements Startable {
  private readonly source: HttpProxySource;
  private manager: ProxyManager | null = null;
  private readonly halt = new AbortController();
  private applied: string | null = null;
  /** The newest registration received, so a retry never re-applies one that was replaced meanwhile. */
  private latest: string | null = null;
  private chain: Promise<void> = Promise.resolve();
  private retry: Backoff;
  private selfRegistration: ProxySelfRegistration | null = null;

  constructor(
    private readonly components: StandaloneProxyComponents,
    private readonly init: StandaloneProxyInit,
  ) {
    this.source = new HttpProxySource(components);
    this.retry = new Backoff(watchRetry, components.rand);
  }

  /** The running service proxy, once started (tests and logs). */
  current(): ServiceProxy | null {
    const id = this.manager?.ids()[0];
    return id === undefined ? null : (this.manager?.get(id) ?? null);
  }

  /** Resolves once the first registration is read (the listeners come up in the background). */
  async start(options: AbortOptions = {}): Promise<void> {
    const { mode } = this.init;
    if (mode.kind === 'flags') {
      await this.startManager(await this.agentDatacenter(options.signal));
      if (mode.register) {
        const registration = new ProxySelfRegistration(this.components, mode.register);
        try {
          await registration.start();
        } catch (error) {
          // A proxy the agent refused to register does not run unregistered: nothing is left behind.
          await this.manager?.stop();
          this.source.close();
          throw error;
        }
        this.selfRegistration = registration;
      }
      this.schedule(mode.registration);
      return;
    }
    const first = await agentRequest<AgentServiceView>(this.components.target, {
      path: `/v1/agent/service/${encodeURIComponent(mode.proxyId)}`,
      accept: [404],
      timeoutMs: requestTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (first.value === null) throw new SidecarLookupError(`Unknown proxy service ID: ${mode.proxyId}`);
    await this.startManager(first.value.Datacenter || (await this.agentDatacenter(options.signal)));
    void watchAgentEndpoint<AgentServiceView>(this.components, {
      what: `registration of ${mode.proxyId}`,
      path: `/v1/agent/service/${encodeURIComponent(mode.proxyId)}`,
      mode: 'hash',
      accept: [404],
      signal: this.halt.signal,
      onAnswer: (answer) => this.schedule(answer.value === null ? null : registrationOf(answer.value)),
    });
  }

  async stop(options: AbortOptions = {}): Promise<void> {
    this.halt.abort();
    await this.chain.catch(() => undefined);
    await this.manager?.stop(options);
    this.source.close();
    await this.selfRegistration?.stop();
  }

  private async startManager(datacenter: string): Promise<void> {
    const { clock, log } = this.components;
    this.manager = new ProxyManager(
      { source: this.source, clock, log },
      {
        datacenter,
        ...(this.init.closeRevokedConnections === undefined
          ? {}
          : { closeRevokedConnections: this.init.closeRevokedConnections }),
        servicesMax: 1,
      },
    );
    await this.manager.start();
  }

  private async agentDatacenter(signal?: AbortSignal): Promise<string> {
    const answer = await agentRequest<{ Config?: { Datacenter?: string } }>(this.components.target, {
      path: '/v1/agent/self',
      timeoutMs: requestTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    const datacenter = answer.value?.Config?.Datacenter;
    if (!datacenter) throw new LatticeError('ERR_AGENT_HTTP', 'the agent did not report its datacenter');
    return datacenter;
  }

  private schedule(registration: ProxyRegistration | null): void {
    this.latest = registration === null ? null : JSON.stringify(registration);
    this.chain = this.chain.then(() => this.apply(registration));
  }

  private async apply(registration: ProxyRegistration | null): Promise<void> {
    const manager = this.manager;
    if (this.halt.signal.aborted || manager === null) return;
    const { log, clock } = this.components;
    const key = registration === null ? null : JSON.stringify(registration);
    if (key === this.applied) return;
    if (registration === null) {
      this.applied = null;
      for (const id of manager.ids()) await manager.removeService(id);
      log.warn('the proxy service is not registered (or not a connect-proxy the L4 proxy can run); waiting for it');
      return;
    }
    try {
      for (const id of manager.ids()) if (id !== registration.ID) await manager.removeService(id);
      await manager.addService(registration, { signal: this.halt.signal });
      this.applied = key;
      this.retry.reset();
    } catch (error) {
      if (this.halt.signal.aborted) return;
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      log.warn(
        { err: (error as Error).message },
        inUse
          ? 'proxy listeners did not start: the address is taken (if the agent hosts this sidecar itself, set connect { managed_proxies = false } on it); retrying'
          : 'proxy listeners did not start; retrying',
      );
      if (error instanceof ValidationError) return; // an invalid registration stays so until it changes
      await delay(clock, this.retry.next(), this.halt.signal).catch(() => undefined);
      // A registration that arrived meanwhile is queued already and wins over this retry.
      if (this.latest === key) this.schedule(registration);
    }
  }
}

/** An /v1/agent/service answer as a proxy registration, or null when the L4 proxy cannot run it. */
export function registrationOf(view: AgentServiceView): ProxyRegistration | null {
  return proxyRegistrationOf({
    ID: view.ID,
    Kind: view.Kind ?? '',
    Address: view.Address ?? '',
    Port: view.Port,
    Proxy: view.Proxy ?? null,
  });
}
