// The Coordinate endpoint (Consul coordinate_endpoint.go): reads of the Vivaldi coordinates and the batch update
// agents send. Consul batches updates on the leader for update_period; here each update is one Raft write,
// validated first (a bad coordinate never reaches the log).

import { coordinateBatchUpdateCommand } from '../fsm/commands.js';
import type { DatacenterMapReply } from '../rpc/reply-types.js';
import { coordinates, nodeCoordinates, normalizeCoordinateUpdate } from '../state/coordinates.js';
import { InvalidWriteError } from '../state/errors.js';
import type { CoordinateUpdate } from '../state/types.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type CoordinateHandlers = Pick<
  HandlerTable,
  'Coordinate.ListNodes' | 'Coordinate.Node' | 'Coordinate.Update' | 'Coordinate.ListDatacenters'
>;

/** `datacenterMaps`: the WAN coordinates of each datacenter's servers, as this server's WAN pool knows them. */
export function coordinateEndpoints(
  context: EndpointContext,
  datacenterMaps: () => readonly DatacenterMapReply[],
): CoordinateHandlers {
  return {
    'Coordinate.ListDatacenters': async () => datacenterMaps(),
    'Coordinate.ListNodes': (_args, call) => runRead(context, call, () => coordinates(context.store)),
    'Coordinate.Node': (args, call) => {
      const node = stringArg(args, 'Node', { required: true });
      return runRead(context, call, () => nodeCoordinates(context.store, node));
    },
    'Coordinate.Update': async (args, call) => {
      try {
        normalizeCoordinateUpdate(args);
      } catch (error) {
        if (error instanceof InvalidWriteError) throw refusalOf(error);
        throw error;
      }
      await context.apply(coordinateBatchUpdateCommand([args as CoordinateUpdate]), call.signal);
      return true;
    },
  };
}
