// SPIFFE IDs as Consul writes them (agent/connect/uri_*.go): every Connect certificate carries exactly one, and the
// service name inside it is the principal that intentions match. Parsing is strict, because the ID comes from a
// peer's certificate or a CSR: anything outside the five known shapes is a SpiffeIdError, never a best guess.

import { SpiffeIdError } from './errors.js';

/** Consul's only namespace and partition in the open-source edition. */
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_PARTITION = 'default';
/** RFC-like bound from the SPIFFE spec: an ID is at most 2048 bytes. */
export const SPIFFE_ID_LENGTH_MAX = 2048;

export interface ServiceSpiffeId {
  readonly kind: 'service';
  readonly trustDomain: string;
  readonly partition: string;
  readonly namespace: string;
  readonly datacenter: string;
  readonly service: string;
}
export interface AgentSpiffeId {
  readonly kind: 'agent';
  readonly trustDomain: string;
  readonly partition: string;
  readonly datacenter: string;
  readonly node: string;
}
export interface ServerSpiffeId {
  readonly kind: 'server';
  readonly trustDomain: string;
  readonly datacenter: string;
}
export interface MeshGatewaySpiffeId {
  readonly kind: 'mesh-gateway';
  readonly trustDomain: string;
  readonly partition: string;
  readonly datacenter: string;
}
/** The CA's own identity: `spiffe://<trust-domain>` with no path. */
export interface SigningSpiffeId {
  readonly kind: 'signing';
  readonly trustDomain: string;
}
export type SpiffeId = ServiceSpiffeId | AgentSpiffeId | ServerSpiffeId | MeshGatewaySpiffeId | SigningSpiffeId;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** DNS-style labels: a trust domain is a host name (SPIFFE spec: lowercase letters, digits, dots, dashes, underscores). */
const trustDomainPattern = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;
/** A path segment: unreserved characters or percent escapes (RFC 3986), never empty. */
const segmentPattern = /^([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+$/;

/** `<cluster-id>.consul` for a UUID cluster ID, as Consul's `TrustDomain` (connect/ca roots). */
export function trustDomainForClusterId(clusterId: string): string {
  const id = clusterId.toLowerCase();
  if (!uuidPattern.test(id)) throw new SpiffeIdError(clusterId, 'cluster ID must be a UUID');
  return `${id}.consul`;
}

/** The cluster ID inside a `<cluster-id>.consul` trust domain (a root's `ExternalTrustDomain`). */
export function clusterIdOfTrustDomain(trustDomain: string): string {
  const suffix = '.consul';
  const id = trustDomain.endsWith(suffix) ? trustDomain.slice(0, -suffix.length) : '';
  if (!uuidPattern.test(id)) throw new SpiffeIdError(trustDomain, 'trust domain is not <cluster-id>.consul');
  return id;
}

export function serviceSpiffeId(
  trustDomain: string,
  datacenter: string,
  service: string,
  namespace = DEFAULT_NAMESPACE,
  partition = DEFAULT_PARTITION,
): ServiceSpiffeId {
  return { kind: 'service', trustDomain, partition, namespace, datacenter, service };
}

export function agentSpiffeId(
  trustDomain: string,
  datacenter: string,
  node: string,
  partition = DEFAULT_PARTITION,
): AgentSpiffeId {
  return { kind: 'agent', trustDomain, partition, datacenter, node };
}

export function signingSpiffeId(trustDomain: string): SigningSpiffeId {
  return { kind: 'signing', trustDomain };
}

/** The URI string for an ID; the default partition is left out, as Consul does. */
export function formatSpiffeId(id: SpiffeId): string {
  const base = `spiffe://${id.trustDomain}`;
  const partitionPrefix = (partition: string) =>
    partition === DEFAULT_PARTITION ? '' : `/ap/${escapeSegment(partition)}`;
  switch (id.kind) {
    case 'signing':
      return base;
    case 'service':
      return `${base}${partitionPrefix(id.partition)}/ns/${escapeSegment(id.namespace)}/dc/${escapeSegment(id.datacenter)}/svc/${escapeSegment(id.service)}`;
    case 'agent':
      return `${base}${partitionPrefix(id.partition)}/agent/client/dc/${escapeSegment(id.datacenter)}/id/${escapeSegment(id.node)}`;
    case 'server':
      return `${base}/agent/server/dc/${escapeSegment(id.datacenter)}`;
    case 'mesh-gateway':
      return `${base}${partitionPrefix(id.partition)}/gateway/mesh/dc/${escapeSegment(id.datacenter)}`;
  }
}

/** Parses a SPIFFE ID of one of the five Connect shapes; throws SpiffeIdError naming what is wrong. */
export function parseSpiffeId(input: string): SpiffeId {
  if (typeof input !== 'string') throw new SpiffeIdError(String(input), 'not a string');
  if (input.length > SPIFFE_ID_LENGTH_MAX) throw new SpiffeIdError(input, `longer than ${SPIFFE_ID_LENGTH_MAX}`);
  const scheme = 'spiffe://';
  if (input.slice(0, scheme.length).toLowerCase() !== scheme) throw new SpiffeIdError(input, 'scheme is not spiffe');
  const rest = input.slice(scheme.length);
  if (/[?#]/.test(rest)) throw new SpiffeIdError(input, 'query and fragment are not allowed');
  const slash = rest.indexOf('/');
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (host === '') throw new SpiffeIdError(input, 'trust domain is empty');
  if (host.includes('@') || host.includes(':')) throw new SpiffeIdError(input, 'user info and ports are not allowed');
  const trustDomain = host.toLowerCase();
  if (!trustDomainPattern.test(trustDomain)) throw new SpiffeIdError(input, 'trust domain is not a host name');
  if (path === '') return { kind: 'signing', trustDomain };
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (!segmentPattern.test(segment)) throw new SpiffeIdError(input, 'empty or invalid path segment');
  }
  const values = segments.map((segment) => unescapeSegment(input, segment));
  return parsePath(input, trustDomain, values);
}

function parsePath(input: string, trustDomain: string, segments: readonly string[]): SpiffeId {
  let position = 0;
  let partition = DEFAULT_PARTITION;
  if (segments[0] === 'ap' && segments.length > 2) {
    partition = segments[1]!;
    position = 2;
  }
  const tail = segments.slice(position);
  const shape = tail.map((segment, at) => (at % 2 === 0 ? segment : '_')).join('/');
  switch (shape) {
    case 'ns/_/dc/_/svc/_':
      return { kind: 'service', trustDomain, partition, namespace: tail[1]!, datacenter: tail[3]!, service: tail[5]! };
    case 'agent/_/dc/_/id/_':
      if (tail[1] !== 'client') break;
      return { kind: 'agent', trustDomain, partition, datacenter: tail[3]!, node: tail[5]! };
    case 'agent/_/dc/_':
      if (tail[1] !== 'server' || position !== 0) break;
      return { kind: 'server', trustDomain, datacenter: tail[3]! };
    case 'gateway/_/dc/_':
      if (tail[1] !== 'mesh') break;
      return { kind: 'mesh-gateway', trustDomain, partition, datacenter: tail[3]! };
  }
  throw new SpiffeIdError(input, 'path is not a service, agent, server, mesh gateway or signing ID');
}

/** Parses and requires a service ID (what authorize and the proxies take from a client certificate). */
export function parseServiceSpiffeId(input: string): ServiceSpiffeId {
  const id = parseSpiffeId(input);
  if (id.kind !== 'service') throw new SpiffeIdError(input, `expected a service ID, got a ${id.kind} ID`);
  return id;
}

function escapeSegment(segment: string): string {
  return encodeURIComponent(segment);
}

function unescapeSegment(input: string, segment: string): string {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch (error) {
    throw new SpiffeIdError(input, 'bad percent escape', { cause: error });
  }
  // A decoded slash or control character would let one ID pose as another shape.
  if (value === '' || hasSlashOrControl(value)) throw new SpiffeIdError(input, 'invalid escaped segment');
  return value;
}

function hasSlashOrControl(value: string): boolean {
  for (let position = 0; position < value.length; position++) {
    const code = value.charCodeAt(position);
    if (code === 0x2f || code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
