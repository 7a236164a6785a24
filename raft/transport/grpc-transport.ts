// The Raft transport on the server port (8300): appends, heartbeats and their responses go as length-prefixed
// msgpack frames over a plain (or TLS) socket, the framed path (framed-protocol.ts), which costs a fraction of an
// HTTP/2 stream per message; votes, snapshots, the server RPC service and older peers' Messages streams use gRPC
// (@grpc/grpc-js) on the same port, told apart by their first byte (shared-port-listener.ts). The receiving side
// validates every frame (garbage is counted and dropped), the sending side keeps one PeerLink per peer.
// Snapshots stream in chunks of at most snapshotChunkSizeBytes; message size limits are set on both sides. TLS
// comes from one RaftTlsConfig for both paths.

import type * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { assert } from '../../lib/assert.js';
import type { Clock } from '../../lib/clock.js';
import { ShutdownError } from '../../lib/errors.js';
import type { AbortOptions } from '../../lib/lifecycle.js';
import { LifecycleState, throwIfAborted } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { NodeId, RaftMessage, SnapshotMeta } from '../core/types.js';
import { TransportError } from '../errors.js';
import {
  grpcMessageSizeBytesMax,
  nameLengthMax,
  peerCountMax,
  peerQueueCapacity,
  snapshotChunkSizeBytes,
  snapshotTransferBytesPerMsMin,
  snapshotTransferMsMin,
} from './defaults.js';
import { FramedInbound } from './framed-inbound.js';
import { raftService } from './grpc-service.js';
import { toRaftMessage, toSnapshotChunk, toSnapshotHeader } from './message-codec.js';
import { PeerLink, type PeerLinkComponents } from './peer-link.js';
import { SharedPortListener } from './shared-port-listener.js';
import { channelCredentials, channelTlsOptions, type RaftTlsConfig, serverCredentials } from './tls.js';
import {
  type IncomingSnapshot,
  type MessageHandler,
  type RaftTransport,
  type SnapshotHandler,
  TransportCounters,
  type TransportStats,
} from './transport.js';

export interface GrpcTransportComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
}

export interface GrpcTransportConfig {
  readonly localId: NodeId;
  /** host:port to listen on; port 0 picks a free one (see localAddress after start). */
  readonly bindAddress: string;
  /** host:port peers use to reach us; defaults to the bound address. */
  readonly advertiseAddress?: string;
  readonly tls: RaftTlsConfig;
  readonly peerQueueCapacity?: number;
  /**
   * false: send the messages stream over gRPC only, as Lattice did before the framed path (for A/B measurement
   * and as an escape hatch); the framed path is still served. Default true.
   */
  readonly framedMessages?: boolean;
  /** More services served on the same port (the server's RPC service shares 8300 with Raft, as in Consul). */
  readonly extraServices?: readonly {
    readonly definition: grpc.ServiceDefinition;
    readonly implementation: grpc.UntypedServiceImplementation;
  }[];
}

const channelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': grpcMessageSizeBytesMax,
  'grpc.max_send_message_length': grpcMessageSizeBytesMax,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

const isAddress = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= nameLengthMax && /^[\w.:\-[\]]+$/.test(value);

