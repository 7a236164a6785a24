// An in-memory network of transports for tests: packets and stream frames are delivered on a later microtask
// (never re-entering the sender), addresses are plain strings, and a test can cut a node off or drop packets.

import type { AbortOptions } from '../../lib/lifecycle.js';
import { FrameQueue } from './frame-queue.js';
import {
  defaultTransportLimits,
  FrameTooLargeError,
  type GossipStream,
  type GossipTransport,
  newTransportCounters,
  type PacketHandler,
  StreamClosedError,
  type StreamHandler,
  type TransportLimits,
} from './transport.js';

export class MemoryNetwork {
  private readonly transports = new Map<string, MemoryTransport>();
  /** Addresses whose traffic (both ways) is dropped. */
  readonly isolated = new Set<string>();

  createTransport(address: string, limits: TransportLimits = defaultTransportLimits): MemoryTransport {
    const transport = new MemoryTransport(this, address, limits);
    return transport;
  }

  /** @internal */
  register(transport: MemoryTransport): void {
    this.transports.set(transport.localAddress(), transport);
  }

  /** @internal */
  unregister(transport: MemoryTransport): void {
    if (this.transports.get(transport.localAddress()) === transport) this.transports.delete(transport.localAddress());
  }

  /** @internal */
  reachable(from: string, to: string): MemoryTransport | undefined {
    if (this.isolated.has(from) || this.isolated.has(to)) return undefined;
    return this.transports.get(to);
  }
}

class MemoryStream implements GossipStream {
  readonly queue = new FrameQueue();
  peer: MemoryStream | null = null;

  constructor(
    readonly remoteAddress: string,
    private readonly limits: TransportLimits,
  ) {}

  write(frame: Uint8Array, _options?: AbortOptions): Promise<void> {
    if (frame.length > this.limits.frameSizeBytesMax) {
      return Promise.reject(new FrameTooLargeError(frame.length, this.limits.frameSizeBytesMax));
    }
    const peer = this.peer;
    if (!peer || this.queue.isEnded()) return Promise.reject(new StreamClosedError());
    const copy = Uint8Array.from(frame);
    queueMicrotask(() => peer.queue.deliver(copy));
    return Promise.resolve();
  }

  read(options?: AbortOptions): Promise<Uint8Array> {
    return this.queue.read(options);
  }

  close(): void {
    this.queue.end();
    const peer = this.peer;
    if (peer) queueMicrotask(() => peer.queue.end());
  }
}

export class MemoryTransport implements GossipTransport {
  readonly counters = newTransportCounters();
  private readonly packetHandlers = new Set<PacketHandler>();
  private readonly streamHandlers = new Set<StreamHandler>();
  private running = false;

  constructor(
    private readonly network: MemoryNetwork,
    private readonly address: string,
    private readonly limits: TransportLimits,
  ) {}

  localAddress(): string {
    return this.address;
  }

  async start(): Promise<void> {
    this.running = true;
    this.network.register(this);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.network.unregister(this);
  }

  sendPacket(to: string, bytes: Uint8Array): void {
    if (!this.running || bytes.length > this.limits.packetSizeBytesMax) {
      this.counters.packetSendFailed++;
      return;
    }
    this.counters.packetsSent++;
    this.counters.packetBytesSent += bytes.length;
    const target = this.network.reachable(this.address, to);
    if (!target) return;
    const copy = Uint8Array.from(bytes);
    queueMicrotask(() => target.receivePacket(this.address, copy));
  }

  /** @internal */
  receivePacket(from: string, bytes: Uint8Array): void {
    if (!this.running) return;
    if (bytes.length > this.limits.packetSizeBytesMax) {
      this.counters.packetsOversized++;
      return;
    }
    this.counters.packetsReceived++;
    this.counters.packetBytesReceived += bytes.length;
    for (const handler of this.packetHandlers) {
      try {
        handler(from, bytes);
      } catch {
        this.counters.handlerErrors++;
      }
    }
  }

  onPacket(handler: PacketHandler): () => void {
    this.packetHandlers.add(handler);
    return () => this.packetHandlers.delete(handler);
  }

  onStream(handler: StreamHandler): () => void {
    this.streamHandlers.add(handler);
    return () => this.streamHandlers.delete(handler);
  }

  async openStream(to: string, _options?: AbortOptions): Promise<GossipStream> {
    const target = this.running ? this.network.reachable(this.address, to) : undefined;
    if (!target) throw new StreamClosedError(`cannot open a gossip stream to ${to}: unreachable`);
    const local = new MemoryStream(to, this.limits);
    const remote = new MemoryStream(this.address, this.limits);
    local.peer = remote;
    remote.peer = local;
    this.counters.streamsOpened++;
    target.acceptStream(remote);
    return local;
  }

  /** @internal */
  acceptStream(stream: GossipStream): void {
    this.counters.streamsAccepted++;
    for (const handler of this.streamHandlers) {
      try {
        handler(stream);
      } catch {
        this.counters.handlerErrors++;
        stream.close();
      }
    }
  }
}
