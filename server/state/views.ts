// The shapes reads hand out, derived from stored rows: AgentService (an instance without its node name) and the
// flattened CatalogService. Rows never change once stored, so each view is built once per row and cached.

import type { CatalogService, Node, NodeService, ServiceInstance } from './types.js';

const nodeServiceViews = new WeakMap<ServiceInstance, NodeService>();
const catalogServiceViews = new WeakMap<ServiceInstance, { readonly node: Node; readonly view: CatalogService }>();

/** The instance as `/v1/agent/services`, health entries and `/v1/catalog/node` show it. */
export function toNodeService(service: ServiceInstance): NodeService {
  let view = nodeServiceViews.get(service);
  if (view === undefined) {
    const { Node: _node, ...rest } = service;
    view = Object.freeze(rest);
    nodeServiceViews.set(service, view);
  }
  return view;
}

/** The flattened node + service row of `/v1/catalog/service/:name`. */
export function toCatalogService(node: Node, service: ServiceInstance): CatalogService {
  const cached = catalogServiceViews.get(service);
  if (cached !== undefined && cached.node === node) return cached.view;
  const view: CatalogService = Object.freeze({
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: service.Kind,
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags,
    ServiceAddress: service.Address,
    ServiceTaggedAddresses: service.TaggedAddresses,
    ServiceWeights: service.Weights,
    ServiceMeta: service.Meta,
    ServicePort: service.Port,
    ServiceSocketPath: service.SocketPath,
    ServiceEnableTagOverride: service.EnableTagOverride,
    ServiceProxy: service.Proxy,
    ServiceConnect: service.Connect,
    CreateIndex: service.CreateIndex,
    ModifyIndex: service.ModifyIndex,
  });
  catalogServiceViews.set(service, { node, view });
  return view;
}
