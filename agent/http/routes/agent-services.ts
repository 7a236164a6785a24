// /v1/agent/services, /service/*, /health/service/*: the agent's own services (reference §4.1, §4.1.1).
// Registration bodies decode leniently and build through the config-file rules; writes answer 200 with an empty
// body; the single-service read supports hash blocking (`?hash=&wait=`).

import type { FastifyReply, FastifyRequest } from 'fastify';
import { delay } from '../../../lib/clock.js';
import { LatticeError } from '../../../lib/errors.js';
import { setOwn } from '../../../lib/records.js';
import { filterSchemas } from '../../../server/filter/index.js';
import { decodeServiceBody } from '../../local/decode.js';
import { UnknownServiceError } from '../../local/registrar.js';
import type { AgentHandle } from '../../runtime/handle.js';
import type { AclRequirement } from '../acl-hook.js';
import { resolveToken } from '../acl-hook.js';
import type { ConsulRoute } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { parseWaitParam, requestParams } from '../query-options.js';
import {
  aggregateStatus,
  contentHash,
  filterRecord,
  parseEnableParam,
  presentAgentCheck,
  presentAgentService,
  statusCodeFor,
} from './agent-present.js';

export interface AgentServiceRouteDeps {
  readonly agent: AgentHandle;
  readonly datacenter: string;
  readonly nodeName: string;
  readonly defaultQueryTimeMs: number;
  readonly maxQueryTimeMs: number;
}

const param = (request: FastifyRequest, name: string): string =>
  (request.params as Record<string, string | undefined>)[name] ?? '';

/** Consul's 404 text for GET /v1/agent/service/:id. */
class UnknownServiceViewError extends LatticeError {
  override readonly name = 'UnknownServiceViewError';
  constructor(id: string) {
    super('ERR_NOT_FOUND', `unknown service ID: ${id}`);
  }
}

/** Hash-blocked readers at once; past this a reader is answered at once (a poll), never queued without bound. */
export const hashWaitersMax = 1_024;

