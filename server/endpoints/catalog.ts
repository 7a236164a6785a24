// The Catalog endpoint (Consul catalog_endpoint.go): register and deregister through Raft after validation, and
// the catalog reads. Writes arrive here on the leader; reads run where the dispatcher decided.

import { setOwn } from '../../lib/records.js';
import type { CompiledFilter } from '../filter/index.js';
import { deregisterCommand, registerCommand } from '../fsm/commands.js';
import {
  connectServiceNodes,
  matchesNodeMeta,
  nodeServices,
  nodes,
  serviceNodes,
  services,
} from '../state/catalog-reads.js';
import { InvalidWriteError } from '../state/errors.js';
import { tableIndexKey } from '../state/indexes.js';
import { normalizeRegisterRequest } from '../state/normalize.js';
import { nodeKey, nodesSchema, servicesSchema } from '../state/tables/catalog.js';
import type { DeregisterRequest, RegisterRequest } from '../state/types.js';
import { toCatalogService } from '../state/views.js';
import { WatchSet } from '../state/watch.js';
import type { EndpointContext, HandlerTable } from './context.js';
import {
  booleanArg,
  compileQueryFilter,
  filterMatches,
  nodeMetaOf,
  runRead,
  stringArg,
  stringListArg,
} from './read.js';
import { refusalOf } from './write.js';

type CatalogHandlers = Pick<
  HandlerTable,
  | 'Catalog.Register'
  | 'Catalog.Deregister'
  | 'Catalog.ListDatacenters'
  | 'Catalog.ListNodes'
  | 'Catalog.ListServices'
  | 'Catalog.ServiceNodes'
  | 'Catalog.NodeServices'
>;

export function catalogEndpoints(context: EndpointContext, datacenters: () => readonly string[]): CatalogHandlers {
  return {
    'Catalog.Register': async (args, call) => {
      try {
        normalizeRegisterRequest(args);
      } catch (error) {
        if (error instanceof InvalidWriteError) throw refusalOf(error);
        throw error;
      }
      await context.apply(registerCommand(args as RegisterRequest), call.signal);
      return true;
    },
    'Catalog.Deregister': async (args, call) => {
      const node = stringArg(args, 'Node', { required: true });
      const request: DeregisterRequest = {
        Node: node,
        ServiceID: stringArg(args, 'ServiceID', { required: false }),
        CheckID: stringArg(args, 'CheckID', { required: false }),
      };
      await context.apply(deregisterCommand(request), call.signal);
      return true;
    },
    'Catalog.ListDatacenters': async () => datacenters(),
    'Catalog.ListNodes': (_args, call) =>
      runRead(context, call, () => {
        const meta = nodeMetaOf(call);
        return nodes(context.store, meta === undefined ? {} : { nodeMeta: meta });
      }),
    'Catalog.ListServices': (_args, call) => {
      // Consul evaluates ?filter= on each instance (its ServiceNode fields) and lists the names left.
      const filter = compileQueryFilter(call.query.filter);
      return runRead(
        context,
        call,
        () => {
          const meta = nodeMetaOf(call);
          const result = services(context.store, meta === undefined ? {} : { nodeMeta: meta });
          if (filter === null) return result;
          // The filter may name node fields, so a node change can change the answer too.
          const watch = new WatchSet([...result.watch, tableIndexKey(nodesSchema.name)]);
          return { ...result, value: filteredServiceTags(context, filter, meta), watch };
        },
        { filterable: false },
      );
    },
    'Catalog.ServiceNodes': (args, call) => {
      const name = stringArg(args, 'ServiceName', { required: true });
      const tags = stringListArg(args, 'ServiceTags');
      const read = booleanArg(args, 'Connect') ? connectServiceNodes : serviceNodes;
      return runRead(context, call, () => {
        const meta = nodeMetaOf(call);
        return read(context.store, name, { tags, ...(meta === undefined ? {} : { nodeMeta: meta }) });
      });
    },
    'Catalog.NodeServices': (args, call) => {
      const node = stringArg(args, 'Node', { required: true });
      const filter = compileQueryFilter(call.query.filter);
      return runRead(
        context,
        call,
        () => {
          const result = nodeServices(context.store, node);
          if (filter === null || result.value === null) return result;
          return { ...result, value: { ...result.value, Services: filter.apply(result.value.Services) } };
        },
        { filterable: false },
      );
    },
  };
}

/** The name → tags map of the instances that pass `filter` (as CatalogService rows) and the node meta. */
function filteredServiceTags(
  context: EndpointContext,
  filter: CompiledFilter,
  nodeMeta: Readonly<Record<string, string>> | undefined,
): Record<string, readonly string[]> {
  const nodeTable = context.store.table(nodesSchema);
  const byName = new Map<string, Set<string>>();
  for (const instance of context.store.table(servicesSchema).all()) {
    const node = nodeTable.get(nodeKey(instance.Node));
    if (node === undefined || !matchesNodeMeta(node, nodeMeta)) continue;
    if (!filterMatches(filter, toCatalogService(node, instance))) continue;
    let tags = byName.get(instance.Service);
    if (tags === undefined) {
      tags = new Set();
      byName.set(instance.Service, tags);
    }
    for (const tag of instance.Tags) tags.add(tag);
  }
  const value: Record<string, readonly string[]> = {};
  for (const [name, tags] of byName) setOwn(value, name, [...tags].sort());
  return value;
}
