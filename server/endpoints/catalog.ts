// The Catalog endpoint (Consul catalog_endpoint.go): register and deregister through Raft after validation, and
// the catalog reads. Writes arrive here on the leader; reads run where the dispatcher decided.

import { deregisterCommand, registerCommand } from '../fsm/commands.js';
import { BadRequestError } from '../rpc/errors.js';
import { connectServiceNodes, nodeServices, nodes, serviceNodes, services } from '../state/catalog-reads.js';
import { InvalidWriteError } from '../state/errors.js';
import { normalizeRegisterRequest } from '../state/normalize.js';
import type { DeregisterRequest, RegisterRequest } from '../state/types.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { booleanArg, compileQueryFilter, nodeMetaOf, runRead, stringArg, stringListArg } from './read.js';
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
      // Consul filters the instances behind this map; that needs a read the store does not offer yet.
      if (call.query.filter !== '') throw new BadRequestError('filter is not supported on /v1/catalog/services yet');
      return runRead(
        context,
        call,
        () => {
          const meta = nodeMetaOf(call);
          return services(context.store, meta === undefined ? {} : { nodeMeta: meta });
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
