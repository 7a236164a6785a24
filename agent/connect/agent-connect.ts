// The agent's Connect caches (Consul agent/leafcert and the roots/intentions cache types): CA roots and the
// intention table, each kept fresh by one blocking watch on the servers, and leaf certificates per service (the
// agent makes the key and CSR, a server signs), renewed at a random point between 60 % and 90 % of their lifetime
// and re-issued when the active root changes. Watches start on first use, so agents without Connect pay nothing.
//
// This is the in-agent interface the built-in proxy uses directly (the HTTP routes are a thin layer over it):
//   await connect.roots({ minIndex, waitMs, signal })   → { index, value: {ActiveRootID, TrustDomain, Roots} }
//   await connect.leaf(service, { minIndex, waitMs, signal }) → { index, value: LeafCert } (PEMs, validity)
//   connect.intentionTable()                             → IntentionTable | null (sync; swap on 'intentions')
//   await connect.authorize({ Target, ClientCertURI })   → { Authorized, Reason } (Consul's authorize)
//   connect.events.on('roots' | 'leaf' | 'intentions', ...)  to hot-swap TLS contexts and tables

// Not connect/index.js: that also exports the CA, whose @peculiar/x509 costs every client agent megabytes of heap.
import { type AuthorizeRequest, type AuthorizeResult, authorize } from '../../connect/intentions/authorize.js';
import { compileIntentionTable, type IntentionTable } from '../../connect/intentions/table.js';
import { formatSpiffeId, serviceSpiffeId } from '../../connect/spiffe.js';
import { Backoff } from '../../lib/backoff.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { delay } from '../../lib/clock.js';
import { TypedEmitter } from '../../lib/emitter.js';
import { ValidationError } from '../../lib/errors.js';
import { lazyModule } from '../../lib/lazy-module.js';
import type { Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import { defaultQueryOptions, type IssuedCert, type QueryReply, type RpcClient } from '../../server/rpc/methods.js';
import type { CaRootsReply } from '../../server/state/connect-reads.js';
import { type Indexed, Versioned } from './versioned.js';

/** Key and CSR generation (@peculiar/x509), loaded by the first leaf request: most client agents never make one. */
const loadCsr = lazyModule('Connect CSR generation (connect/ca/csr.js)', () => import('../../connect/ca/csr.js'));

/** `/v1/agent/connect/ca/leaf/:service`'s body. */
export interface LeafCert {
  readonly SerialNumber: string;
  readonly CertPEM: string;
  readonly PrivateKeyPEM: string;
  readonly Service: string;
  readonly ServiceURI: string;
  readonly ValidAfter: string;
  readonly ValidBefore: string;
  readonly Namespace: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type AgentConnectEvents = {
  roots: Indexed<CaRootsReply>;
  leaf: { readonly service: string; readonly leaf: Indexed<LeafCert> };
  intentions: { readonly table: IntentionTable; readonly index: number };
};

export interface AgentConnectComponents {
  readonly rpc: RpcClient;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
}

export interface AgentConnectConfig {
  readonly datacenter: string;
  /** No intention matched: allow when ACLs are off or acl.default_policy is allow (Consul's default). */
  readonly defaultAllow: boolean;
}

export interface BlockingOptions {
  readonly minIndex?: number;
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/** Consul's blocking default wait and the servers' cap. */
const waitMsDefault = 5 * 60_000;
const watchWaitMs = 10 * 60_000;
/** Renewal at a random point of the leaf's lifetime between these fractions (Consul leafcert). */
export const leafRenewFractionMin = 0.6;
export const leafRenewFractionMax = 0.9;
/** A root change re-issues every leaf spread over this window, so a rotation is not one burst of CSRs. */
const rotationSpreadMs = 2_000;
/** Services with a cached leaf; a proxy host has a handful, this bounds a misbehaving client. */
export const leafServicesMax = 4_096;
const retry = { baseDelayMs: 250, delayMsMax: 30_000 };
const timerDelayMsMax = 2 ** 31 - 1;

interface LeafEntry {
  readonly value: Versioned<LeafCert>;
  renewTimer: Timer | null;
  issuing: Promise<void> | null;
  rootId: string;
}

export class AgentConnect implements Startable {
  readonly events: TypedEmitter<AgentConnectEvents>;
  private readonly rootsValue: Versioned<CaRootsReply>;
  private readonly tableValue: Versioned<IntentionTable>;
  private readonly leaves = new Map<string, LeafEntry>();
  private controller = new AbortController();
  private rootsWatching = false;
  private intentionsWatching = false;
  private leafIndex = 0;

  constructor(
    private readonly components: AgentConnectComponents,
    private readonly config: AgentConnectConfig,
  ) {
    this.events = new TypedEmitter((error, name) =>
      components.log.warn({ err: error, event: name }, 'a Connect listener threw'),
    );
    this.rootsValue = new Versioned(components.clock, 'CA roots');
    this.tableValue = new Versioned(components.clock, 'intentions');
  }

  async start(): Promise<void> {
    if (this.controller.signal.aborted) this.controller = new AbortController();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const entry of this.leaves.values()) entry.renewTimer?.cancel();
    this.leaves.clear();
    this.rootsWatching = false;
    this.intentionsWatching = false;
  }

  /** The CA roots, blocking while the index is minIndex. */
  roots(options: BlockingOptions = {}): Promise<Indexed<CaRootsReply>> {
    this.watchRoots();
    return this.rootsValue.wait(options.minIndex ?? 0, options.waitMs ?? waitMsDefault, options.signal);
  }

  /** The cached roots now, or null before the first answer. */
  currentRoots(): Indexed<CaRootsReply> | null {
    this.watchRoots();
    return this.rootsValue.get();
  }

  /** The leaf certificate of `service`, issued on first use; blocks while its index is minIndex. */
  leaf(service: string, options: BlockingOptions = {}): Promise<Indexed<LeafCert>> {
    if (service === '') throw new ValidationError('service name is required');
    let entry = this.leaves.get(service);
    if (entry === undefined) {
      if (this.leaves.size >= leafServicesMax)
        throw new ValidationError(`more than ${leafServicesMax} services with leaf certificates`);
      entry = {
        value: new Versioned(this.components.clock, `leaf certificate for ${service}`),
        renewTimer: null,
        issuing: null,
        rootId: '',
      };
      this.leaves.set(service, entry);
      this.issue(service, entry);
    }
    return entry.value.wait(options.minIndex ?? 0, options.waitMs ?? waitMsDefault, options.signal);
  }

  /** The current intention table, or null before the first answer (the proxy's hot path reads this). */
  intentionTable(): IntentionTable | null {
    this.watchIntentions();
    return this.tableValue.get()?.value ?? null;
  }

  /** Consul's /v1/agent/connect/authorize decision from the cached table (waits for the first load only). */
  async authorize(request: AuthorizeRequest, signal?: AbortSignal): Promise<AuthorizeResult> {
    this.watchIntentions();
    const { value: table } = await this.tableValue.ready(signal);
    return authorize(table, request);
  }

  private query(minIndex: number) {
    return { ...defaultQueryOptions, minQueryIndex: minIndex, maxQueryTimeMs: watchWaitMs };
  }

  private get context() {
    return { datacenter: this.config.datacenter, token: '' };
  }

  /** One blocking watch: calls `read` with the last index until stopped, retrying failures with backoff. */
  private watch<T>(
    what: string,
    read: (minIndex: number, signal: AbortSignal) => Promise<QueryReply<T>>,
    accept: (reply: QueryReply<T>) => void,
  ): void {
    const signal = this.controller.signal;
    const { clock, rand, log } = this.components;
    const backoff = new Backoff(retry, rand);
    const loop = async (): Promise<void> => {
      let index = 0;
      while (!signal.aborted) {
        try {
          const reply = await read(index, signal);
          backoff.reset();
          // An index going backwards (restore, another server) resets the watch, as Consul's clients do.
          index = reply.meta.index < index ? 0 : reply.meta.index;
          accept(reply);
        } catch (error) {
          if (signal.aborted) return;
          log.debug({ err: error instanceof Error ? error.message : String(error), what }, 'Connect watch failed');
          await delay(clock, backoff.next(), signal).catch(() => undefined);
        }
      }
    };
    void loop();
  }

  private watchRoots(): void {
    if (this.rootsWatching || this.controller.signal.aborted) return;
    this.rootsWatching = true;
    this.watch(
      'roots',
      (minIndex, signal) =>
        this.components.rpc.call('ConnectCA.Roots', {}, { context: this.context, query: this.query(minIndex), signal }),
      (reply) => {
        // Roots are empty until the leader has initialized the CA: wait for a real answer.
        if (reply.value.ActiveRootID === '') return;
        const previous = this.rootsValue.get();
        if (previous !== null && previous.index === reply.meta.index) return;
        this.rootsValue.set(reply.value, reply.meta.index);
        this.events.emit('roots', { value: reply.value, index: reply.meta.index });
        if (previous !== null && previous.value.ActiveRootID !== reply.value.ActiveRootID) this.reissueAll();
      },
    );
  }

  private watchIntentions(): void {
    if (this.intentionsWatching || this.controller.signal.aborted) return;
    this.intentionsWatching = true;
    this.watch(
      'intentions',
      (minIndex, signal) =>
        this.components.rpc.call('Intention.List', {}, { context: this.context, query: this.query(minIndex), signal }),
      (reply) => {
        const previous = this.tableValue.get();
        if (previous !== null && previous.index === reply.meta.index) return;
        const table = compileIntentionTable(reply.value, {
          defaultAllow: this.config.defaultAllow,
          defaultSource: 'acl',
        });
        this.tableValue.set(table, reply.meta.index);
        this.events.emit('intentions', { table, index: reply.meta.index });
      },
    );
  }

  /** Every cached leaf is re-issued under the new root, each at a random point of a short window. */
  private reissueAll(): void {
    for (const [service, entry] of this.leaves) {
      entry.renewTimer?.cancel();
      entry.renewTimer = this.components.clock.setTimer(this.components.rand.float() * rotationSpreadMs, () =>
        this.issue(service, entry),
      );
    }
  }

  private issue(service: string, entry: LeafEntry): void {
    if (entry.issuing !== null || this.controller.signal.aborted) return;
    const signal = this.controller.signal;
    const backoff = new Backoff(retry, this.components.rand);
    const run = async (): Promise<void> => {
      while (!signal.aborted) {
        try {
          const roots = await this.roots({ signal });
          const active = roots.value.Roots.find((root) => root.ID === roots.value.ActiveRootID);
          const id = serviceSpiffeId(roots.value.TrustDomain, this.config.datacenter, service);
          const { generateCsr } = await loadCsr();
          const { csrPem, privateKeyPem } = await generateCsr({
            id,
            ...(active ? { keyType: active.PrivateKeyType, keyBits: active.PrivateKeyBits } : {}),
          });
          const issued: IssuedCert = await this.components.rpc.call(
            'ConnectCA.Sign',
            { CSR: csrPem },
            { context: this.context, signal },
          );
          if (signal.aborted) return;
          this.leafIndex = Math.max(this.leafIndex + 1, issued.ModifyIndex);
          const leaf: LeafCert = {
            SerialNumber: issued.SerialNumber,
            CertPEM: issued.CertPEM,
            PrivateKeyPEM: privateKeyPem,
            Service: service,
            ServiceURI: formatSpiffeId(id),
            ValidAfter: issued.ValidAfter,
            ValidBefore: issued.ValidBefore,
            Namespace: 'default',
            CreateIndex: this.leafIndex,
            ModifyIndex: this.leafIndex,
          };
          entry.rootId = roots.value.ActiveRootID;
          entry.value.set(leaf, this.leafIndex);
          this.events.emit('leaf', { service, leaf: { value: leaf, index: this.leafIndex } });
          this.armRenewal(service, entry, leaf);
          return;
        } catch (error) {
          if (signal.aborted) return;
          this.components.log.warn(
            { service, err: error instanceof Error ? error.message : String(error) },
            'leaf certificate request failed; retrying',
          );
          await delay(this.components.clock, backoff.next(), signal).catch(() => undefined);
        }
      }
    };
    entry.issuing = run().finally(() => {
      entry.issuing = null;
    });
  }

  private armRenewal(service: string, entry: LeafEntry, leaf: LeafCert): void {
    const afterMs = Date.parse(leaf.ValidAfter);
    const beforeMs = Date.parse(leaf.ValidBefore);
    const lifetimeMs = Math.max(0, beforeMs - afterMs);
    const fraction =
      leafRenewFractionMin + this.components.rand.float() * (leafRenewFractionMax - leafRenewFractionMin);
    this.armAt(service, entry, afterMs + lifetimeMs * fraction);
  }

  /** Timers hold at most ~24.8 days (2^31 - 1 ms); a later renewal re-arms until it is due. */
  private armAt(service: string, entry: LeafEntry, dueWallMs: number): void {
    const remainingMs = Math.max(0, dueWallMs - this.components.clock.wallMs());
    entry.renewTimer?.cancel();
    entry.renewTimer = this.components.clock.setTimer(Math.min(remainingMs, timerDelayMsMax), () => {
      entry.renewTimer = null;
      if (remainingMs > timerDelayMsMax) this.armAt(service, entry, dueWallMs);
      else this.issue(service, entry);
    });
  }
}
