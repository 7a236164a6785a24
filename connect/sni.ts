// TLS server names for mesh traffic (Consul's agent/connect/sni.go): a sidecar dials an upstream with the SNI of its
// target, and a mesh gateway routes by that name without terminating TLS, so both sides must spell it identically.

import { DEFAULT_NAMESPACE, DEFAULT_PARTITION } from './spiffe.js';

export interface ServiceSniTarget {
  readonly service: string;
  readonly datacenter: string;
  readonly trustDomain: string;
  /** Empty or absent for the whole service. */
  readonly subset?: string;
  readonly namespace?: string;
  readonly partition?: string;
}

/** `[<subset>.]<service>.<ns>.<dc>.internal.<td>`; a non-default partition uses `internal-v1` with the partition. */
export function serviceSni(target: ServiceSniTarget): string {
  const namespace = target.namespace || DEFAULT_NAMESPACE;
  const partition = target.partition || DEFAULT_PARTITION;
  const subsetParts = target.subset ? [target.subset] : [];
  if (partition === DEFAULT_PARTITION) {
    return [...subsetParts, target.service, namespace, target.datacenter, 'internal', target.trustDomain].join('.');
  }
  return [
    ...subsetParts,
    target.service,
    namespace,
    partition,
    target.datacenter,
    'internal-v1',
    target.trustDomain,
  ].join('.');
}

/** A prepared-query upstream: `<service>.default.<dc>.query.<td>`. */
export function querySni(service: string, datacenter: string, trustDomain: string): string {
  return `${service}.default.${datacenter}.query.${trustDomain}`;
}

/** A whole datacenter, as a gateway in another DC matches it: `<dc>.internal.<td>`. */
export function datacenterSni(datacenter: string, trustDomain: string): string {
  return `${datacenter}.internal.${trustDomain}`;
}

/** A service exported by a cluster peer: `<service>.<ns>.<partition>.<peer>.external.<td>`. */
export function peeredServiceSni(
  service: string,
  namespace: string,
  partition: string,
  peer: string,
  trustDomain: string,
): string {
  return [service, namespace || DEFAULT_NAMESPACE, partition || DEFAULT_PARTITION, peer, 'external', trustDomain].join(
    '.',
  );
}

/** WAN-federation server traffic through gateways: `<node>.server.<dc>.<domain>` (domain default `consul`). */
export function serverSni(datacenter: string, node?: string, domain = 'consul'): string {
  const suffix = `server.${datacenter}.${domain}`;
  return node ? `${node}.${suffix}` : suffix;
}

/**
 * The datacenter an SNI targets, for a mesh gateway's routing (`*.<dc>.internal.<td>` or `internal-v1`), or null
 * when the name is not a mesh service name of this trust domain.
 */
export function datacenterOfSni(sni: string, trustDomain: string): string | null {
  const suffix = `.${trustDomain}`;
  if (!sni.endsWith(suffix)) return null;
  const labels = sni.slice(0, -suffix.length).split('.');
  const marker = labels.at(-1);
  if ((marker !== 'internal' && marker !== 'internal-v1') || labels.length < 2) return null;
  return labels.at(-2) ?? null;
}
