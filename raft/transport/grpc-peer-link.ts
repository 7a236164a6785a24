// One peer as seen by the gRPC transport's sending side: a bounded queue drained into one long-lived client
// stream (frames of up to frameMessageCountMax messages, pipelined, respecting backpressure), unary calls for
// votes, and reconnection with jittered backoff on the injected clock when the stream fails.

import * as grpc from '@grpc/grpc-js';
import { Backoff } from '../../lib/backoff.js';
import { BoundedQueue } from '../../lib/bounded-queue.js';
import type { Clock, Timer } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { RaftMessage } from '../core/types.js';
import { frameMessageCountMax, reconnectBackoff } from './defaults.js';
import { raftService, unaryMessageTypes } from './grpc-service.js';
import type { TransportCounters } from './transport.js';

export interface PeerLinkComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly counters: TransportCounters;
}

/** A deadline for vote calls: an election round is longer than this, so a late reply is useless anyway. */
const voteDeadlineMs = 2000;

/**
 * Vote calls wait for the connection instead of failing at once while the channel sits between reconnect
 * attempts (a peer that restarted moments ago): a vote that arrives late can still decide the election, one that
 * is dropped costs a whole election timeout.
 */
function waitForReadyMetadata(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.setOptions({ waitForReady: true });
  return metadata;
}

export class PeerLink {
  private readonly queue: BoundedQueue<RaftMessage>;
  private readonly backoff: Backoff;
  private stream: grpc.ClientWritableStream<unknown> | null = null;
  private waitingForDrain = false;
  private reconnectTimer: Timer | null = null;
  private closed = false;

  constructor(
    readonly peerId: string,
    readonly address: string,
    readonly client: grpc.Client,
    private readonly components: PeerLinkComponents,
    /** Our own address, carried in every frame so a peer that does not know us yet can answer. */
    private readonly localAddress: string,
    queueCapacity: number,
  ) {
    this.queue = new BoundedQueue(queueCapacity);
    this.backoff = new Backoff(reconnectBackoff, components.rand);
  }

  send(message: RaftMessage): boolean {
    if (this.closed) return false;
    if (unaryMessageTypes.has(message.type)) {
      this.sendUnary(message);
      return true;
    }
    if (!this.queue.offer(message)) return false;
    this.pump();
    return true;
  }

  /**
   * The peer spoke to us: it is up. The next failure retries quickly again, and a reconnect waiting out its
   * backoff happens now: otherwise what we owe a peer that just restarted (acks to it as a new leader, votes,
   * appends) would sit in the queue for up to the backoff's maximum, stalling a failover.
   */
  markAlive(): void {
    this.backoff.reset();
    if (this.reconnectTimer === null) return;
    this.reconnectTimer.cancel();
    this.reconnectTimer = null;
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.stream?.end();
    this.stream = null;
    this.queue.clear();
    this.client.close();
  }

  private sendUnary(message: RaftMessage): void {
    const deadline = new Date(this.components.clock.wallMs() + voteDeadlineMs);
    const { path, requestSerialize, responseDeserialize } = raftService.vote;
    this.client.makeUnaryRequest(
      path,
      requestSerialize,
      responseDeserialize,
      { address: this.localAddress, messages: [message] },
      waitForReadyMetadata(),
      { deadline },
      (error) => {
        if (error) {
          this.components.counters.droppedCount++;
          this.components.log.debug({ peer: this.peerId, err: error.message }, 'vote call failed');
        }
      },
    );
  }

  private pump(): void {
    if (this.closed || this.waitingForDrain || this.reconnectTimer !== null) return;
    const stream = this.stream ?? this.openStream();
    while (this.queue.size > 0) {
      const messages = this.queue.drain(frameMessageCountMax);
      if (!stream.write({ address: this.localAddress, messages })) {
        this.waitingForDrain = true;
        stream.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
        return;
      }
    }
  }

  private openStream(): grpc.ClientWritableStream<unknown> {
    const { path, requestSerialize, responseDeserialize } = raftService.messages;
    // grpc-js reports a client stream's end and failure through the reply callback, not through events.
    const stream: grpc.ClientWritableStream<unknown> = this.client.makeClientStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      (error: grpc.ServiceError | null) => this.onStreamFailed(stream, error),
    );
    stream.on('error', () => undefined);
    this.stream = stream;
    return stream;
  }

  private onStreamFailed(stream: grpc.ClientWritableStream<unknown>, error: grpc.ServiceError | null): void {
    if (this.stream !== stream || this.closed) return;
    this.stream = null;
    this.waitingForDrain = false;
    const delayMs = this.backoff.next();
    this.components.log.debug({ peer: this.peerId, err: error?.message, delayMs }, 'raft stream to peer failed');
    this.reconnectTimer = this.components.clock.setTimer(delayMs, () => {
      this.reconnectTimer = null;
      this.pump();
    });
  }
}
