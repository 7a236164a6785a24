// The rows the catalog tables hold and the shapes reads return, in Consul's JSON field names (PascalCase) so HTTP
// routes can send them as they are and `?filter=` selectors name the same fields. Rows are deeply frozen when
// stored: a reader that needs to change one copies it first.

/** A node (Consul structs.Node). `TaggedAddresses` values are plain strings. */
export interface Node {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export interface ServiceAddress {
  readonly Address: string;
  readonly Port: number;
}

export interface ServiceWeights {
  readonly Passing: number;
  readonly Warning: number;
}

/** Proxy settings of a connect-proxy or gateway: the well-known fields typed, the rest kept as given. */
export interface ServiceProxy {
  readonly DestinationServiceName?: string;
  readonly DestinationServiceID?: string;
  readonly LocalServiceAddress?: string;
  readonly LocalServicePort?: number;
  readonly Mode?: string;
  readonly Config?: Readonly<Record<string, unknown>>;
  readonly Upstreams?: readonly Readonly<Record<string, unknown>>[];
  readonly [field: string]: unknown;
}

export interface ServiceConnect {
  readonly Native?: boolean;
}

export type ServiceKind =
  | ''
  | 'connect-proxy'
  | 'mesh-gateway'
  | 'terminating-gateway'
  | 'ingress-gateway'
  | 'api-gateway';

/** A service instance as the agent API and health entries show it (Consul structs.NodeService / AgentService). */
export interface NodeService {
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[];
  readonly Address: string;
  readonly TaggedAddresses: Readonly<Record<string, ServiceAddress>>;
  readonly Meta: Readonly<Record<string, string>>;
  readonly Port: number;
  readonly Weights: ServiceWeights;
  readonly EnableTagOverride: boolean;
  readonly Kind: ServiceKind;
  /** Null unless the service is a proxy or gateway. */
  readonly Proxy: ServiceProxy | null;
  /** Null unless `Connect.Native` was set. */
  readonly Connect: ServiceConnect | null;
  readonly SocketPath: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A row of the services table: the instance plus the name of the node it runs on. */
export interface ServiceInstance extends NodeService {
  readonly Node: string;
}

/** The flattened node + service shape of `/v1/catalog/service/:name` (Consul structs.ServiceNode). */
export interface CatalogService {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly NodeMeta: Readonly<Record<string, string>>;
  readonly ServiceKind: ServiceKind;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  readonly ServiceAddress: string;
  readonly ServiceTaggedAddresses: Readonly<Record<string, ServiceAddress>>;
  readonly ServiceWeights: ServiceWeights;
  readonly ServiceMeta: Readonly<Record<string, string>>;
  readonly ServicePort: number;
  readonly ServiceSocketPath: string;
  readonly ServiceEnableTagOverride: boolean;
  readonly ServiceProxy: ServiceProxy | null;
  readonly ServiceConnect: ServiceConnect | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type HealthStatus = 'passing' | 'warning' | 'critical';

/** A check's type-specific settings, durations as Go duration strings (`"10s"`). */
export interface HealthCheckDefinition {
  readonly HTTP?: string;
  readonly Header?: Readonly<Record<string, readonly string[]>>;
  readonly Method?: string;
  readonly Body?: string;
  readonly TLSServerName?: string;
  readonly TLSSkipVerify?: boolean;
  readonly TCP?: string;
  readonly UDP?: string;
  readonly GRPC?: string;
  readonly GRPCUseTLS?: boolean;
  readonly OSService?: string;
  readonly Interval?: string;
  readonly Timeout?: string;
  readonly DeregisterCriticalServiceAfter?: string;
  readonly [field: string]: unknown;
}

/** A health check (Consul structs.HealthCheck); a node-level check has `ServiceID` "". */
export interface HealthCheck {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: HealthStatus;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  readonly Type: string;
  readonly Interval: string;
  readonly Timeout: string;
  readonly ExposedPort: number;
  readonly Definition: HealthCheckDefinition;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A Vivaldi network coordinate; `Vec` has 8 components, in seconds. */
export interface Coordinate {
  readonly Vec: readonly number[];
  readonly Error: number;
  readonly Adjustment: number;
  readonly Height: number;
}

export interface CoordinateEntry {
  readonly Node: string;
  readonly Segment: string;
  readonly Coord: Coordinate;
}

/** One health entry of `/v1/health/service/:name`: node checks first, then the instance's own checks. */
export interface ServiceEntry {
  readonly Node: Node;
  readonly Service: NodeService;
  readonly Checks: readonly HealthCheck[];
}

/** `/v1/catalog/node/:node` and `/node-services/:node` before the route picks map or list form. */
export interface NodeServices {
  readonly Node: Node;
  readonly Services: readonly NodeService[];
}

// ---- inputs (what writers send; the ops normalize and validate them) ----

/** The body of Catalog.Register (Consul structs.RegisterRequest), fields as Consul names them. */
export interface RegisterRequest {
  readonly ID?: string;
  readonly Node: string;
  readonly Address?: string;
  readonly Datacenter?: string;
  readonly TaggedAddresses?: Readonly<Record<string, string>>;
  readonly NodeMeta?: Readonly<Record<string, string>>;
  readonly Service?: ServiceInput | null;
  readonly Check?: CheckInput | null;
  readonly Checks?: readonly CheckInput[] | null;
  readonly SkipNodeUpdate?: boolean;
}

/**
 * A service in a write: NodeService without indexes, every field but `Service` optional; `Kind` is any string
 * here (validated on write).
 */
export type ServiceInput = Partial<Omit<NodeService, 'CreateIndex' | 'ModifyIndex' | 'Kind'>> & {
  readonly Service: string;
  readonly Kind?: string;
};

/** A check in a write: HealthCheck without indexes, all optional; `Status` is any string here (validated on write). */
export type CheckInput = Partial<Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex' | 'Status'>> & {
  readonly Status?: string;
};

/** The body of Catalog.Deregister: a whole node, or one service (with its checks), or one check. */
export interface DeregisterRequest {
  readonly Node: string;
  readonly Datacenter?: string;
  readonly ServiceID?: string;
  readonly CheckID?: string;
}

export interface CoordinateUpdate {
  readonly Node: string;
  readonly Segment?: string;
  readonly Coord: Coordinate;
}
