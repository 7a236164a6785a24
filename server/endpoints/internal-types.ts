// The answers of Consul's UI endpoints (`/v1/internal/ui/*`, agent/ui_endpoint.go), in its JSON field names and
// order, as the Internal.* RPCs return them and the HTTP routes send them. Types only: the web UI imports them.
// Consul CE's embedded acl.EnterpriseMeta is an empty struct, so no Namespace/Partition fields appear; PeerName
// (omitempty) never does either, as Lattice has no cluster peering.

import type { HealthCheck, NodeService, ServiceKind } from '../state/types.js';

/** Consul's NodeInfo: one node's fields with every service instance and check on it (no Datacenter, no indexes). */
export interface UiNodeInfo {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
  readonly Services: readonly NodeService[];
  readonly Checks: readonly HealthCheck[];
}

/** Both fields are omitempty, so `{}` without gateways (Lattice registers no gateway-service links yet). */
export interface UiGatewayConfig {
  readonly AssociatedServiceCount?: number;
  readonly Addresses?: readonly string[];
}

/**
 * Consul's ServiceSummary. Go's nil slices stay null: `Tags` for a service without tags, `Nodes` and
 * `ExternalSources` when nothing was collected. Check counts are over distinct (node, check ID) pairs: the node's
 * own checks, the instances' checks and the checks of the sidecar proxies for the service.
 */
export interface UiServiceSummary {
  /** Omitted for a typical service. */
  readonly Kind?: Exclude<ServiceKind, ''>;
  readonly Name: string;
  readonly Datacenter: string;
  readonly Tags: readonly string[] | null;
  readonly Nodes: readonly string[] | null;
  /** Distinct `Meta["external-source"]` values (k8s, nomad...). */
  readonly ExternalSources: readonly string[] | null;
  readonly InstanceCount: number;
  readonly ChecksPassing: number;
  readonly ChecksWarning: number;
  readonly ChecksCritical: number;
  readonly GatewayConfig: UiGatewayConfig;
  /** Every sidecar proxy of the service runs in transparent mode. */
  readonly TransparentProxy: boolean;
  /** At least one instance is Connect-native. */
  readonly ConnectNative: boolean;
}

/** A row of `/v1/internal/ui/services`. */
export interface UiServiceListingSummary extends UiServiceSummary {
  /** A connect-proxy names this service as its destination. */
  readonly ConnectedWithProxy: boolean;
  /** Always false: Lattice has no terminating/ingress gateway-service links yet. */
  readonly ConnectedWithGateway: boolean;
}

/** Consul's structs.IntentionDecisionSummary: the intentions' L4 verdict on one link. */
export interface UiIntentionDecision {
  /** The decision when no intention matches. */
  readonly DefaultAllow: boolean;
  /** An intention with L7 permissions counts as not allowed here, as the decision is made without a request. */
  readonly Allowed: boolean;
  readonly HasPermissions: boolean;
  /** The matching intention's `Meta["external-source"]`, or ''. */
  readonly ExternalSource: string;
  /** The matching intention names both sides exactly (no wildcard). */
  readonly HasExact: boolean;
}

/** Why a service is in another's topology (Consul's structs.TopologySource* values that apply here). */
export type UiTopologySource = 'proxy-registration' | 'specific-intention' | 'wildcard-intention' | 'default-allow';

export interface UiServiceTopologySummary extends UiServiceSummary {
  readonly Source: UiTopologySource;
  readonly Intention: UiIntentionDecision;
}

/** `/v1/internal/ui/service-topology/:service`. */
export interface UiServiceTopology {
  /** The service's protocol (service-defaults, then proxy-defaults, then tcp). */
  readonly Protocol: string;
  /** Every sidecar proxy of the service runs in transparent mode. */
  readonly TransparentProxy: boolean;
  readonly Upstreams: readonly UiServiceTopologySummary[];
  readonly Downstreams: readonly UiServiceTopologySummary[];
  /** Always false: servers do not filter reads by ACL tokens yet (server/endpoints/acl-rules.ts). */
  readonly FilteredByACLs: boolean;
}
