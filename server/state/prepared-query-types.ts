// The prepared-query row and the shapes around it, in Consul's JSON field names (structs.PreparedQuery,
// ServiceQuery, QueryFailoverOptions, QueryTemplateOptions, QueryDNSOptions) so HTTP routes send rows as they are.
// Lists and maps a client left out are null, as Go marshals a nil slice or map.

/** Consul's only template type: the query's Name is a prefix of the names it answers. */
export const templateTypeNamePrefixMatch = 'name_prefix_match';

export interface QueryFailoverTarget {
  /** Cluster peering: Lattice has no peers, so a target naming one is skipped at execution. */
  readonly Peer: string;
  readonly Datacenter: string;
}

export interface QueryFailoverOptions {
  /** The number of other datacenters to try, nearest first by WAN round-trip time; 0 = none. */
  readonly NearestN: number;
  /** Datacenters to try after the NearestN ones, in order; unknown ones are skipped. */
  readonly Datacenters: readonly string[] | null;
  /** Newer form of the same (exclusive with NearestN and Datacenters). */
  readonly Targets: readonly QueryFailoverTarget[] | null;
}

export interface ServiceQuery {
  readonly Service: string;
  readonly Failover: QueryFailoverOptions;
  /** Warning checks drop an instance too (critical ones always do). */
  readonly OnlyPassing: boolean;
  /** Checks that do not count against an instance's health. */
  readonly IgnoreCheckIDs: readonly string[] | null;
  /** Sort by round-trip time from this node (`_agent`: the agent that asked; `_ip`: the node owning the source IP). */
  readonly Near: string;
  /** Required tags, and `!tag` for forbidden ones; case-insensitive. */
  readonly Tags: readonly string[] | null;
  readonly NodeMeta: Readonly<Record<string, string>> | null;
  readonly ServiceMeta: Readonly<Record<string, string>> | null;
  /** Answer with Connect-capable endpoints (sidecar proxies and native instances) of the service. */
  readonly Connect: boolean;
}

export interface QueryTemplateOptions {
  /** '' for a plain query, else `name_prefix_match`. */
  readonly Type: string;
  /** Optional regular expression run on the full name; its groups are `${match(N)}`. */
  readonly Regexp: string;
  readonly RemoveEmptyTags: boolean;
}

export interface QueryDnsOptions {
  /** A Go duration; '' falls back to dns_config.service_ttl. */
  readonly TTL: string;
}

/** What a client writes (and what a template renders to); the store adds the indexes. */
export interface PreparedQueryFields {
  readonly ID: string;
  readonly Name: string;
  /** Bound session: the query is deleted when the session is invalidated. */
  readonly Session: string;
  /** Token the query executes with ('' = the caller's). */
  readonly Token: string;
  readonly Template: QueryTemplateOptions;
  readonly Service: ServiceQuery;
  readonly DNS: QueryDnsOptions;
}

export interface PreparedQuery extends PreparedQueryFields {
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type PreparedQueryOp = 'create' | 'update' | 'delete';

/** The FSM command's payload: create and update carry the whole (validated) query, delete only its ID. */
export interface PreparedQueryRequest {
  readonly Op: PreparedQueryOp;
  readonly Query: PreparedQueryFields;
}

/** Who runs a query (Consul structs.QuerySource): the requesting agent, or the client's `?near` choice. */
export interface QuerySource {
  readonly Datacenter: string;
  /** Network segment (Consul Enterprise); always '' here. */
  readonly Segment: string;
  readonly Node: string;
  /** The client's IP, for `Near: "_ip"`. */
  readonly Ip: string;
}

export const emptyQuerySource: QuerySource = Object.freeze({ Datacenter: '', Segment: '', Node: '', Ip: '' });

export const isTemplate = (query: Pick<PreparedQueryFields, 'Template'>): boolean => query.Template.Type !== '';
