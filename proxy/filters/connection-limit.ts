// Refuses a connection when its listener already holds its maximum; the count includes this connection.

import { ConnectionLimitError } from '../errors.js';
import type { NetworkFilter } from '../filter-chain.js';

export function connectionLimit(openCount: () => number, connectionsMax: number): NetworkFilter {
  return (next) => async (connection) => {
    if (openCount() > connectionsMax) throw new ConnectionLimitError(connection.context.listener, connectionsMax);
    await next(connection);
  };
}
