// PUT /v1/txn (Consul agent/txn_endpoint.go): KV, node, service and check operations decoded case-insensitively
// (values base64), checked against Consul's limits (413: body over txn_max_req_len, more than 128 ops, a value
// over kv_max_value_size), then applied atomically through Raft, or, when every op only reads, served as a read
// with X-Consul-KnownLeader/-LastContact. 200 {Results, Errors: null} when committed; 409 {Results: null, Errors}
// when rolled back.

import type { FastifyPluginAsync } from 'fastify';
import { InvalidWriteError } from '../../../server/state/errors.js';
import { normalizeTxnOps } from '../../../server/state/txn-normalize.js';
import { isWriteOp, type TxnResponse, type TxnResult, txnOpsMax } from '../../../server/state/txn-types.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, registerRoutes } from '../consul-route.js';
import { type BodySchema, decodeBody, defineSchema, readJsonBody } from '../decode-body.js';
import { BadRequestError } from '../errors.js';
import { setLeaderMeta } from '../query-meta.js';
import { parseQuery, parseWriteContext } from '../query-options.js';
import { catalogCheckSchema, catalogServiceSchema } from './catalog.js';
import { bodyTooLarge, declaredLength, presentKvEntry, RequestTooLargeError } from './kv-present.js';
import { presentService, type ServerRouteDeps } from './server-deps.js';

const withModifyIndex = (schema: BodySchema): BodySchema => defineSchema({ ...schema.fields, ModifyIndex: 'integer' });

const opSchema = defineSchema({
  KV: {
    object: defineSchema({
      Verb: 'string',
      Key: 'string',
      Value: 'string',
      Flags: 'uint64',
      Index: 'integer',
      Session: 'string',
      Namespace: 'string',
      Partition: 'string',
    }),
  },
  Node: {
    object: defineSchema({
      Verb: 'string',
      Node: {
        object: defineSchema({
          ID: 'string',
          Node: 'string',
          Address: 'string',
          Datacenter: 'string',
          TaggedAddresses: 'stringMap',
          Meta: 'stringMap',
          ModifyIndex: 'integer',
        }),
      },
    }),
  },
  Service: {
    object: defineSchema({
      Verb: 'string',
      Node: 'string',
      Service: { object: withModifyIndex(catalogServiceSchema) },
    }),
  },
  Check: { object: defineSchema({ Verb: 'string', Check: { object: withModifyIndex(catalogCheckSchema) } }) },
});

/** Consul fills a node op's missing Datacenter with the agent's. */
function withDatacenter(op: Record<string, unknown>, datacenter: string): Record<string, unknown> {
  const nodeOp = op['Node'] as { Node?: Record<string, unknown> } | undefined;
  if (nodeOp?.Node === undefined || nodeOp.Node['Datacenter']) return op;
  return { ...op, Node: { ...nodeOp, Node: { ...nodeOp.Node, Datacenter: datacenter } } };
}

function presentResult(result: TxnResult): unknown {
  if ('KV' in result) return { KV: presentKvEntry(result.KV) };
  if ('Service' in result) return { Service: presentService(result.Service) };
  return result;
}

function present(response: TxnResponse): Record<string, unknown> {
  return {
    Results: response.Results === null ? null : response.Results.map(presentResult),
    Errors: response.Errors,
  };
}

export const txnRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const valueBytesMax = config.limits.kvMaxValueSizeBytes;
    // Consul: kv_max_value_size raises the request limit too when it is the larger (backward compatibility).
    const requestBytesMax = Math.max(config.limits.txnMaxRequestLengthBytes, valueBytesMax);

    scope.addHook('onRequest', async (request) => {
      const length = declaredLength(request.headers);
      if (length !== null && length > requestBytesMax) throw bodyTooLarge(length, requestBytesMax, 'txn_max_req_len');
    });

    const routes: ConsulRoute[] = [
      {
        method: 'PUT',
        url: '/',
        // The least any transaction needs; the servers ask key:write of one with writes (acl-rules.ts).
        acl: { resource: 'key', access: 'read', name: () => '' },
        bodySizeBytesMax: requestBytesMax + 1,
        handler: async (request, reply) => {
          const raw = readJsonBody(request, ['Flags']);
          if (!Array.isArray(raw)) throw new BadRequestError('Failed to parse body: expected a list of operations');
          if (raw.length > txnOpsMax)
            throw new RequestTooLargeError(`Transaction contains too many operations (${raw.length} > ${txnOpsMax})`);
          const decoded = raw.map((op) => withDatacenter(decodeBody(opSchema, op), config.datacenter));
          for (const op of decoded) {
            const kv = op['KV'] as { Key?: string; Value?: string } | undefined;
            const size = kv?.Value === undefined ? 0 : Buffer.byteLength(kv.Value, 'base64');
            if (size > valueBytesMax)
              throw new RequestTooLargeError(
                `Value for key "${kv?.Key ?? ''}" is too large (${size} > ${valueBytesMax} bytes)`,
              );
          }
          let ops: ReturnType<typeof normalizeTxnOps>;
          try {
            ops = normalizeTxnOps(decoded);
          } catch (error) {
            if (error instanceof InvalidWriteError) throw new BadRequestError(error.message, { cause: error });
            throw error;
          }
          let response: TxnResponse;
          if (ops.some(isWriteOp)) {
            const { datacenter, token } = parseWriteContext(request, config);
            response = await rpc.call(
              'Txn.Apply',
              { Ops: ops },
              { context: { datacenter, token }, signal: clientGoneSignal(reply) },
            );
          } else {
            const query = parseQuery(request, config);
            const answer = await rpc.call(
              'Txn.Read',
              { Ops: ops },
              {
                context: { datacenter: query.datacenter, token: query.token },
                query: { ...query.options, minQueryIndex: 0 },
                signal: clientGoneSignal(reply),
              },
            );
            setLeaderMeta(reply, answer.meta.knownLeader, answer.meta.lastContactMs);
            response = answer.value;
          }
          if (response.Errors !== null && response.Errors.length > 0) reply.code(409);
          return present(response);
        },
      },
    ];
    registerRoutes(scope, routes);
  };
