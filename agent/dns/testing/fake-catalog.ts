// A fake RpcClient holding a tiny catalog (nodes, service instances and their checks) for DNS tests: it answers
// the reads the DNS interface makes, filters by tag as the servers do, records every call's options, fails like a
// server for an unknown datacenter, and can hang like a stalled one.

import { NoPathToDatacenterError } from '../../../server/rpc/errors.js';
import type { CallOptions, RpcClient, RpcMethodName, RpcMethods } from '../../../server/rpc/methods.js';
import type { HealthCheck, HealthStatus, Node, NodeService, ServiceEntry } from '../../../server/state/types.js';

export function fakeNode(name: string, address: string, meta: Record<string, string> = {}): Node {
  return {
    ID: `id-${name}`,
    Node: name,
    Address: address,
    Datacenter: 'dc1',
    TaggedAddresses: {},
    Meta: meta,
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

export interface InstanceOptions {
  readonly id?: string;
  readonly address?: string;
  readonly port?: number;
  readonly tags?: readonly string[];
  readonly weights?: { Passing: number; Warning: number };
  readonly status?: HealthStatus;
  readonly nodeStatus?: HealthStatus;
}

export function fakeInstance(node: Node, service: string, options: InstanceOptions = {}): ServiceEntry {
  const id = options.id ?? service;
  const instance: NodeService = {
    ID: id,
    Service: service,
    Tags: options.tags ?? [],
    Address: options.address ?? '',
    TaggedAddresses: {},
    Meta: {},
    Port: options.port ?? 8080,
    Weights: options.weights ?? { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Kind: '',
    Proxy: null,
    Connect: null,
    SocketPath: '',
    CreateIndex: 1,
    ModifyIndex: 1,
  };
  const check = (checkId: string, status: HealthStatus, serviceId: string, serviceName: string): HealthCheck => ({
    Node: node.Node,
    CheckID: checkId,
    Name: checkId,
    Status: status,
    Notes: '',
    Output: '',
    ServiceID: serviceId,
    ServiceName: serviceName,
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  });
  return {
    Node: node,
    Service: instance,
    Checks: [
      check('serfHealth', options.nodeStatus ?? 'passing', '', ''),
      check(`service:${id}`, options.status ?? 'passing', id, service),
    ],
  };
}

export class FakeCatalog implements RpcClient {
  readonly nodes: Node[] = [];
  readonly entries: ServiceEntry[] = [];
  readonly calls: { method: string; options: CallOptions }[] = [];
  datacenters = ['dc1', 'dc2'];
  lastContactMs = 0;
  /** Calls never answer (a stalled server); they end only when their signal aborts. */
  hang = false;

  async call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    this.calls.push({ method, options });
    if (this.hang)
      return new Promise((_resolve, reject) => {
        // A server that never answers: only the caller's signal ends the call.
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
    if (!this.datacenters.includes(options.context.datacenter))
      throw new NoPathToDatacenterError(options.context.datacenter);
    const meta = { index: 1, knownLeader: true, lastContactMs: this.lastContactMs };
    const reply = (value: unknown) => ({ value, meta }) as RpcMethods[M]['reply'];
    switch (method) {
      case 'Health.ServiceNodes': {
        const { ServiceName, ServiceTags, Connect } = args as RpcMethods['Health.ServiceNodes']['args'];
        return reply(
          this.entries.filter(
            (entry) =>
              entry.Service.Service === (Connect ? `${ServiceName}-sidecar-proxy` : ServiceName) &&
              ServiceTags.every((tag) => entry.Service.Tags.some((own) => own.toLowerCase() === tag.toLowerCase())),
          ),
        );
      }
      case 'Catalog.NodeServices': {
        const { Node: name } = args as { Node: string };
        const node = this.nodes.find((candidate) => candidate.Node.toLowerCase() === name.toLowerCase());
        return reply(node === undefined ? null : { Node: node, Services: [] });
      }
      case 'Catalog.ListNodes':
        return reply(this.nodes);
      default:
        throw new Error(`FakeCatalog: ${method} is not supported`);
    }
  }
}
