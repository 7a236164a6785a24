// The Health endpoint (Consul health_endpoint.go): checks by state, node and service, and the service entries
// (`/v1/health/service/:name`) with tags, passing-only and connect variants. All reads.

import { BadRequestError } from '../rpc/errors.js';
import {
  checkServiceNodes,
  checksInState,
  connectCheckServiceNodes,
  nodeChecks,
  serviceChecks,
} from '../state/health-reads.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { booleanArg, nodeMetaOf, runRead, stringArg, stringListArg } from './read.js';

type HealthHandlers = Pick<
  HandlerTable,
  'Health.ChecksInState' | 'Health.NodeChecks' | 'Health.ServiceChecks' | 'Health.ServiceNodes'
>;

const states = new Set(['any', 'passing', 'warning', 'critical']);

export function healthEndpoints(context: EndpointContext): HealthHandlers {
  return {
    'Health.ChecksInState': (args, call) => {
      const state = stringArg(args, 'State', { required: true });
      if (!states.has(state)) throw new BadRequestError(`Invalid state: ${state}`);
      return runRead(context, call, () => {
        const meta = nodeMetaOf(call);
        return checksInState(context.store, state as 'any', meta === undefined ? {} : { nodeMeta: meta });
      });
    },
    'Health.NodeChecks': (args, call) => {
      const node = stringArg(args, 'Node', { required: true });
      return runRead(context, call, () => nodeChecks(context.store, node));
    },
    'Health.ServiceChecks': (args, call) => {
      const name = stringArg(args, 'ServiceName', { required: true });
      return runRead(context, call, () => {
        const meta = nodeMetaOf(call);
        return serviceChecks(context.store, name, meta === undefined ? {} : { nodeMeta: meta });
      });
    },
    'Health.ServiceNodes': (args, call) => {
      const name = stringArg(args, 'ServiceName', { required: true });
      const tags = stringListArg(args, 'ServiceTags');
      const passingOnly = booleanArg(args, 'PassingOnly');
      const read = booleanArg(args, 'Connect') ? connectCheckServiceNodes : checkServiceNodes;
      return runRead(context, call, () => {
        const meta = nodeMetaOf(call);
        return read(context.store, name, { tags, passingOnly, ...(meta === undefined ? {} : { nodeMeta: meta }) });
      });
    },
  };
}
