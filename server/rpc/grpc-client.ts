// An RpcClient to one server over gRPC (client agents through the ServerManager, servers forwarding to the
// leader), with the same TLS config object as Raft on that port (DESIGN §9). Calls share one long-lived `Stream`
// per server (grpc-service.ts, stream-frames.ts): each is an item tagged with an id, and the items of one
// event-loop turn leave in one frame, so a forwarded register or read costs an item, not a new HTTP/2 stream. The
// deadline covers a blocking query's longest wait plus a margin and is kept here, per call; a caller's abort or a
// deadline sends a cancel item so the server stops waiting. Transport failures (the stream broke, the server is
// unreachable, the deadline passed) reject with RpcTransportError (the caller may fail over); answers come back
// with the server's own error class. Large read answers arrive tagged and are decoded once per tag (reply-values.ts).

import * as grpc from '@grpc/grpc-js';
import type { Clock, Timer } from '../../lib/clock.js';
import { abortReason } from '../../lib/errors.js';
import { channelCredentials, channelTlsOptions, type RaftTlsConfig, tlsOff } from '../../raft/transport/tls.js';
import { queryWaitJitterFraction, queryWaitMsMax } from '../state-watch.js';
import { RpcOverloadedError, RpcTransportError } from './errors.js';
import { rpcService } from './grpc-service.js';
import type { CallOptions, RpcClient, RpcMethodName, RpcMethods } from './methods.js';
import { ReplyValueDecoder } from './reply-values.js';
import { encodeItem, FrameBatcher, itemsOf, readResponseItem } from './stream-frames.js';
import { shortTransportReason } from './transport-reason.js';
import { readWireResponse } from './wire.js';

/** The gRPC message limit both ways; the server side is the Raft port's (raft/transport/defaults.ts). */
export const rpcMessageSizeBytesMax = 16 * 1024 * 1024;
/** Time for a non-blocking call, and the margin added to a blocking one's wait (reference §2.2: wait + 15 s). */
export const rpcCallTimeoutMs = 15_000;
/** Calls waiting on one client at once (the server refuses past its own streamCallsMax anyway). */
export const clientCallsMax = 16_384;

const channelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': rpcMessageSizeBytesMax,
  'grpc.max_send_message_length': rpcMessageSizeBytesMax,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // Replies travel on one stream: HTTP/2's default 64 KiB receive window would let one 100-instance health
  // answer through per round trip. A window as large as the biggest message keeps the stream flowing.
  'grpc-node.flow_control_window': rpcMessageSizeBytesMax,
};

/** How long a call may take: a blocking read's capped, jittered wait plus the margin. */
export function callDeadlineMs(options: CallOptions): number {
  const query = options.query;
  if (query === undefined || query.minQueryIndex === 0) return rpcCallTimeoutMs;
  const waitMs = Math.min(query.maxQueryTimeMs > 0 ? query.maxQueryTimeMs : queryWaitMsMax, queryWaitMsMax);
  return waitMs + waitMs / queryWaitJitterFraction + rpcCallTimeoutMs;
}

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly stream: OpenStream;
}

/** One open `Stream` with the frames it still has to send. */
interface OpenStream {
  readonly call: grpc.ClientDuplexStream<Buffer, unknown>;
  readonly batcher: FrameBatcher;
  broken: boolean;
}

export class GrpcRpcClient implements RpcClient {
  private readonly client: grpc.Client;
  private stream: OpenStream | null = null;
  private readonly pending = new Map<number, PendingCall>();
  private readonly values = new ReplyValueDecoder();
  private nextId = 1;
  private closed = false;

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
    if (this.closed)
      return Promise.reject(new RpcTransportError(this.address, 'client closed', { notDelivered: true }));
    if (this.pending.size >= clientCallsMax)
      return Promise.reject(new RpcOverloadedError(`more than ${clientCallsMax} calls waiting on ${this.address}`));
    const request = {
      method,
      args,
      context: options.context,
      query: options.query ?? null,
      forwardHops: options.forwardHops ?? 0,
    };
    const stream = this.openStream();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let deadline: Timer | null = null;
      const onAbort = (): void => finish(() => reject(abortReason(options.signal as AbortSignal)), true);
      const finish = (settle: () => void, cancel: boolean): void => {
        if (this.pending.get(id)?.stream !== stream) return;
        this.pending.delete(id);
        deadline?.cancel();
        options.signal?.removeEventListener('abort', onAbort);
        if (cancel && !stream.broken) stream.batcher.push(encodeItem({ id, cancel: true }));
        settle();
      };
      this.pending.set(id, {
        stream,
        resolve: (response) =>
          finish(() => {
            try {
              resolve(readWireResponse(response) as RpcMethods[M]['reply']);
            } catch (failure) {
              reject(failure);
            }
          }, false),
        reject: (error) => finish(() => reject(error), false),
      });
      deadline = this.clock.setTimer(callDeadlineMs(options), () =>
        finish(() => reject(new RpcTransportError(this.address, 'Deadline exceeded')), true),
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.batcher.push(encodeItem({ id, request }));
    });
  }

  close(): void {
    this.closed = true;
    if (this.stream !== null) this.breakStream(this.stream, 'client closed');
    this.client.close();
  }

  /** The open stream, or a new one after the last broke. */
  private openStream(): OpenStream {
    if (this.stream !== null && !this.stream.broken) return this.stream;
    const { path, requestSerialize, responseDeserialize } = rpcService.stream;
    const call = this.client.makeBidiStreamRequest(path, requestSerialize, responseDeserialize, new grpc.Metadata());
    const stream: OpenStream = {
      call,
      broken: false,
      batcher: new FrameBatcher((frame) => {
        call.write(frame);
      }),
    };
    call.on('data', (frame: unknown) => {
      for (const value of itemsOf(frame)) {
        const item = readResponseItem(value);
        const pending = item === null ? undefined : this.pending.get(item.id);
        if (item === null || pending === undefined) continue;
        let response: unknown;
        try {
          response = this.values.readForm(item.response);
        } catch {
          response = { ok: false, error: { name: 'RpcInternalError', message: 'malformed RPC response' } };
        }
        pending.resolve(response);
      }
    });
    call.on('error', (error: grpc.ServiceError) =>
      this.breakStream(stream, shortTransportReason(error.details || error.message), error, neverConnected(error)),
    );
    call.on('end', () => this.breakStream(stream, 'the server ended the RPC stream'));
    this.stream = stream;
    return stream;
  }

  /** Every call still waiting on `stream` fails with a transport error; the next call opens a new stream. */
  private breakStream(stream: OpenStream, reason: string, cause?: unknown, notDelivered = false): void {
    if (stream.broken) return;
    stream.broken = true;
    stream.batcher.stop();
    if (this.stream === stream) this.stream = null;
    for (const pending of [...this.pending.values()]) {
      if (pending.stream === stream)
        pending.reject(
          new RpcTransportError(this.address, reason, { notDelivered, ...(cause === undefined ? {} : { cause }) }),
        );
    }
    stream.call.cancel();
  }
}

/**
 * grpc-js fails a call with UNAVAILABLE "No connection established" when it could not pick a connected
 * transport for it (load-balancer pick failure): the stream never started, so none of its calls left.
 */
function neverConnected(error: grpc.ServiceError): boolean {
  return error.code === grpc.status.UNAVAILABLE && /No connection established/.test(error.details ?? '');
}
