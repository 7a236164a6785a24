// An in-process RaftTransport for tests: transports registered on one MemoryNetwork deliver to each other on a
// later microtask, through the same bounded per-peer queue and drop counters as the gRPC transport. The network
// can cut nodes off to make partitions.

import { assert } from '../../lib/assert.js';
import { ShutdownError } from '../../lib/errors.js';
import type { AbortOptions } from '../../lib/lifecycle.js';
import { throwIfAborted } from '../../lib/lifecycle.js';
import type { NodeId, RaftMessage, SnapshotMeta } from '../core/types.js';
import { TransportError } from '../errors.js';
import { peerQueueCapacity } from './defaults.js';
import {
  type MessageHandler,
  type RaftTransport,
  type SnapshotHandler,
  TransportCounters,
  type TransportStats,
} from './transport.js';

export class MemoryNetwork {
  private readonly nodes = new Map<NodeId, MemoryTransport>();
  private readonly isolated = new Set<NodeId>();

  /** A transport for `id`, reachable at the address `memory://<id>`. */
  transport(id: NodeId, queueCapacity = peerQueueCapacity): MemoryTransport {
    const transport = new MemoryTransport(this, id, queueCapacity);
    this.nodes.set(id, transport);
    return transport;
  }

  /** Cuts `id` off from everyone (both directions) until `heal`. */
  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  heal(id?: NodeId): void {
    if (id === undefined) this.isolated.clear();
    else this.isolated.delete(id);
  }

  /** The running transport at `address` if `from` can reach it. */
  reach(from: NodeId, address: string): MemoryTransport | null {
    const id = address.replace(/^memory:\/\//, '');
    const target = this.nodes.get(id);
    if (!target?.isRunning() || this.isolated.has(from) || this.isolated.has(id)) return null;
    return target;
  }
}

export class MemoryTransport implements RaftTransport {
  readonly localAddress: string;
  private readonly peers = new Map<NodeId, string>();
  private readonly queued = new Map<NodeId, number>();
  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly snapshotHandlers = new Set<SnapshotHandler>();
  private readonly counters = new TransportCounters();
  private running = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly localId: NodeId,
    private readonly queueCapacity: number,
  ) {
    this.localAddress = `memory://${localId}`;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  isRunning(): boolean {
    return this.running;
  }

  setPeer(id: NodeId, address: string): void {
    this.peers.set(id, address);
  }

  removePeer(id: NodeId): void {
    this.peers.delete(id);
  }

  send(message: RaftMessage): boolean {
    assert(message.from === this.localId, `message from ${message.from} sent through ${this.localId}`);
    const address = this.peers.get(message.to);
    const queued = this.queued.get(message.to) ?? 0;
    if (!this.running || address === undefined || queued >= this.queueCapacity) {
      this.counters.droppedCount++;
      return false;
    }
    this.queued.set(message.to, queued + 1);
    this.counters.sentCount++;
    queueMicrotask(() => {
      this.queued.set(message.to, (this.queued.get(message.to) ?? 1) - 1);
      const target = this.network.reach(this.localId, address);
      if (target) target.deliver(message, this.localAddress);
      else this.counters.droppedCount++;
    });
    return true;
  }

  onMessage(handler: MessageHandler): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  async sendSnapshot(
    to: NodeId,
    meta: SnapshotMeta,
    sizeBytes: number,
    chunks: AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    if (!this.running) throw new ShutdownError('transport stopped');
    const address = this.peers.get(to);
    const target = address === undefined ? null : this.network.reach(this.localId, address);
    if (!target) throw new TransportError(`peer ${to} is unreachable`);
    const copied = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunks) {
        throwIfAborted(options.signal);
        yield chunk.slice();
      }
    };
    await target.receiveSnapshot({ from: this.localId, meta, sizeBytes, chunks: copied() }, options);
    this.counters.snapshotsSentCount++;
  }

  onSnapshot(handler: SnapshotHandler): () => void {
    this.snapshotHandlers.add(handler);
    return () => this.snapshotHandlers.delete(handler);
  }

  stats(): TransportStats {
    return this.counters.snapshot();
  }

  private deliver(message: RaftMessage, fromAddress: string): void {
    this.counters.receivedCount++;
    // A server that joins learns its peers' addresses from their first messages (hashicorp/raft's RPC header).
    if (!this.peers.has(message.from)) this.peers.set(message.from, fromAddress);
    for (const handler of this.messageHandlers) handler(message);
  }

  private async receiveSnapshot(snapshot: Parameters<SnapshotHandler>[0], options: AbortOptions): Promise<void> {
    const handler = [...this.snapshotHandlers][0];
    if (!handler) throw new TransportError(`${this.localId} does not accept snapshots`);
    await handler(snapshot, options);
    this.counters.snapshotsReceivedCount++;
  }
}
