// Mounts every server-backed route family under /v1, one fastify plugin each, over an RpcClient that shares
// identical blocking reads. buildHttpApi calls this once the agent has an RpcClient (in-process in server mode,
// gRPC to a server otherwise); without one these paths keep answering 501 through the root not-found handler.

import type { FastifyInstance } from 'fastify';
import { CoalescingRpcClient } from '../blocking-coalesce.js';
import { catalogRoutes } from './catalog.js';
import { configEntryRoutes } from './config-entries.js';
import { connectCaRoutes } from './connect-ca.js';
import { coordinateRoutes } from './coordinate.js';
import { healthRoutes } from './health.js';
import { intentionRoutes } from './intentions.js';
import { internalUiRoutes } from './internal-ui.js';
import { kvRoutes } from './kv.js';
import { operatorAutopilotRoutes } from './operator-autopilot.js';
import { operatorRaftRoutes } from './operator-raft.js';
import { preparedQueryRoutes } from './prepared-query.js';
import type { ServerRouteDeps } from './server-deps.js';
import { sessionRoutes } from './session.js';
import { snapshotRoutes } from './snapshot.js';
import { statusRoutes } from './status.js';
import { txnRoutes } from './txn.js';

export async function registerServerRoutes(app: FastifyInstance, given: ServerRouteDeps): Promise<void> {
  // One sharing table per API instance: identical blocking reads from many watchers become one RPC.
  const deps: ServerRouteDeps = { ...given, rpc: new CoalescingRpcClient(given.rpc) };
  await app.register(catalogRoutes(deps), { prefix: '/v1/catalog' });
  await app.register(healthRoutes(deps), { prefix: '/v1/health' });
  await app.register(statusRoutes(deps), { prefix: '/v1/status' });
  await app.register(coordinateRoutes(deps), { prefix: '/v1/coordinate' });
  await app.register(operatorRaftRoutes(deps), { prefix: '/v1/operator/raft' });
  await app.register(operatorAutopilotRoutes(deps), { prefix: '/v1/operator/autopilot' });
  await app.register(snapshotRoutes(deps), { prefix: '/v1/snapshot' });
  await app.register(kvRoutes(deps), { prefix: '/v1/kv' });
  await app.register(sessionRoutes(deps), { prefix: '/v1/session' });
  await app.register(txnRoutes(deps), { prefix: '/v1/txn' });
  await app.register(connectCaRoutes(deps), { prefix: '/v1/connect/ca' });
  await app.register(intentionRoutes(deps), { prefix: '/v1/connect/intentions' });
  await app.register(configEntryRoutes(deps), { prefix: '/v1/config' });
  await app.register(preparedQueryRoutes(deps), { prefix: '/v1/query' });
  await app.register(internalUiRoutes(deps), { prefix: '/v1/internal/ui' });
}
