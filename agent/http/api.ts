// buildHttpApi: the agent's HTTP API as a fastify instance that is not listening, so tests drive it with
// `inject` and the HTTP subsystem binds it to each client address. One plugin per endpoint family under
// /v1; the ACL hook and the error handler sit at the root and so cover every route. The web UI sits beside /v1.

import Fastify, { type FastifyInstance } from 'fastify';
import { RealClock } from '../../lib/clock.js';
import { NotImplementedError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { RpcClient } from '../../server/rpc/methods.js';
import type { Authorizer } from '../acl/authorizer.js';
import type { BuildInfo, RuntimeInfo } from '../build-info.js';
import type { AgentConfig } from '../config/types.js';
import type { AgentConnect } from '../connect/agent-connect.js';
import type { EventStore } from '../events/events.js';
import type { AgentHandle } from '../runtime/handle.js';
import { installAclHook } from './acl-hook.js';
import { type ClientConnectionLimit, installClientConnectionLimit } from './client-connection-limit.js';
import { cleanedPath, consulEndpointFor, isAclEndpoint, isSubtreeRoot } from './consul-endpoints.js';
import { installBodyParsers } from './decode-body.js';
import {
  AclDisabledError,
  allowHeader,
  installErrorHandler,
  MethodNotAllowedError,
  OutsideApiPathError,
  UnknownPathError,
} from './errors.js';
import { answerClientError, answerFrameworkError, pathParamLengthMax } from './framework-errors.js';
import { installConsulHeaders } from './query-meta.js';
import { redactedUrl } from './redact-url.js';
import { agentRoutes } from './routes/agent.js';
import { agentConnectRoutes } from './routes/agent-connect.js';
import { debugNodeRoutes } from './routes/debug-node.js';
import { eventRoutes } from './routes/event.js';
import { operatorKeyringRoutes } from './routes/operator-keyring.js';
import { registerServerRoutes } from './routes/server-routes.js';
import { installUiRoutes } from './ui-routes.js';

export interface HttpApiDeps {
  readonly config: AgentConfig;
  readonly build: BuildInfo;
  readonly runtime: RuntimeInfo;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  /** The agent's way to the servers; catalog, health, status, coordinate, operator and snapshot routes need it. */
  readonly rpc?: RpcClient;
  /** The running agent (local services and checks, gossip); /v1/agent/* beyond `self` and the keyring need it. */
  readonly agent?: AgentHandle;
  /** The agent's Connect caches (roots, leaves, intentions); /v1/agent/connect/* need it. */
  readonly connect?: AgentConnect;
  /** The agent's user events (gossip); /v1/event/* need it. */
  readonly events?: EventStore;
  /** limits.http_max_conns_per_client, shared by all the agent's HTTP listeners; absent = no limit (tests). */
  readonly connectionLimit?: ClientConnectionLimit;
}

/**
 * Blocking queries wait up to max_query_time (10 min) plus jitter of wait/16 (~38 s), so a request may
 * legitimately run for almost 11 minutes; the server's request timeout must sit above that.
 */
export const requestTimeoutMs = 11 * 60_000;
/** KV values and transactions are capped at 512 KiB each (limits.kv_max_value_size); 1 MiB leaves room for JSON. */
export const bodySizeBytesMax = 1024 * 1024;

export async function buildHttpApi(deps: HttpApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    requestTimeout: requestTimeoutMs,
    bodyLimit: bodySizeBytesMax,
    // Stopping must not wait for clients parked in a 10-minute blocking query.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: pathParamLengthMax },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  installErrorHandler(app, deps.log);
  installBodyParsers(app);
  installConsulHeaders(app, deps.config);
  // Before the ACL hook and every route: a connection past its client's limit gets only the 429.
  if (deps.connectionLimit) installClientConnectionLimit(app, deps.connectionLimit);
  installAclHook(app, deps.authorizer);
  app.addHook('onResponse', async (request, reply) => {
    // Consul logs every request at debug level with its latency.
    deps.log.debug(
      {
        method: request.method,
        url: redactedUrl(request.url),
        from: request.ip,
        status: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime * 1000) / 1000,
      },
      'Request finished',
    );
  });
  app.addHook('onRequest', async (request, reply) => {
    // Go's ServeMux answers a non-canonical path (`//`, `/./`, `/../`) with a 301 to its cleaned form.
    const [path = '', query] = splitUrl(request.url);
    const cleaned = cleanedPath(path);
    if (cleaned !== undefined) await reply.redirect(query === undefined ? cleaned : `${cleaned}?${query}`, 301);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const [path = '', query] = splitUrl(request.url);
    if (!path.startsWith('/v1/')) throw new OutsideApiPathError();
    const endpoint = consulEndpointFor(path);
    if (endpoint === undefined) {
      // ServeMux sends a subtree's root named without its slash (`/v1/kv`) to the subtree (`/v1/kv/`).
      if (isSubtreeRoot(`${path}/`)) return reply.redirect(query === undefined ? `${path}/` : `${path}/?${query}`, 301);
      throw new UnknownPathError();
    }
    if (endpoint.methods.length > 0 && !endpoint.methods.includes(request.method)) {
      if (request.method !== 'OPTIONS') throw new MethodNotAllowedError(request.method, endpoint.methods);
      return reply.code(200).header('Allow', allowHeader(endpoint.methods)).send('');
    }
    if (isAclEndpoint(endpoint) && !deps.config.aclEnabled) throw new AclDisabledError();
    throw new NotImplementedError(`${request.method} ${path}`);
  });
  await installUiRoutes(app, deps.config, deps.log);
  await app.register(agentRoutes(deps), { prefix: '/v1/agent' });
  // Consul mounts its profiling endpoints only with enable_debug or ACLs on (then operator:read guards them).
  if (deps.config.enableDebug || deps.config.aclEnabled)
    await app.register(debugNodeRoutes(), { prefix: '/debug/node' });
  if (deps.agent)
    await app.register(operatorKeyringRoutes({ agent: deps.agent, config: deps.config }), {
      prefix: '/v1/operator/keyring',
    });
  if (deps.events)
    await app.register(
      eventRoutes({ events: deps.events, clock: deps.agent?.clock ?? new RealClock(), config: deps.config }),
      { prefix: '/v1/event' },
    );
  if (deps.rpc) await registerServerRoutes(app, { rpc: deps.rpc, config: deps.config, log: deps.log });
  if (deps.connect)
    await app.register(agentConnectRoutes({ connect: deps.connect, config: deps.config }), {
      prefix: '/v1/agent/connect',
    });
  return app;
}

/** [path, query]: the query is undefined when the URL has no `?`. */
function splitUrl(url: string): [string, string | undefined] {
  const mark = url.indexOf('?');
  return mark < 0 ? [url, undefined] : [url.slice(0, mark), url.slice(mark + 1)];
}
