// One local service's TLS identity as the proxy uses it: its leaf and the trusted roots from the ProxySource,
// turned into a SecureContext and parsed roots once per change (never per connection), swapped atomically.

import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { type TrustedRoots, trustedRoots } from '../connect/verify.js';
import { TypedEmitter } from '../lib/emitter.js';
import type { Logger } from '../lib/log.js';
import { CredentialsUnavailableError } from './errors.js';
import { firstValue, type LeafCredentials, type ProxySource, type RootsSnapshot, type Watched } from './source.js';

export interface CredentialsSnapshot {
  readonly service: string;
  readonly trustDomain: string;
  readonly roots: TrustedRoots;
  /** What `server.setSecureContext` and `tls.connect` take. */
  readonly tlsOptions: SecureContextOptions;
  readonly secureContext: SecureContext;
  /** Increases with every swap. */
  readonly generation: number;
}

type CredentialsEvents = { change: CredentialsSnapshot };

export class ServiceCredentials {
  private readonly events: TypedEmitter<CredentialsEvents>;
  private readonly leafView: Watched<LeafCredentials>;
  private readonly rootsView: Watched<RootsSnapshot>;
  private readonly unsubscribes: (() => void)[] = [];
  private snapshot: CredentialsSnapshot | null = null;
  private generation = 0;

  constructor(
    source: ProxySource,
    readonly service: string,
    private readonly log: Logger,
  ) {
    this.events = new TypedEmitter((error) => log.error({ err: error }, 'credentials listener failed'));
    this.leafView = source.leaf(service);
    this.rootsView = source.roots();
    this.unsubscribes.push(this.leafView.onChange(() => this.rebuild()));
    this.unsubscribes.push(this.rootsView.onChange(() => this.rebuild()));
    this.rebuild();
  }

  /** Waits for the first leaf and roots. */
  async ready(signal: AbortSignal): Promise<void> {
    await Promise.all([firstValue(this.leafView, signal), firstValue(this.rootsView, signal)]);
    if (!this.snapshot) this.rebuild();
    if (!this.snapshot) throw new CredentialsUnavailableError(this.service, 'leaf');
  }

  current(): CredentialsSnapshot {
    if (!this.snapshot) throw new CredentialsUnavailableError(this.service, this.leafView.current() ? 'roots' : 'leaf');
    return this.snapshot;
  }

  onChange(listener: (snapshot: CredentialsSnapshot) => void): () => void {
    return this.events.on('change', listener);
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.leafView.close();
    this.rootsView.close();
  }

  private rebuild(): void {
    const leaf = this.leafView.current();
    const roots = this.rootsView.current();
    if (!leaf || !roots) return;
    try {
      const tlsOptions: SecureContextOptions = {
        cert: leaf.certPem,
        key: leaf.keyPem,
        ca: [...roots.rootPems],
        minVersion: 'TLSv1.2',
      };
      const snapshot: CredentialsSnapshot = {
        service: this.service,
        trustDomain: roots.trustDomain,
        roots: trustedRoots(roots.rootPems),
        tlsOptions,
        secureContext: createSecureContext(tlsOptions),
        generation: ++this.generation,
      };
      this.snapshot = snapshot;
      this.events.emit('change', snapshot);
    } catch (error) {
      // A bad leaf or root must not take down traffic that the previous credentials still serve.
      this.log.error({ err: error, service: this.service }, 'new proxy credentials rejected; keeping the previous');
    }
  }
}
