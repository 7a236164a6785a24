// /v1/operator/keyring: the gossip keyrings through serf's key manager (GET list, POST install, PUT use, DELETE
// remove; body {"Key": "<base64>"}), answered in Consul's KeyringResponse shape. On a server the WAN pool comes
// first, then the LAN pool, as Consul's Internal.KeyringOperation does; the LAN pools of other datacenters are
// not reached yet (that needs cross-datacenter RPC). A member that refused or did not answer makes Consul's 500
// with the per-node messages.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { type KeyManager, KeyringOperationError, toConsulKeyringResponse } from '../../../gossip/key-manager.js';
import type { KeyResponse } from '../../../gossip/serf/keyring-queries.js';
import { LatticeError, ShutdownError } from '../../../lib/errors.js';
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
    /** Runs the operation on every pool, even after one failed (Consul goes on too), then reports all failures. */
    const run = async (operation: (manager: KeyManager) => Promise<unknown>): Promise<void> => {
      const failures: string[] = [];
      for (const { manager, wan } of pools()) {
        try {
          await operation(manager);
        } catch (error) {
          if (!(error instanceof KeyringOperationError)) throw error;
          const messages = Object.entries(error.response.Messages).map(([node, text]) => `${node}: ${text}`);
          const pool = wan ? 'WAN' : `${deps.config.datacenter} (LAN)`;
          failures.push(`${pool}: ${error.message}${messages.length ? ` (${messages.join('; ')})` : ''}`);
        }
      }
      if (failures.length > 0) throw new KeyringFailedError(failures.join('; '));
    };
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/',
        acl: read,
        handler: async (request) => {
          const relay = relayFactor(request);
          const answers = [];
          for (const { manager, wan } of pools()) {
            let response: KeyResponse;
            try {
              response = await manager.listKeys(relay === undefined ? {} : { relayFactor: relay });
            } catch (error) {
              if (!(error instanceof KeyringOperationError)) throw error;
              response = error.response; // Consul lists what it got, with the failures in Messages
            }
            answers.push(toConsulKeyringResponse(response, { datacenter: deps.config.datacenter, wan }));
          }
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
          await run((manager) => manager.installKey(key, { relayFactor: relay }));
          return reply.code(200).send('');
        },
      },
      {
        method: 'PUT',
        url: '/',
        acl: write,
        handler: async (request, reply) => {
          const key = keyFromBody(request);
          const relay = relayFactor(request) ?? 0;
          await run((manager) => manager.useKey(key, { relayFactor: relay }));
          return reply.code(200).send('');
        },
      },
      {
        method: 'DELETE',
        url: '/',
        acl: write,
        handler: async (request, reply) => {
          const key = keyFromBody(request);
          const relay = relayFactor(request) ?? 0;
          await run((manager) => manager.removeKey(key, { relayFactor: relay }));
          return reply.code(200).send('');
        },
      },
    ]);
  };

/** Consul answers a keyring operation some members refused with 500 and the per-node messages. */
class KeyringFailedError extends LatticeError {
  override readonly name = 'KeyringFailedError';
  constructor(message: string) {
    super('ERR_KEYRING_OPERATION', message);
  }
}
