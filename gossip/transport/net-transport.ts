// UDP and TCP on one host:port with node:dgram and node:net. The dgram 'message' handler hands each datagram
// straight to the driver (node keeps the kernel receive queue; we ask for a larger SO_RCVBUF); TCP connections
// carry length-prefixed frames with a size limit and an idle timeout. Every failure is counted, not thrown.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, isIPv6, type Server, type Socket } from 'node:net';
import { abortReason } from '../../lib/errors.js';
import type { AbortOptions } from '../../lib/lifecycle.js';
import { LifecycleState } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { FrameQueue } from './frame-queue.js';
import { encodeFrameHeader, FrameReader } from './framing.js';
import {
  FrameTooLargeError,
  formatAddress,
  type GossipStream,
  type GossipTransport,
  newTransportCounters,
  type PacketHandler,
  parseAddress,
  StreamClosedError,
  type StreamHandler,
  TransportError,
  type TransportLimits,
} from './transport.js';

export interface NetTransportConfig {
  readonly bindAddress: string;
  /** 0 picks a free port (UDP first, then TCP on the same number). */
  readonly bindPort: number;
  readonly limits: TransportLimits;
  /** Requested SO_RCVBUF; the kernel may cap it (net.core.rmem_max), which is logged, not fatal. */
  readonly receiveBufferSizeBytes: number;
}

export interface NetTransportComponents {
  readonly log: Logger;
}

export const defaultReceiveBufferSizeBytes = 4 * 1024 * 1024;

class NetStream implements GossipStream {
  private readonly queue = new FrameQueue();
  private readonly reader: FrameReader;

  constructor(
    private readonly socket: Socket,
    readonly remoteAddress: string,
    private readonly limits: TransportLimits,
    onTimeout: () => void,
    onOversized: () => void,
  ) {
    this.reader = new FrameReader(limits.frameSizeBytesMax);
    socket.setNoDelay(true);
    socket.setTimeout(limits.streamIdleTimeoutMs, () => {
      onTimeout();
      this.fail(new StreamClosedError(`gossip stream to ${remoteAddress} idle for ${limits.streamIdleTimeoutMs} ms`));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.reader.push(chunk)) this.queue.deliver(frame);
      } catch (error) {
        onOversized();
        this.fail(error as Error);
      }
    });
    socket.on('end', () => this.fail(new StreamClosedError()));
    socket.on('close', () => this.queue.end(new StreamClosedError()));
    socket.on('error', (error) =>
      this.fail(new StreamClosedError(`gossip stream to ${remoteAddress} failed`, { cause: error })),
    );
  }

  private fail(error: Error): void {
    this.queue.end(error);
    this.socket.destroy();
  }

  write(frame: Uint8Array, options: AbortOptions = {}): Promise<void> {
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    if (frame.length > this.limits.frameSizeBytesMax) {
      return Promise.reject(new FrameTooLargeError(frame.length, this.limits.frameSizeBytesMax));
    }
    if (this.queue.isEnded() || this.socket.destroyed) return Promise.reject(new StreamClosedError());
    return new Promise((resolve, reject) => {
      // Corked, the header and body leave in one segment (one writev): with no-delay on, two writes were two
      // segments and two ACKs, ~100 bytes of TCP/IP headers per message for a 4-byte length.
      this.socket.cork();
      this.socket.write(encodeFrameHeader(frame.length));
      this.socket.write(frame, (error) =>
        error ? reject(new StreamClosedError(undefined, { cause: error })) : resolve(),
      );
      this.socket.uncork();
    });
  }

  read(options: AbortOptions = {}): Promise<Uint8Array> {
    return this.queue.read(options);
  }

  close(): void {
    this.queue.end(new StreamClosedError());
    this.socket.end();
    this.socket.destroySoon();
  }
}

export class NetTransport implements GossipTransport {
  readonly counters = newTransportCounters();
  private readonly lifecycle = new LifecycleState();
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private boundPort = 0;
  private readonly packetHandlers = new Set<PacketHandler>();
  private readonly streamHandlers = new Set<StreamHandler>();
  private readonly inbound = new Set<Socket>();
  private readonly outbound = new Set<Socket>();

  constructor(
    private readonly components: NetTransportComponents,
    private readonly config: NetTransportConfig,
  ) {}

  localAddress(): string {
    return formatAddress(this.config.bindAddress, this.boundPort);
  }

