// The seam between the data plane and the control plane: everything a service proxy needs to know, as watched
// values. The agent implements it from its leaf cache, roots watch, intention watch and health watches; tests use
// testing/static-source.ts. The proxy never calls a server per connection: it reads `current()`.

import type { IntentionTable } from '../connect/index.js';

/** A value kept fresh by the control plane; `current()` is null until the first fetch has answered. */
export interface Watched<T> {
  current(): T | null;
  /** Called with every new value after it is in place; returns an unsubscribe function. */
  onChange(listener: (value: T) => void): () => void;
  /** Releases this view; the implementation may stop the underlying watch when no view is left. */
  close(): void;
}

/** The service's current leaf, as `/v1/agent/connect/ca/leaf/:service` returns it. */
export interface LeafCredentials {
  /** The leaf first, then the intermediates the signer appends (the cross-signed root during a rotation). */
  readonly certPem: string;
  readonly keyPem: string;
}

/** The trust anchors, as `/v1/agent/connect/ca/roots` returns them (every root, active or not). */
export interface RootsSnapshot {
  readonly trustDomain: string;
  /** Root certificates, PEM; Consul keeps inactive roots until they are prunable, so peers on old leaves verify. */
  readonly rootPems: readonly string[];
}

/** A healthy instance of an upstream: the address of its sidecar's public listener. */
export interface UpstreamEndpoint {
  readonly address: string;
  readonly port: number;
  /** The service whose identity the endpoint must present (the destination, not the proxy's own name). */
  readonly service: string;
  /** Overrides the SNI computed from the service, datacenter and trust domain (prepared queries, gateways). */
  readonly sni?: string;
}

export interface UpstreamTarget {
  readonly service: string;
  /** Absent for the local datacenter. */
  readonly datacenter?: string;
}

export interface ProxySource {
  /** The leaf certificate of a local service (the identity its proxy presents both ways). */
  leaf(service: string): Watched<LeafCredentials>;
  roots(): Watched<RootsSnapshot>;
  /** The compiled intention table, replaced whole on every change so a decision never sees half an update. */
  intentions(): Watched<IntentionTable>;
  /** Healthy (passing) instances of an upstream, from a blocking health watch. */
  endpoints(upstream: UpstreamTarget): Watched<readonly UpstreamEndpoint[]>;
}

/** Resolves with the watched value once it is present, or rejects when the signal fires. */
export function firstValue<T>(watched: Watched<T>, signal: AbortSignal): Promise<T> {
  const present = watched.current();
  if (present !== null) return Promise.resolve(present);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      unsubscribe();
      reject(signal.reason);
    };
    const unsubscribe = watched.onChange((value) => {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
