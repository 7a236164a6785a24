// Running a resolved prepared query in the local datacenter (Consul prepared_query_endpoint.go: execute, then the
// ordering Execute applies): the service's health entries (Connect-capable ones when asked), without instances
// that have a critical check — or any non-passing one with OnlyPassing — unless the check is in IgnoreCheckIDs,
// then node meta, service meta and tag filters (`!tag` forbids; tags compare case-insensitively); then shuffled,
// sorted by round-trip time from the source node when there is one with a coordinate, the source node itself put
// first, and cut to the limit. Pure: randomness arrives as a Rand.

import { type Rand, shuffleInPlace } from '../../lib/rand.js';
import { matchesNodeMeta } from './catalog-reads.js';
import { coordinates } from './coordinates.js';
import { coordinatesByNode, sortByDistance } from './distance-sort.js';
import { checkServiceNodes, connectCheckServiceNodes } from './health-reads.js';
import type { PreparedQueryFields, QueryDnsOptions, QuerySource } from './prepared-query-types.js';
import type { StateStore } from './store.js';
import { nodesSchema } from './tables/catalog.js';
import type { ServiceEntry } from './types.js';

/** Consul's PreparedQueryExecuteResponse, without QueryMeta. */
export interface PreparedQueryExecuteReply {
  readonly Service: string;
  readonly Nodes: readonly ServiceEntry[];
  readonly DNS: QueryDnsOptions;
  readonly Datacenter: string;
  /** How many other datacenters were asked (0 when the local one answered). */
  readonly Failovers: number;
}

/** What an execution needs beyond the query: Consul's PreparedQueryExecuteRequest minus the query name. */
export interface ExecuteOptions {
  readonly limit: number;
  /** `?connect`: Connect-capable endpoints whatever the query says. */
  readonly connect: boolean;
  /** The client's choice (`?near`, its IP); wins over the query's Near. */
  readonly source: QuerySource;
  /** The agent that asked (for `_agent`). */
  readonly agent: QuerySource;
}

/** structs.CheckServiceNodes.FilterIgnore. */
export function healthyForQuery(
  entries: readonly ServiceEntry[],
  onlyPassing: boolean,
  ignoreCheckIds: readonly string[] | null,
): ServiceEntry[] {
  const ignored = new Set(ignoreCheckIds ?? []);
  return entries.filter((entry) =>
    entry.Checks.every(
      (check) =>
        ignored.has(check.CheckID) || !(check.Status === 'critical' || (onlyPassing && check.Status !== 'passing')),
    ),
  );
}

/** tagFilter: every required tag present, no forbidden (`!tag`) one; case-insensitive. */
export function matchesQueryTags(entry: ServiceEntry, tags: readonly string[]): boolean {
  const have = new Set((entry.Service.Tags ?? []).map((tag) => tag.toLowerCase()));
  return tags.every((tag) => {
    const wanted = tag.toLowerCase();
    return wanted.startsWith('!') ? !have.has(wanted.slice(1)) : have.has(wanted);
  });
}

/** structs.SatisfiesMetaFilters on the instance's service meta. */
export function matchesServiceMeta(entry: ServiceEntry, filters: Readonly<Record<string, string>>): boolean {
  const meta = entry.Service.Meta ?? {};
  return Object.entries(filters).every(([key, value]) => meta[key] === value);
}

/** Consul's execute(): the local datacenter's matching healthy entries, unordered. */
export function executeLocally(
  store: StateStore,
  query: PreparedQueryFields,
  datacenter: string,
  forceConnect: boolean,
): PreparedQueryExecuteReply {
  const service = query.Service;
  const read = service.Connect || forceConnect ? connectCheckServiceNodes : checkServiceNodes;
  let nodes = healthyForQuery(read(store, service.Service).value, service.OnlyPassing, service.IgnoreCheckIDs);
  const nodeMeta = service.NodeMeta;
  if (nodeMeta !== null && Object.keys(nodeMeta).length > 0)
    nodes = nodes.filter((entry) => matchesNodeMeta(entry.Node, nodeMeta));
  const serviceMeta = service.ServiceMeta;
  if (serviceMeta !== null && Object.keys(serviceMeta).length > 0)
    nodes = nodes.filter((entry) => matchesServiceMeta(entry, serviceMeta));
  const tags = service.Tags;
  if (tags !== null && tags.length > 0) nodes = nodes.filter((entry) => matchesQueryTags(entry, tags));
  return { Service: service.Service, Nodes: nodes, DNS: query.DNS, Datacenter: datacenter, Failovers: 0 };
}

/** The node to sort from: the client's, else the query's Near; `_agent` and `_ip` resolved; '' for none. */
export function sortSource(
  store: StateStore,
  query: PreparedQueryFields,
  options: ExecuteOptions,
): { readonly node: string; readonly datacenter: string } {
  const datacenter = options.source.Datacenter || options.agent.Datacenter;
  let node = options.source.Node || query.Service.Near;
  if (node === '_agent') node = options.agent.Node;
  else if (node === '_ip') {
    // The node that owns the client's address; no address or no such node means no sort.
    const ip = options.source.Ip;
    node =
      ip === ''
        ? ''
        : (store
            .table(nodesSchema)
            .all()
            .find((row) => row.Address === ip)?.Node ?? '');
  }
  return { node, datacenter };
}

/** Shuffle, distance sort from the source, the source node first (searched in the first 10), then the limit. */
export function orderForQuery(
  store: StateStore,
  reply: PreparedQueryExecuteReply,
  query: PreparedQueryFields,
  options: ExecuteOptions,
  rand: Rand,
): PreparedQueryExecuteReply {
  let nodes = shuffleInPlace([...reply.Nodes], rand);
  const source = sortSource(store, query, options);
  // Coordinates only compare within one datacenter.
  const sameDatacenter = source.datacenter.toLowerCase() === reply.Datacenter.toLowerCase();
  if (source.node !== '' && sameDatacenter) {
    nodes = sortByDistance(nodes, (entry) => entry.Node.Node, source.node, coordinatesByNode(coordinates(store).value));
    const wanted = source.node.toLowerCase();
    const position = nodes.slice(0, 10).findIndex((entry) => entry.Node.Node.toLowerCase() === wanted);
    if (position > 0) [nodes[0], nodes[position]] = [nodes[position] as ServiceEntry, nodes[0] as ServiceEntry];
  }
  if (options.limit > 0 && nodes.length > options.limit) nodes = nodes.slice(0, options.limit);
  return { ...reply, Nodes: nodes };
}