  start(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.start(async () => {
      const type = isIPv6(this.config.bindAddress) ? 'udp6' : 'udp4';
      const udp = createSocket({ type, reuseAddr: false });
      this.udp = udp;
      udp.on('message', (bytes, remote) => this.receivePacket(bytes, formatAddress(remote.address, remote.port)));
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.config.bindPort, this.config.bindAddress, () => {
          udp.off('error', reject);
          resolve();
        });
      }).catch((error: unknown) => {
        const where = formatAddress(this.config.bindAddress, this.config.bindPort);
        const code = (error as NodeJS.ErrnoException).code;
        const reason =
          code === 'EADDRINUSE'
            ? 'the address is already in use'
            : code === 'EADDRNOTAVAIL'
              ? 'no local interface has this address'
              : String(code ?? error);
        throw new TransportError('ERR_GOSSIP_BIND', `cannot bind gossip UDP on ${where}: ${reason}`, { cause: error });
      });
      // Only once bound: a failed bind is the one error thrown above, not also a warning with its stack.
      udp.on('error', (error) => this.components.log.warn({ err: error }, 'gossip UDP socket error'));
      this.boundPort = udp.address().port;
      this.raiseReceiveBuffer(udp);
      const tcp = createServer({ noDelay: true }, (socket) => this.acceptStream(socket));
      this.tcp = tcp;
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: this.boundPort, host: this.config.bindAddress, signal: options.signal }, () => {
          tcp.off('error', reject);
          resolve();
        });
      }).catch((error: unknown) => {
        udp.close();
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === 'EADDRINUSE' ? 'the address is already in use' : String(code ?? error);
        throw new TransportError('ERR_GOSSIP_BIND', `cannot listen on TCP ${this.localAddress()}: ${reason}`, {
          cause: error,
        });
      });
      tcp.on('error', (error) => this.components.log.warn({ err: error }, 'gossip TCP listener error'));
    });
  }

  private raiseReceiveBuffer(udp: UdpSocket): void {
    try {
      udp.setRecvBufferSize(this.config.receiveBufferSizeBytes);
    } catch (error) {
      this.components.log.warn(
        { err: error, requestedBytes: this.config.receiveBufferSizeBytes, actualBytes: udp.getRecvBufferSize() },
        'could not raise the gossip UDP receive buffer; bursts may be dropped by the kernel',
      );
    }
  }

  stop(): Promise<void> {
    return this.lifecycle.stop(async () => {
      for (const socket of [...this.inbound, ...this.outbound]) socket.destroy();
      this.inbound.clear();
      this.outbound.clear();
      const tcp = this.tcp;
      const udp = this.udp;
      this.tcp = null;
      this.udp = null;
      await Promise.all([
        tcp ? new Promise<void>((resolve) => tcp.close(() => resolve())) : undefined,
        udp ? new Promise<void>((resolve) => udp.close(() => resolve())) : undefined,
      ]);
    });
  }

  private receivePacket(bytes: Buffer, from: string): void {
    if (bytes.length > this.config.limits.packetSizeBytesMax) {
      this.counters.packetsOversized++;
      return;
    }
    this.counters.packetsReceived++;
    this.counters.packetBytesReceived += bytes.length;
    for (const handler of this.packetHandlers) {
      try {
        handler(from, bytes);
      } catch (error) {
        this.counters.handlerErrors++;
        this.components.log.error({ err: error, from }, 'gossip packet handler failed');
      }
    }
  }

  sendPacket(to: string, bytes: Uint8Array): void {
    const udp = this.udp;
    if (!udp || bytes.length > this.config.limits.packetSizeBytesMax) {
      this.counters.packetSendFailed++;
      return;
    }
    let target: { host: string; port: number };
    try {
      target = parseAddress(to);
    } catch {
      this.counters.packetSendFailed++;
      return;
    }
    this.counters.packetsSent++;
    this.counters.packetBytesSent += bytes.length;
    udp.send(bytes, target.port, target.host, (error) => {
      if (error) this.counters.packetSendFailed++;
    });
  }

  onPacket(handler: PacketHandler): () => void {
    this.packetHandlers.add(handler);
    return () => this.packetHandlers.delete(handler);
  }

  onStream(handler: StreamHandler): () => void {
    this.streamHandlers.add(handler);
    return () => this.streamHandlers.delete(handler);
  }

  private acceptStream(socket: Socket): void {
    if (!this.lifecycle.isRunning() || this.inbound.size >= this.config.limits.inboundStreamCountMax) {
      this.counters.streamsRefused++;
      socket.destroy();
      return;
    }
    this.counters.streamsAccepted++;
    this.inbound.add(socket);
    socket.on('close', () => this.inbound.delete(socket));
    const remote = formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const stream = this.wrap(socket, remote);
    for (const handler of this.streamHandlers) {
      try {
        handler(stream);
      } catch (error) {
        this.counters.handlerErrors++;
        this.components.log.error({ err: error, from: remote }, 'gossip stream handler failed');
        stream.close();
      }
    }
  }

  private wrap(socket: Socket, remote: string): NetStream {
    return new NetStream(
      socket,
      remote,
      this.config.limits,
      () => this.counters.streamsTimedOut++,
      () => this.counters.framesOversized++,
    );
  }

  async openStream(to: string, options: AbortOptions = {}): Promise<GossipStream> {
    if (!this.lifecycle.isRunning()) throw new StreamClosedError('gossip transport is not running');
    const { host, port } = parseAddress(to);
    const socket = createConnection({ host, port, localAddress: this.config.bindAddress, noDelay: true });
    this.outbound.add(socket);
    socket.on('close', () => this.outbound.delete(socket));
    socket.setTimeout(this.config.limits.streamIdleTimeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const signal = options.signal;
        const onAbort = (): void => reject(abortReason(signal!));
        if (signal?.aborted) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        const settle = (): void => {
          signal?.removeEventListener('abort', onAbort);
          socket.off('timeout', onTimeout);
        };
        const onTimeout = (): void => {
          settle();
          reject(new StreamClosedError(`connecting to ${to} timed out`));
        };
        socket.once('timeout', onTimeout);
        socket.once('connect', () => {
          settle();
          resolve();
        });
        socket.once('error', (error) => {
          settle();
          reject(new StreamClosedError(`cannot open a gossip stream to ${to}: ${error.message}`, { cause: error }));
        });
      });
    } catch (error) {
      socket.destroy();
      throw error;
    }
    this.counters.streamsOpened++;
    return this.wrap(socket, to);
  }
}
