// /v1/operator/keyring: the gossip keyrings through serf's key manager (GET list, POST install, PUT use, DELETE
// remove; body {"Key": "<base64>"}), answered in Consul's KeyringResponse shape. On a server the WAN pool comes
// first, then the LAN pool, as Consul's Internal.KeyringOperation does; the LAN pools of other datacenters are
// not reached yet (that needs cross-datacenter RPC). A member that refused or did not answer makes Consul's 500
// with the per-node messages, for a list too (so listing a cluster without gossip encryption fails, as in Consul).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type KeyManager, KeyringOperationError, toConsulKeyringResponse } from '../../../gossip/key-manager.js';
import type { KeyResponse } from '../../../gossip/serf/keyring-queries.js';
import { ShutdownError } from '../../../lib/errors.js';
import type { AgentConfig } from '../../config/types.js';
import type { AgentHandle } from '../../runtime/handle.js';
import type { AclRequirement } from '../acl-hook.js';
import { registerRoutes } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { BadRequestError } from '../errors.js';
import { requestParams } from '../query-options.js';

export interface KeyringRouteDeps {
  readonly agent: AgentHandle;
  readonly config: AgentConfig;
}

function keyFromBody(request: FastifyRequest): string {
  const body = readJsonBody(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequestError('Request decode failed: expected {"Key": "<base64 key>"}');
  const entry = Object.entries(body).find(([name]) => name.toLowerCase() === 'key');
  if (!entry || typeof entry[1] !== 'string' || entry[1] === '')
    throw new BadRequestError('Request decode failed: Key is required');
  return entry[1];
}

function relayFactor(request: FastifyRequest): number | undefined {
  const value = requestParams(request).get('relay-factor');
  if (value === null || value === '') return undefined;
  const factor = Number(value);
  if (!Number.isInteger(factor) || factor < 0 || factor > 5)
    throw new BadRequestError('Error parsing relay factor: must be an integer between 0 and 5');
  return factor;
}

export const operatorKeyringRoutes =
  (deps: KeyringRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const read: AclRequirement = { resource: 'keyring', access: 'read', name: () => '' };
    const write: AclRequirement = { resource: 'keyring', access: 'write', name: () => '' };
    /** The pools to operate on, WAN first (servers only), then LAN. */
    const pools = (): { manager: KeyManager; wan: boolean }[] => {
      const lan = deps.agent.keyManager();
      if (!lan) throw new ShutdownError('gossip is not running');
      const wan = deps.agent.wanKeyManager();
      return [...(wan ? [{ manager: wan, wan: true }] : []), { manager: lan, wan: false }];
    };
    const poolName = (wan: boolean): string => (wan ? 'WAN' : `${deps.config.datacenter} (LAN)`);
    /** Runs the operation on every pool, even after one failed (Consul goes on too), then answers 200 or the failures. */
    const run = async (reply: FastifyReply, operation: (manager: KeyManager) => Promise<unknown>) => {
      const failures: KeyringPoolFailure[] = [];
      for (const { manager, wan } of pools()) {
        try {
          await operation(manager);
        } catch (error) {
          if (!(error instanceof KeyringOperationError)) throw error;
          failures.push({ pool: poolName(wan), response: error.response });
        }
      }
      if (failures.length > 0) return sendKeyringFailure(reply, failures);
      return reply.code(200).send('');
    };
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/',
        acl: read,
        handler: async (request, reply) => {
          const relay = relayFactor(request);
          const answers = [];
          const failures: KeyringPoolFailure[] = [];
          for (const { manager, wan } of pools()) {
            let response: KeyResponse;
            try {
              response = await manager.listKeys(relay === undefined ? {} : { relayFactor: relay });
            } catch (error) {
              if (!(error instanceof KeyringOperationError)) throw error;
              response = error.response;
              failures.push({ pool: poolName(wan), response });
            }
            answers.push(toConsulKeyringResponse(response, { datacenter: deps.config.datacenter, wan }));
          }
          // Consul's KeyringList returns its list and keyringErrorsOrNil together; the HTTP layer answers the error
          // (500) whenever there is one, so a pool where any member failed (on a cluster without gossip
          // encryption every member answers "Keyring is empty (encryption not enabled)") fails the whole list.
          if (failures.length > 0) return sendKeyringFailure(reply, failures);
          return answers;
        },
      },
      {
        method: 'POST',
        url: '/',
        acl: write,
        handler: async (request, reply) => {
          const key = keyFromBody(request);
          const relay = relayFactor(request) ?? 0;
          return run(reply, (manager) => manager.installKey(key, { relayFactor: relay }));
        },
      },
      {
        method: 'PUT',
        url: '/',
        acl: write,
        handler: async (request, reply) => {
          const key = keyFromBody(request);
          const relay = relayFactor(request) ?? 0;
          return run(reply, (manager) => manager.useKey(key, { relayFactor: relay }));
        },
      },
      {
        method: 'DELETE',
        url: '/',
        acl: write,
        handler: async (request, reply) => {
          const key = keyFromBody(request);
          const relay = relayFactor(request) ?? 0;
          return run(reply, (manager) => manager.removeKey(key, { relayFactor: relay }));
        },
      },
    ]);
  };

interface KeyringPoolFailure {
  /** "WAN" or "<dc> (LAN)", as Consul names the pool. */
  readonly pool: string;
  readonly response: KeyResponse;
}

/** serf's KeyManager error for a pool: failures first, else missing answers ("3/4 nodes reported success"). */
function serfKeyringError(response: KeyResponse): string {
  if (response.NumErr > 0) return `${response.NumErr}/${response.NumNodes} nodes reported failure`;
  return `${response.NumResp}/${response.NumNodes} nodes reported success`;
}

/**
 * Consul's keyringErrorsOrNil as go-multierror prints it: per failed pool "<pool> error: <serf error>" then one
 * "<node>: <message>" per member message, as "N errors occurred:" with tab-star lines (or "1 error occurred:").
 */
export function keyringErrorsText(failures: readonly KeyringPoolFailure[]): string {
  const errors: string[] = [];
  for (const { pool, response } of failures) {
    errors.push(`${pool} error: ${serfKeyringError(response)}`);
    for (const [node, message] of Object.entries(response.Messages)) errors.push(`${node}: ${message}`);
  }
  const heading = errors.length === 1 ? '1 error occurred:' : `${errors.length} errors occurred:`;
  return `${heading}\n\t${errors.map((error) => `* ${error}`).join('\n\t')}\n\n`;
}

/**
 * Consul answers a keyring operation some members refused with 500 and the multi-line multierror text; sent here
 * rather than thrown, because the shared error handler folds messages onto one line.
 */
function sendKeyringFailure(reply: FastifyReply, failures: readonly KeyringPoolFailure[]): FastifyReply {
  return reply.code(500).type('text/plain; charset=utf-8').send(keyringErrorsText(failures));
}
