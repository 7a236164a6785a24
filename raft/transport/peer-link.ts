// One peer as seen by the transport's sending side: a bounded queue drained into one long-lived message channel
// (frames of up to frameMessageCountMax messages, pipelined, respecting backpressure), unary gRPC calls for
// votes, and reconnection with jittered backoff on the injected clock when the channel fails.
//
// The channel is the framed socket when the peer speaks it, else the gRPC Messages stream (an older peer). A
// link that fell back to gRPC tries the framed path again on its next connection, since the peer that breaks
// the stream by restarting may be coming back upgraded.

import * as grpc from '@grpc/grpc-js';
import { Backoff } from '../../lib/backoff.js';
import { BoundedQueue } from '../../lib/bounded-queue.js';
import type { Clock, Timer } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { RaftMessage } from '../core/types.js';
import { frameEntryBytesMax, frameMessageCountMax, reconnectBackoff } from './defaults.js';
import { connectFramed, type FramedConnectResult } from './framed-connect.js';
import { raftService, unaryMessageTypes } from './grpc-service.js';
import { framedChannel, grpcMessagesChannel, type MessageChannel } from './message-channels.js';
import type { RaftTlsConfig } from './tls.js';
import type { TransportCounters } from './transport.js';

export interface PeerLinkComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly counters: TransportCounters;
}

export interface PeerLinkConfig {
  /** Our own address, carried in every frame so a peer that does not know us yet can answer. */
  readonly localAddress: string;
  readonly queueCapacity: number;
  readonly tls: RaftTlsConfig;
  /** false: the messages stream always goes over gRPC (as before the framed path; A/B measurement). */
  readonly framedMessages: boolean;
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
  private channel: MessageChannel | null = null;
  /** A framed handshake is in flight; messages wait in the queue. */
  private connecting = false;
  /** The peer did not ack the framed handshake: use gRPC until this channel ends. */
  private useGrpc: boolean;
  private waitingForDrain = false;
  private reconnectTimer: Timer | null = null;
  private closed = false;

  constructor(
    readonly peerId: string,
    readonly address: string,
    /** Votes and snapshots always go by gRPC (a vote must never queue behind big appends on the socket). */
    readonly client: grpc.Client,
    private readonly components: PeerLinkComponents,
    private readonly config: PeerLinkConfig,
  ) {
    this.queue = new BoundedQueue(config.queueCapacity);
    this.backoff = new Backoff(reconnectBackoff, components.rand);
    this.useGrpc = !config.framedMessages;
  }

  /** Which channel carries the messages stream now (null while none is open); for tests and debugging. */
  get channelKind(): 'framed' | 'grpc' | null {
    return this.channel?.kind ?? null;
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
    this.channel?.close();
    this.channel = null;
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
      { address: this.config.localAddress, messages: [message] },
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
    if (this.closed || this.waitingForDrain || this.reconnectTimer !== null || this.connecting) return;
    if (this.queue.size === 0) return;
    const channel = this.channel ?? this.open();
    if (channel === null) return;
    channel.batch(() => {
      while (this.queue.size > 0) {
        const messages = this.nextFrameMessages();
        if (!channel.write({ address: this.config.localAddress, messages })) {
          this.waitingForDrain = true;
          channel.onceDrain(() => {
            if (this.channel !== channel) return;
            this.waitingForDrain = false;
            this.pump();
          });
          return;
        }
      }
    });
  }

  /** Up to frameMessageCountMax queued messages whose entries stay within frameEntryBytesMax (at least one). */
  private nextFrameMessages(): RaftMessage[] {
    const messages: RaftMessage[] = [];
    let entryBytes = 0;
    for (let next = this.queue.peek(); next !== undefined; next = this.queue.peek()) {
      const bytes = next.entries.reduce((sum, entry) => sum + entry.data.byteLength, 0);
      if (
        messages.length > 0 &&
        (messages.length === frameMessageCountMax || entryBytes + bytes > frameEntryBytesMax)
      ) {
        break;
      }
      messages.push(next);
      entryBytes += bytes;
      this.queue.poll();
    }
    return messages;
  }

  /** The gRPC stream at once, or null while the framed handshake runs (pump runs again when it is done). */
  private open(): MessageChannel | null {
    if (this.useGrpc) {
      const channel: MessageChannel = grpcMessagesChannel(this.client, (error) => this.onChannelEnded(channel, error));
      this.channel = channel;
      return channel;
    }
    this.connecting = true;
    connectFramed(this.address, this.config.tls, this.components.clock).then((result) => this.onConnected(result));
    return null;
  }

  private onConnected(result: FramedConnectResult): void {
    this.connecting = false;
    if (this.closed) {
      if (result.kind === 'ready') result.socket.destroy();
      return;
    }
    if (result.kind === 'failed') {
      this.scheduleReconnect(result.reason);
      return;
    }
    if (result.kind === 'unsupported') {
      this.components.log.debug(
        { peer: this.peerId, reason: result.reason },
        'peer does not speak the framed raft path; using the gRPC stream',
      );
      this.useGrpc = true;
    } else {
      this.components.log.debug({ peer: this.peerId, address: this.address }, 'framed raft connection to peer open');
      const channel: MessageChannel = framedChannel(result.socket, (error) => this.onChannelEnded(channel, error));
      this.channel = channel;
    }
    this.pump();
  }

  private onChannelEnded(channel: MessageChannel, error: Error | null): void {
    if (this.channel !== channel || this.closed) return;
    this.channel = null;
    this.waitingForDrain = false;
    if (channel.kind === 'grpc') this.useGrpc = !this.config.framedMessages;
    this.scheduleReconnect(error?.message ?? 'closed by peer');
  }

  private scheduleReconnect(reason: string): void {
    const delayMs = this.backoff.next();
    this.components.log.debug({ peer: this.peerId, err: reason, delayMs }, 'raft stream to peer failed');
    this.reconnectTimer = this.components.clock.setTimer(delayMs, () => {
      this.reconnectTimer = null;
      this.pump();
    });
  }
}