export function agentServiceRoutes(deps: AgentServiceRouteDeps): ConsulRoute[] {
  const { agent, datacenter } = deps;
  let hashWaiters = 0;
  const serviceRead: AclRequirement = { resource: 'service', access: 'read', name: (request) => param(request, 'id') };
  const serviceWrite: AclRequirement = {
    resource: 'service',
    access: 'write',
    name: (request) => param(request, 'id'),
  };
  const agentRead: AclRequirement = { resource: 'agent', access: 'read', name: () => deps.nodeName };
  const serviceView = (id: string) => {
    const entry = agent.state.service(id);
    return entry ? presentAgentService(entry.row, datacenter) : null;
  };
  const healthOf = (id: string) => {
    const entry = agent.state.service(id);
    if (!entry) return null;
    // Consul's ChecksForService(id, includeNode=true): the node's checks count and are listed too.
    const checks = agent.state.checks().filter((check) => check.row.ServiceID === id || check.row.ServiceID === '');
    const status = aggregateStatus(checks.map((check) => check.row));
    return {
      status,
      body: {
        AggregatedStatus: status,
        Service: presentAgentService(entry.row, datacenter),
        Checks: checks.map((check) => presentAgentCheck(check.row)),
      },
    };
  };
  const wantsText = (request: FastifyRequest): boolean =>
    requestParams(request).get('format') === 'text' || /^text\/plain/.test(request.headers.accept ?? '');

  return [
    {
      method: 'GET',
      url: '/services',
      precheck: refuseEnterpriseMeta,
      acl: agentRead,
      handler: async (request) => {
        const all: Record<string, Record<string, unknown>> = {};
        for (const entry of agent.state.services())
          setOwn(all, entry.row.ID, presentAgentService(entry.row, datacenter));
        return filterRecord(all, requestParams(request).get('filter'), filterSchemas.nodeService);
      },
    },
    {
      method: 'GET',
      url: '/service/:id',
      precheck: refuseEnterpriseMeta,
      acl: serviceRead,
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const params = requestParams(request);
        const wanted = params.get('hash');
        let view = serviceView(id);
        if (view === null) throw new UnknownServiceViewError(id);
        if (wanted !== null && wanted !== '' && contentHash(view) === wanted && hashWaiters < hashWaitersMax) {
          const waitMs = parseWaitParam(params.get('wait'), { ...deps, discoveryMaxStaleMs: 0 });
          hashWaiters++;
          try {
            view = await waitForChange(agent, id, wanted, waitMs, () => serviceView(id));
          } finally {
            hashWaiters--;
          }
          if (view === null) throw new UnknownServiceViewError(id);
        }
        const hash = contentHash(view);
        void reply.header('X-Consul-ContentHash', hash);
        return { ...view, ContentHash: hash };
      },
    },
    {
      method: 'PUT',
      url: '/service/register',
      precheck: refuseEnterpriseMeta,
      acl: { resource: 'service', access: 'write', name: (request) => serviceNameOf(readJsonBody(request)) },
      handler: async (request, reply) => {
        const params = requestParams(request);
        const replace = params.get('replace-existing-checks');
        const warnings: string[] = [];
        const definition = decodeServiceBody(readJsonBody(request), {
          scriptChecksAllowed: agent.scriptChecksAllowed(request.ip),
          warnings,
        });
        await agent.registrar.registerService(definition, {
          token: resolveToken(request) ?? '',
          source: 'api',
          warnings,
          // Consul: on only when the value is empty or exactly "true" (reference §6.5).
          replaceExistingChecks: replace !== null && (replace === '' || replace === 'true'),
        });
        return reply.code(200).send('');
      },
    },
    {
      method: 'PUT',
      url: '/service/deregister/:id',
      precheck: refuseEnterpriseMeta,
      acl: serviceWrite,
      handler: async (request, reply) => {
        const id = param(request, 'id');
        // Consul's vetServiceUpdateWithAuthorizer: an ID the agent does not have is a 404, so a caller passing the
        // service name (a common mistake) learns of it instead of believing the service gone.
        if (!(await agent.registrar.deregisterService(id))) throw new UnknownServiceError(id);
        return reply.code(200).send('');
      },
    },
    {
      method: 'PUT',
      url: '/service/maintenance/:id',
      acl: serviceWrite,
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const params = requestParams(request);
        if (id === '') throw new BadRequestError('Missing service ID');
        const enable = parseEnableParam(params);
        // Consul's AgentServiceMaintenance checks the ID and ?enable before it parses enterprise meta.
        refuseEnterpriseMeta(request);
        if (enable)
          agent.registrar.enableServiceMaintenance(id, params.get('reason') ?? '', resolveToken(request) ?? '');
        else agent.registrar.disableServiceMaintenance(id);
        return reply.code(200).send('');
      },
    },
    {
      method: 'GET',
      url: '/health/service/id/:id',
      precheck: refuseEnterpriseMeta,
      acl: serviceRead,
      handler: async (request, reply) => {
        const id = param(request, 'id');
        const health = healthOf(id);
        if (!health)
          return sendHealth(reply, 404, wantsText(request), `ServiceId ${id} not found`, {
            AggregatedStatus: 'critical',
            Checks: null,
            Service: null,
          });
        return sendHealth(reply, statusCodeFor(health.status), wantsText(request), health.status, health.body);
      },
    },
    {
      method: 'GET',
      url: '/health/service/name/:name',
      precheck: refuseEnterpriseMeta,
      acl: { resource: 'service', access: 'read', name: (request) => param(request, 'name') },
      handler: async (request, reply) => {
        const name = param(request, 'name');
        const entries = agent.state.services().filter((entry) => entry.row.Service === name);
        if (entries.length === 0)
          return sendHealth(reply, 404, wantsText(request), `ServiceName ${name} Not Found`, []);
        const all = entries.map((entry) => healthOf(entry.row.ID)!);
        // The worst instance decides the code (Consul: critical > warning > passing).
        const order = ['passing', 'warning', 'critical', 'maintenance'];
        const worst = all.reduce((a, b) => (order.indexOf(b.status) > order.indexOf(a.status) ? b : a)).status;
        return sendHealth(
          reply,
          statusCodeFor(worst),
          wantsText(request),
          worst,
          all.map((each) => each.body),
        );
      },
    },
  ];
}

function sendHealth(reply: FastifyReply, code: number, text: boolean, word: string, body: unknown): FastifyReply {
  if (text) return reply.code(code).type('text/plain; charset=utf-8').send(word);
  return reply.code(code).send(body);
}

function serviceNameOf(body: unknown): string {
  if (body === null || typeof body !== 'object') return '';
  const entry = Object.entries(body).find(([key]) => key.toLowerCase() === 'name');
  return typeof entry?.[1] === 'string' ? entry[1] : '';
}

/** Hash blocking: resolves on the first local change that alters the view, or when the wait ends. */
async function waitForChange<T>(
  agent: AgentHandle,
  id: string,
  hash: string,
  waitMs: number,
  view: () => T | null,
): Promise<T | null> {
  const controller = new AbortController();
  const changed = new Promise<void>((resolve) => {
    const off = agent.state.onChange((change) => {
      if ((change.kind === 'service' && change.id === id) || change.kind === 'check') {
        const current = view();
        if (current === null || contentHash(current) !== hash) {
          off();
          resolve();
        }
      }
    });
    controller.signal.addEventListener('abort', () => {
      off();
      resolve();
    });
  });
  const timeout = delay(agent.clock, waitMs, controller.signal).catch(() => undefined);
  await Promise.race([changed, timeout]);
  controller.abort();
  return view();
}
