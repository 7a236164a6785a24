// An RpcClient to one server over gRPC (client agents through the ServerManager, servers forwarding to the
// leader), with the same TLS config object as Raft on that port (DESIGN §9). The deadline covers a blocking query's longest wait plus a margin; transport failures reject with
// RpcTransportError (the caller may fail over), answers with the server's own error class.

import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../../lib/clock.js';
import { abortReason } from '../../lib/errors.js';
import { channelCredentials, channelTlsOptions, type RaftTlsConfig, tlsOff } from '../../raft/transport/tls.js';
import { queryWaitJitterFraction, queryWaitMsMax } from '../state-watch.js';
import { RpcTransportError } from './errors.js';
import { rpcService } from './grpc-service.js';
import type { CallOptions, RpcClient, RpcMethodName, RpcMethods } from './methods.js';
import { readWireResponse } from './wire.js';

/** The gRPC message limit both ways; the server side is the Raft port's (raft/transport/defaults.ts). */
export const rpcMessageSizeBytesMax = 16 * 1024 * 1024;
/** Time for a non-blocking call, and the margin added to a blocking one's wait (reference §2.2: wait + 15 s). */
export const rpcCallTimeoutMs = 15_000;

const channelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': rpcMessageSizeBytesMax,
  'grpc.max_send_message_length': rpcMessageSizeBytesMax,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

/** How long a call may take: a blocking read's capped, jittered wait plus the margin. */
export function callDeadlineMs(options: CallOptions): number {
  const query = options.query;
  if (query === undefined || query.minQueryIndex === 0) return rpcCallTimeoutMs;
  const waitMs = Math.min(query.maxQueryTimeMs > 0 ? query.maxQueryTimeMs : queryWaitMsMax, queryWaitMsMax);
  return waitMs + waitMs / queryWaitJitterFraction + rpcCallTimeoutMs;
}

export class GrpcRpcClient implements RpcClient {
  private readonly client: grpc.Client;

  constructor(
    readonly address: string,
    private readonly clock: Clock,
    tls: RaftTlsConfig = tlsOff,
  ) {
    this.client = new grpc.Client(address, channelCredentials(tls), { ...channelOptions, ...channelTlsOptions(tls) });
  }

  call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    const request = {
      method,
      args,
      context: options.context,
      query: options.query ?? null,
      forwardHops: options.forwardHops ?? 0,
    };
    const { path, requestSerialize, responseDeserialize } = rpcService.call;
    const deadline = new Date(this.clock.wallMs() + callDeadlineMs(options));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = this.client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline },
        (error, response) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (options.signal?.aborted) return reject(abortReason(options.signal));
          if (error)
            return reject(new RpcTransportError(this.address, error.details || error.message, { cause: error }));
          try {
            resolve(readWireResponse(response) as RpcMethods[M]['reply']);
          } catch (failure) {
            reject(failure);
          }
        },
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.client.close();
  }
}
