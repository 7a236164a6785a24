// The DNS listener: UDP datagrams and TCP streams (2-byte length framing, RFC 1035 §4.2.2) on each client
// address, handing every message to the DnsHandler and sending back what it returns. Bounded everywhere: UDP
// queries in flight, TCP connections, queries in flight per connection, idle connections; what is refused is
// counted. Nothing a peer sends can throw out of here.

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { ListenError } from '../http/server.js';
import type { DnsCounters } from './counters.js';
import { dnsDefaults } from './defaults.js';
import type { DnsHandler } from './handler.js';

export interface DnsServerComponents {
  readonly handler: Pick<DnsHandler, 'handle'>;
  readonly counters: DnsCounters;
  readonly log: Logger;
}

export interface DnsServerConfig {
  readonly addresses: readonly string[];
  /** 0 picks a free port (UDP first, then TCP on the same number). */
  readonly port: number;
  readonly tcpIdleTimeoutMs?: number;
  readonly tcpConnectionsMax?: number;
}

export interface DnsBoundAddress {
  readonly address: string;
  readonly port: number;
}

interface Listener {
  readonly udp: UdpSocket;
  readonly tcp: Server;
  readonly address: string;
  readonly port: number;
}

export class DnsServer implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly listeners: Listener[] = [];
  private readonly connections = new Set<Socket>();
  private udpInFlight = 0;

  constructor(
    private readonly components: DnsServerComponents,
    readonly config: DnsServerConfig,
  ) {}

  /** Where it listens (UDP and TCP share each port), once started. */
  get boundAddresses(): readonly DnsBoundAddress[] {
    return this.listeners.map(({ address, port }) => ({ address, port }));
  }

  start(_options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.start(async () => {
      try {
        for (const address of this.config.addresses) this.listeners.push(await this.listen(address));
      } catch (error) {
        await this.closeAll();
        throw error;
      }
      for (const { address, port } of this.listeners)
        this.components.log.info({ address, port }, 'Started DNS server (udp and tcp)');
    });
  }

  stop(_options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.stop(async () => {
      await this.closeAll();
      this.components.log.info('Stopped DNS server');
    });
  }

  private async listen(address: string): Promise<Listener> {
    const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    // A taken port reads "cannot listen on 127.0.0.1:8600: address already in use", as the HTTP listener's does.
    await new Promise<void>((resolve, reject) => {
      udp.once('error', (error) => reject(new ListenError(address, this.config.port, { cause: error })));
      udp.bind(this.config.port, address, () => {
        udp.removeAllListeners('error');
        resolve();
      });
    });
    udp.on('error', (error) => this.components.log.warn({ err: error }, 'DNS UDP socket error'));
    udp.on('message', (message, remote) => this.onDatagram(udp, message, remote));
    const port = udp.address().port;
    const tcp = createServer((socket) => this.onConnection(socket));
    tcp.maxConnections = this.config.tcpConnectionsMax ?? dnsDefaults.tcpConnectionsMax;
    tcp.on('drop', () => this.components.counters.tcpConnectionsRejected++);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', (error) => reject(new ListenError(address, port, { cause: error })));
        tcp.listen(port, address, () => {
          tcp.removeAllListeners('error');
          resolve();
        });
      });
    } catch (error) {
      udp.close();
      throw error;
    }
    tcp.on('error', (error) => this.components.log.warn({ err: error }, 'DNS TCP listener error'));
    return { udp, tcp, address, port };
  }

  private onDatagram(udp: UdpSocket, message: Buffer, remote: RemoteInfo): void {
    if (this.udpInFlight >= dnsDefaults.udpQueriesInFlightMax) {
      this.components.counters.overloadDropped++;
      return;
    }
    this.udpInFlight++;
    this.components.handler
      .handle(message, 'udp', plainIp(remote.address))
      .then((reply) => {
        if (reply !== null && this.lifecycle.isRunning())
          udp.send(reply, remote.port, remote.address, (error) => {
            if (error) this.components.log.debug({ err: error }, 'DNS UDP reply not sent');
          });
      })
      .catch((error: unknown) => this.components.log.error({ err: error }, 'DNS UDP query failed'))
      .finally(() => {
        this.udpInFlight--;
      });
  }

  private onConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.setTimeout(this.config.tcpIdleTimeoutMs ?? dnsDefaults.tcpIdleTimeoutMs, () => socket.destroy());
    socket.on('error', () => undefined); // a reset peer: the close below cleans up
    socket.on('close', () => this.connections.delete(socket));
    let buffered: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      // The 2-byte length bounds a frame to 64 KiB, so at most one frame plus a partial one is ever buffered.
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (length > dnsDefaults.queryBytesMax || length < 12) {
          this.components.counters.malformedDropped++;
          socket.destroy();
          return;
        }
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        inFlight++;
        if (inFlight >= dnsDefaults.tcpQueriesInFlightMax) socket.pause();
        this.components.handler
          .handle(Buffer.from(message), 'tcp', plainIp(socket.remoteAddress ?? ''))
          .then((reply) => {
            if (reply === null) {
              socket.destroy(); // garbage on a stream: the framing can no longer be trusted
              return;
            }
            if (socket.destroyed) return;
            const frame = Buffer.allocUnsafe(2 + reply.length);
            frame.writeUInt16BE(reply.length, 0);
            reply.copy(frame, 2);
            socket.write(frame);
          })
          .catch((error: unknown) => this.components.log.error({ err: error }, 'DNS TCP query failed'))
          .finally(() => {
            inFlight--;
            if (socket.isPaused() && inFlight < dnsDefaults.tcpQueriesInFlightMax) socket.resume();
          });
      }
    });
  }

  private async closeAll(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    const listeners = this.listeners.splice(0);
    await Promise.all(
      listeners.map(
        ({ udp, tcp }) =>
          new Promise<void>((resolve) => {
            let pending = 2;
            const done = () => {
              if (--pending === 0) resolve();
            };
            try {
              udp.close(done);
            } catch {
              done(); // already closed
            }
            tcp.close(() => done());
          }),
      ),
    );
  }
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; nodes register the plain form. */
function plainIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
