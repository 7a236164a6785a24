// The RPC service on the server port (8300), beside Raft on the same grpc.Server: one unary method whose request
// and reply are msgpack frames (wire.ts). Errors travel inside the reply, so a refused write is an answer and
// only a broken transport is a gRPC status.

import type * as grpc from '@grpc/grpc-js';
import { encodeRpcError } from './errors.js';
import type { CallOptions, RpcMethodName, RpcMethods } from './methods.js';
import { decodeFrame, encodeFrame, validateWireRequest, type WireResponse } from './wire.js';

export const rpcServicePath = '/lattice.rpc.Rpc';

export const rpcService = {
  call: {
    path: `${rpcServicePath}/Call`,
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeFrame,
    requestDeserialize: decodeFrame,
    responseSerialize: encodeFrame,
    responseDeserialize: decodeFrame,
  },
} satisfies grpc.ServiceDefinition;

/** What the service calls: the Server's dispatcher. */
export type RpcDispatch = <M extends RpcMethodName>(
  method: M,
  args: RpcMethods[M]['args'],
  options: CallOptions,
) => Promise<RpcMethods[M]['reply']>;

export function rpcServiceImplementation(dispatch: RpcDispatch): grpc.UntypedServiceImplementation {
  return {
    call: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // A cancelled or expired call aborts the handler (a blocking query stops waiting).
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      let request: ReturnType<typeof validateWireRequest>;
      try {
        request = validateWireRequest(call.request);
      } catch (error) {
        callback(null, { ok: false, error: encodeRpcError(error) } satisfies WireResponse);
        return;
      }
      dispatch(request.method, request.args as never, {
        context: request.context,
        ...(request.query === null ? {} : { query: request.query }),
        forwardHops: request.forwardHops,
        signal: controller.signal,
      }).then(
        (reply) => callback(null, { ok: true, reply } satisfies WireResponse),
        (error: unknown) => callback(null, { ok: false, error: encodeRpcError(error) } satisfies WireResponse),
      );
    },
  };
}
