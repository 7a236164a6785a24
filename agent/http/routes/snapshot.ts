// /v1/snapshot: GET saves a point-in-time snapshot of the catalog (taken on the leader, `?stale` lets any server
// answer) as an application/octet-stream body with X-Consul-Index; PUT restores one (Consul agent/snapshot_endpoint.go).
// The bytes are Consul's archive layout, a gzipped tar of meta.json, state.bin and SHA256SUMS (server/snapshot-
// archive.ts, what `lattice snapshot inspect` reads); state.bin is Lattice's state format, so a Consul snapshot
// cannot be restored here, nor ours into Consul. Both need acl:write, as in Consul.

import type { FastifyPluginAsync } from 'fastify';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { registerRoutes } from '../consul-route.js';
import { BadRequestError } from '../errors.js';
import { parseWriteContext } from '../query-options.js';
import type { ServerRouteDeps } from './server-deps.js';

/** The servers refuse snapshots above 15 MiB (one RPC message); a little above that lets them say so. */
export const snapshotBodySizeBytesMax = 16 * 1024 * 1024;

const aclWrite: AclRequirement = { resource: 'acl', access: 'write', name: () => '' };

export const snapshotRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/',
        acl: aclWrite,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const snapshot = await rpc.call(
            'Snapshot.Save',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          return reply
            .header('X-Consul-Index', String(Math.max(1, snapshot.Index)))
            .type('application/octet-stream')
            .send(Buffer.from(snapshot.Data.buffer, snapshot.Data.byteOffset, snapshot.Data.byteLength));
        },
      },
      {
        method: 'PUT',
        url: '/',
        acl: aclWrite,
        bodySizeBytesMax: snapshotBodySizeBytesMax,
        handler: async (request, reply) => {
          const body = request.body;
          if (!Buffer.isBuffer(body) || body.length === 0)
            throw new BadRequestError(
              'Request body must be a snapshot (from GET /v1/snapshot or `lattice snapshot save`)',
            );
          const { datacenter, token } = parseWriteContext(request, config);
          await rpc.call(
            'Snapshot.Restore',
            { Data: new Uint8Array(body.buffer, body.byteOffset, body.length) },
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          return reply.send();
        },
      },
    ]);
  };
