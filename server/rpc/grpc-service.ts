// The RPC service on the server port (8300), beside Raft on the same grpc.Server. Requests and replies are msgpack
// frames (wire.ts); errors travel inside the reply, so a refused write is an answer and only a broken transport is
// a gRPC status. Two methods: `Call`, one unary call per RPC, and `Stream`, a long-lived stream that multiplexes
// many calls by id (stream-frames.ts), which GrpcRpcClient uses so a forwarded call does not pay for a new HTTP/2
// stream each time; on it, large read answers are encoded once per answer object (reply-values.ts).

import type * as grpc from '@grpc/grpc-js';
import { encodeRpcError, RpcOverloadedError } from './errors.js';
import type { CallOptions, RpcMethodName, RpcMethods } from './methods.js';
import { ReplyValueEncoder } from './reply-values.js';
import { encodeItem, FrameBatcher, itemsOf, readRequestItem } from './stream-frames.js';
import { decodeFrame, encodeFrame, validateWireRequest, type WireResponse } from './wire.js';

export const rpcServicePath = '/lattice.rpc.Rpc';

/** Calls running at once on one stream; past this a call is answered "overloaded" at once (STYLE §3.7). */
export const streamCallsMax = 16_384;

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
  stream: {
    path: `${rpcServicePath}/Stream`,
    requestStream: true,
    responseStream: true,
    // Frames are built from pre-encoded items (stream-frames.ts), so they go out as they are.
    requestSerialize: (frame: Buffer) => frame,
    requestDeserialize: decodeFrame,
    responseSerialize: (frame: Buffer) => frame,
    responseDeserialize: decodeFrame,
  },
} satisfies grpc.ServiceDefinition;

/** What the service calls: the Server's dispatcher. */
export type RpcDispatch = <M extends RpcMethodName>(
  method: M,
  args: RpcMethods[M]['args'],
  options: CallOptions,
) => Promise<RpcMethods[M]['reply']>;

/** Runs one decoded request; never rejects (a bad request or a failed call is an error reply). */
async function answer(dispatch: RpcDispatch, raw: unknown, signal: AbortSignal): Promise<WireResponse> {
  try {
    const request = validateWireRequest(raw);
    const reply = await dispatch(request.method, request.args as never, {
      context: request.context,
      ...(request.query === null ? {} : { query: request.query }),
      forwardHops: request.forwardHops,
      signal,
    });
    return { ok: true, reply };
  } catch (error) {
    return { ok: false, error: encodeRpcError(error) };
  }
}

function serveStream(
  dispatch: RpcDispatch,
  values: ReplyValueEncoder,
  stream: grpc.ServerDuplexStream<unknown, Buffer>,
): void {
  const running = new Map<number, AbortController>();
  let open = true;
  const batcher = new FrameBatcher((frame) => {
    if (open) stream.write(frame);
  });
  const respond = (id: number, response: WireResponse): void => {
    batcher.push(encodeItem({ id, response: values.wireForm(response) }));
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    batcher.stop();
    for (const controller of running.values()) controller.abort();
    running.clear();
  };
  stream.on('data', (frame: unknown) => {
    for (const value of itemsOf(frame)) {
      const item = readRequestItem(value);
      if (item === null) continue;
      if ('cancel' in item) {
        running.get(item.id)?.abort();
        continue;
      }
      if (running.has(item.id)) continue; // a duplicate id: the first call answers it
      if (running.size >= streamCallsMax) {
        respond(item.id, {
          ok: false,
          error: encodeRpcError(new RpcOverloadedError(`more than ${streamCallsMax} calls on one RPC stream`)),
        });
        continue;
      }
      const controller = new AbortController();
      running.set(item.id, controller);
      void answer(dispatch, item.request, controller.signal).then((response) => {
        if (running.get(item.id) !== controller) return;
        running.delete(item.id);
        if (open) respond(item.id, response);
      });
    }
  });
  // The client ended its side or went away: nobody is left to answer.
  stream.on('end', () => {
    close();
    stream.end();
  });
  stream.on('cancelled', close);
  stream.on('error', close);
}

export function rpcServiceImplementation(dispatch: RpcDispatch): grpc.UntypedServiceImplementation {
  const values = new ReplyValueEncoder();
  return {
    call: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // A cancelled or expired call aborts the handler (a blocking query stops waiting).
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      void answer(dispatch, call.request, controller.signal).then((response) => callback(null, response));
    },
    stream: (stream: grpc.ServerDuplexStream<unknown, Buffer>) => serveStream(dispatch, values, stream),
  };
}