function hostOf(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

export class GrpcTransport implements RaftTransport {
  readonly localId: NodeId;
  private boundAddress: string | null = null;
  private server: grpc.Server | null = null;
  private listener: SharedPortListener | null = null;
  private framedInbound: FramedInbound | null = null;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly snapshotHandlers = new Set<SnapshotHandler>();
  private readonly counters = new TransportCounters();
  private readonly lifecycle = new LifecycleState();
  private readonly stopController = new AbortController();
  private readonly linkComponents: PeerLinkComponents;

  constructor(
    private readonly components: GrpcTransportComponents,
    private readonly config: GrpcTransportConfig,
  ) {
    this.localId = config.localId;
    this.linkComponents = { ...components, counters: this.counters };
  }

  get localAddress(): string {
    assert(this.boundAddress !== null, 'transport not started');
    return this.config.advertiseAddress ?? this.boundAddress;
  }

  async start(): Promise<void> {
    await this.lifecycle.start(async () => {
      const server = new grpc.Server(channelOptions);
      server.addService(raftService, {
        messages: (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
          this.serveMessages(call, callback),
        vote: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          this.acceptFrame(call.request);
          callback(null, {});
        },
        installSnapshot: (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          this.serveSnapshot(call).then(
            () => callback(null, { stored: true }),
            (error: unknown) =>
              callback({ code: grpc.status.ABORTED, details: error instanceof Error ? error.message : String(error) }),
          );
        },
      });
      for (const extra of this.config.extraServices ?? []) server.addService(extra.definition, extra.implementation);
      // The gRPC server never listens itself: our listener hands it every connection that is not framed, and it
      // runs TLS (same credentials as before) and HTTP/2 on it as on a socket it accepted.
      const grpcConnections = server.createConnectionInjector(serverCredentials(this.config.tls));
      const listener = new SharedPortListener(
        {
          onFramed: (socket: net.Socket, firstChunk: Buffer) => framedInbound.accept(socket, firstChunk),
          onGrpc: (socket: net.Socket) => grpcConnections.injectConnection(socket),
        },
        this.components.log,
      );
      const framedInbound = new FramedInbound({
        tls: this.config.tls,
        frameSizeBytesMax: grpcMessageSizeBytesMax,
        counters: this.counters,
        log: this.components.log,
        acceptFrame: (frame) => this.acceptFrame(frame),
        track: (socket) => listener.track(socket),
      });
      let port: number;
      try {
        port = await listener.listen(this.config.bindAddress);
      } catch (error) {
        server.forceShutdown();
        framedInbound.close();
        throw error;
      }
      this.server = server;
      this.listener = listener;
      this.framedInbound = framedInbound;
      this.boundAddress = `${hostOf(this.config.bindAddress)}:${port}`;
    });
  }

  async stop(): Promise<void> {
    await this.lifecycle.stop(async () => {
      this.stopController.abort(new ShutdownError('transport stopped'));
      for (const link of this.links.values()) link.close();
      this.links.clear();
      // Incoming Raft streams never end on their own, so a graceful shutdown would only wait; peers reconnect.
      this.listener?.close();
      this.framedInbound?.close();
      this.server?.forceShutdown();
      this.server = null;
      this.listener = null;
      this.framedInbound = null;
    });
  }

  setPeer(id: NodeId, address: string): void {
    if (id === this.localId) return;
    const existing = this.links.get(id);
    if (existing?.address === address) return;
    existing?.close();
    const client = new grpc.Client(address, channelCredentials(this.config.tls), {
      ...channelOptions,
      ...channelTlsOptions(this.config.tls),
    });
    const link = new PeerLink(id, address, client, this.linkComponents, {
      localAddress: this.localAddress,
      queueCapacity: this.config.peerQueueCapacity ?? peerQueueCapacity,
      tls: this.config.tls,
      framedMessages: this.config.framedMessages ?? true,
    });
    this.links.set(id, link);
  }

  /** Which channel carries the messages stream to `id` now (null while none is open); for tests and debugging. */
  messageChannelKind(id: NodeId): 'framed' | 'grpc' | null {
    return this.links.get(id)?.channelKind ?? null;
  }

  removePeer(id: NodeId): void {
    this.links.get(id)?.close();
    this.links.delete(id);
  }

  send(message: RaftMessage): boolean {
    assert(message.from === this.localId, `message from ${message.from} sent through ${this.localId}`);
    const link = this.lifecycle.isRunning() ? this.links.get(message.to) : undefined;
    if (!link?.send(message)) {
      this.counters.droppedCount++;
      return false;
    }
    this.counters.sentCount++;
    return true;
  }

  onMessage(handler: MessageHandler): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  onSnapshot(handler: SnapshotHandler): () => void {
    this.snapshotHandlers.add(handler);
    return () => this.snapshotHandlers.delete(handler);
  }

  stats(): TransportStats {
    return this.counters.snapshot();
  }

  async sendSnapshot(
    to: NodeId,
    meta: SnapshotMeta,
    sizeBytes: number,
    chunks: AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    const link = this.links.get(to);
    if (!this.lifecycle.isRunning()) throw new ShutdownError('transport stopped');
    if (!link) throw new TransportError(`unknown peer ${to}`);
    throwIfAborted(options.signal);
    const { path, requestSerialize, responseDeserialize } = raftService.installSnapshot;
    let settle: (error: Error | null) => void = () => undefined;
    const reply = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    // A deadline sized for the data at a slow-but-working rate, so a stalled receiver cannot hold the send forever.
    const deadline = new Date(
      this.components.clock.wallMs() + snapshotTransferMsMin + sizeBytes / snapshotTransferBytesPerMsMin,
    );
    const call = link.client.makeClientStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      { deadline },
      (error) =>
        settle(error ? new TransportError(`snapshot to ${to} failed: ${error.message}`, { cause: error }) : null),
    );
    // The call can fail (peer gone) while a chunk write is pending, long before `await reply` below. `failed`
    // rejects then, which ends a write that would otherwise wait for a 'drain' that never comes, and it marks
    // `reply` handled, so that failure is not an unhandled rejection (which ends the process).
    const failed = new Promise<never>((_resolve, reject) => reply.catch(reject));
    failed.catch(() => undefined);
    const write = (frame: unknown): Promise<void> => Promise.race([writeFrame(call, frame), failed]);
    const signal = AbortSignal.any([this.stopController.signal, ...(options.signal ? [options.signal] : [])]);
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      await write({ header: { from: this.localId, to, meta, sizeBytes } });
      for await (const chunk of chunks) {
        for (let offset = 0; offset < chunk.byteLength; offset += snapshotChunkSizeBytes) {
          throwIfAborted(signal);
          await write({ chunk: chunk.subarray(offset, offset + snapshotChunkSizeBytes) });
        }
      }
      call.end();
      await reply;
      this.counters.snapshotsSentCount++;
    } catch (error) {
      call.cancel();
      throw error;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  private serveMessages(call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
    call.on('data', (frame: unknown) => this.acceptFrame(frame));
    call.on('end', () => callback(null, {}));
    // A peer that goes away ends its stream with an error; it reconnects by itself, so this is only worth a trace.
    call.on('error', (error: Error) => this.components.log.trace({ err: error.message }, 'inbound raft stream ended'));
  }

  /** Validates a { messages } frame and hands each valid message addressed to us to the handlers. */
  private acceptFrame(frame: unknown): void {
    const { messages, address } = (frame ?? {}) as { messages?: unknown; address?: unknown };
    if (!Array.isArray(messages)) {
      this.counters.invalidCount++;
      return;
    }
    for (const value of messages) {
      const message = toRaftMessage(value);
      if (message === null || message.to !== this.localId) {
        this.counters.invalidCount++;
        continue;
      }
      this.counters.receivedCount++;
      // A server that joins learns its peers' addresses from their first messages (hashicorp/raft's RPC header).
      if (!this.links.has(message.from) && isAddress(address) && this.links.size < peerCountMax) {
        this.setPeer(message.from, address);
      }
      this.links.get(message.from)?.markAlive();
      for (const handler of this.messageHandlers) handler(message);
    }
  }

  private async serveSnapshot(call: grpc.ServerReadableStream<unknown, unknown>): Promise<void> {
    const frames = call[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    const first = await frames.next();
    const header = first.done ? null : toSnapshotHeader(first.value);
    if (header === null || header.to !== this.localId) {
      this.counters.invalidCount++;
      throw new TransportError('invalid snapshot header');
    }
    const handler = [...this.snapshotHandlers][0];
    if (!handler) throw new TransportError(`${this.localId} does not accept snapshots`);
    const counters = this.counters;
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      let receivedBytes = 0;
      for (;;) {
        const next = await frames.next();
        if (next.done) break;
        const chunk = toSnapshotChunk(next.value);
        if (chunk === null) {
          counters.invalidCount++;
          throw new TransportError('invalid snapshot chunk');
        }
        receivedBytes += chunk.byteLength;
        if (receivedBytes > header.sizeBytes) throw new TransportError('snapshot longer than declared');
        yield chunk;
      }
      if (receivedBytes !== header.sizeBytes) throw new TransportError('snapshot shorter than declared');
    };
    const snapshot: IncomingSnapshot = {
      from: header.from,
      meta: header.meta,
      sizeBytes: header.sizeBytes,
      chunks: chunks(),
    };
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort(new TransportError('sender cancelled the snapshot')));
    await handler(snapshot, { signal: AbortSignal.any([controller.signal, this.stopController.signal]) });
    this.counters.snapshotsReceivedCount++;
  }
}

/** Writes one frame, waiting for 'drain' when the stream's buffer is full. */
function writeFrame(call: grpc.ClientWritableStream<unknown>, frame: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    call.once('error', onError);
    const flushed = call.write(frame, () => {
      call.off('error', onError);
      if (flushed) resolve();
    });
    if (!flushed) {
      call.once('drain', () => {
        call.off('error', onError);
        resolve();
      });
    }
  });
}
