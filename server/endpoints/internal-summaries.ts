// Service summaries as Consul's UI endpoints build them (agent/ui_endpoint.go summarizeServices and
// prepSummaryOutput), from health entries (node + instance + checks). Pure functions over rows: the listing and
// the topology both summarize here, each over rows read from the state store in one read.

import type { HealthCheck, ServiceEntry, ServiceKind } from '../state/types.js';
import type { UiServiceSummary } from './internal-types.js';

/** Consul's structs.MetaExternalSource: the meta key naming the system that registered an instance. */
export const externalSourceMetaKey = 'external-source';

interface Accumulator {
  kind: ServiceKind;
  readonly name: string;
  datacenter: string;
  tags: string[] | null;
  nodes: string[] | null;
  externalSources: string[] | null;
  instanceCount: number;
  /** By (node, check ID): a node check shared by several instances counts once. */
  readonly checks: Map<string, HealthCheck>;
  transparentProxy: boolean;
  transparentProxySet: boolean;
  connectNative: boolean;
}

export interface Summarized {
  readonly byName: ReadonlyMap<string, Accumulator>;
  /** Names some connect-proxy instance has as its destination. */
  readonly hasProxy: ReadonlySet<string>;
}

function accumulatorFor(byName: Map<string, Accumulator>, name: string): Accumulator {
  let summary = byName.get(name);
  if (summary === undefined) {
    summary = {
      kind: '',
      name,
      datacenter: '',
      tags: null,
      nodes: null,
      externalSources: null,
      instanceCount: 0,
      checks: new Map(),
      transparentProxy: false,
      transparentProxySet: false,
      connectNative: false,
    };
    byName.set(name, summary);
  }
  return summary;
}

function addUnique(list: string[] | null, value: string): string[] {
  if (list === null) return [value];
  if (!list.includes(value)) list.push(value);
  return list;
}

const checkUid = (node: string, check: HealthCheck): string => `${node}/${check.CheckID}`;

/**
 * One summary per service name: instances, distinct nodes and tags, external sources, checks. A sidecar proxy's
 * checks also count for the service it proxies, and its mode decides that service's TransparentProxy.
 */
export function summarizeEntries(entries: Iterable<ServiceEntry>): Summarized {
  const byName = new Map<string, Accumulator>();
  const hasProxy = new Set<string>();
  for (const { Node: node, Service: service, Checks: checks } of entries) {
    const summary = accumulatorFor(byName, service.Service);
    summary.nodes = addUnique(summary.nodes, node.Node);
    summary.kind = service.Kind;
    summary.datacenter = node.Datacenter;
    summary.instanceCount += 1;
    if (service.Connect?.Native === true) summary.connectNative = true;
    if (service.Kind === 'connect-proxy') {
      const destinationName = service.Proxy?.DestinationServiceName ?? '';
      hasProxy.add(destinationName);
      const destination = accumulatorFor(byName, destinationName);
      for (const check of checks) destination.checks.set(checkUid(node.Node, check), check);
      // Transparent only while every proxy instance of the destination is.
      const transparent = service.Proxy?.Mode === 'transparent';
      if (transparent && !destination.transparentProxySet) destination.transparentProxy = true;
      if (!transparent) destination.transparentProxy = false;
      destination.transparentProxySet = true;
    }
    for (const tag of service.Tags ?? []) summary.tags = addUnique(summary.tags, tag);
    const source = service.Meta?.[externalSourceMetaKey];
    if (source) summary.externalSources = addUnique(summary.externalSources, source);
    for (const check of checks) summary.checks.set(checkUid(node.Node, check), check);
  }
  return { byName, hasProxy };
}

/** Go's sort.Strings: by UTF-16 code unit here, which orders ASCII names as Go's byte order does. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The summaries sorted by name, with their checks counted; `excludeSidecars` keeps only typical services and
 * ingress gateways (what a topology shows).
 */
export function summaryRows(
  summarized: Summarized,
  options: { readonly excludeSidecars: boolean },
): UiServiceSummary[] {
  const rows: UiServiceSummary[] = [];
  for (const summary of summarized.byName.values()) {
    if (options.excludeSidecars && summary.kind !== '' && summary.kind !== 'ingress-gateway') continue;
    let passing = 0;
    let warning = 0;
    let critical = 0;
    for (const check of summary.checks.values()) {
      if (check.Status === 'passing') passing++;
      else if (check.Status === 'warning') warning++;
      else if (check.Status === 'critical') critical++;
    }
    rows.push({
      ...(summary.kind === '' ? {} : { Kind: summary.kind }),
      Name: summary.name,
      Datacenter: summary.datacenter,
      Tags: summary.tags === null ? null : [...summary.tags].sort(byCodeUnit),
      Nodes: summary.nodes === null ? null : [...summary.nodes].sort(byCodeUnit),
      ExternalSources: summary.externalSources,
      InstanceCount: summary.instanceCount,
      ChecksPassing: passing,
      ChecksWarning: warning,
      ChecksCritical: critical,
      GatewayConfig: {},
      TransparentProxy: summary.transparentProxy,
      ConnectNative: summary.connectNative,
    });
  }
  return rows.sort((a, b) => byCodeUnit(a.Name, b.Name));
}
