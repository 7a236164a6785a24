// Forwards a question outside our zones to the configured `recursors`, one after another, over the transport the
// client used (UDP, or TCP with 2-byte framing), and relays the first usable reply as it came (Consul's
// handleRecurse): a reply counts when its rcode is NOERROR or NXDOMAIN (or it is truncated); any other rcode, a
// timeout or a send error moves on to the next recursor.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { ipFamily } from './records.js';

export interface RecursorAddress {
  readonly host: string;
  readonly port: number;
}

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`; the port defaults to 53. Null when it is not an IP address. */
export function parseRecursor(text: string): RecursorAddress | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return withPort(bracketed[1]!, bracketed[2]);
  if (ipFamily(text) !== 0) return { host: text, port: 53 };
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  if (hostPort) return withPort(hostPort[1]!, hostPort[2]);
  return null;
}

function withPort(host: string, port: string | undefined): RecursorAddress | null {
  if (ipFamily(host) === 0) return null;
  const number = port === undefined ? 53 : Number(port);
  return number >= 1 && number <= 65_535 ? { host, port: number } : null;
}

export interface RecursorForwarderComponents {
  readonly clock: Clock;
  readonly log: Logger;
}

export interface RecursorForwarderConfig {
  readonly recursors: readonly RecursorAddress[];
  readonly recursorTimeoutMs: number;
}

/** A DNS reply is 64 KiB at most; the socket drops anything larger anyway. */
const replyBytesMax = 65_535;

export class RecursorForwarder {
  constructor(
    private readonly components: RecursorForwarderComponents,
    readonly config: RecursorForwarderConfig,
  ) {}

  /** The first usable reply's bytes, or null when every recursor failed. */
  async forward(query: Buffer, transport: 'udp' | 'tcp' = 'udp'): Promise<Buffer | null> {
    for (const recursor of this.config.recursors) {
      try {
        const reply =
          transport === 'tcp' ? await this.exchangeTcp(query, recursor) : await this.exchange(query, recursor);
        const rcode = reply[3]! & 0x0f;
        const truncated = (reply[2]! & 0x02) !== 0;
        if (rcode === 0 || rcode === 3 || truncated) return reply;
        this.components.log.debug({ recursor, rcode }, 'recurse failed for question');
      } catch (error) {
        this.components.log.error({ err: error, recursor }, 'recurse failed');
      }
    }
    return null;
  }

  /** The recursors' A records for a hostname (Consul's resolveCNAME asks for A only); [] when none answer. */
  async lookupAddress(name: string, id: number): Promise<readonly Answer[]> {
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name, type: 'A', class: 'IN' }],
    });
    const reply = await this.forward(query);
    if (reply === null) return [];
    try {
      return dnsPacket.decode(reply).answers ?? [];
    } catch (error) {
      this.components.log.warn({ err: error, name }, 'recursor reply could not be decoded');
      return [];
    }
  }

  private exchange(query: Buffer, recursor: RecursorAddress): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(ipFamily(recursor.host) === 6 ? 'udp6' : 'udp4');
      const timer = this.components.clock.setTimer(this.config.recursorTimeoutMs, () =>
        finish(new Error(`no reply from ${recursor.host}:${recursor.port} within ${this.config.recursorTimeoutMs}ms`)),
      );
      let done = false;
      const finish = (error: Error | null, reply?: Buffer) => {
        if (done) return;
        done = true;
        timer.cancel();
        socket.close();
        if (error) reject(error);
        else resolve(reply!);
      };
      socket.on('error', (error) => finish(error));
      socket.on('message', (reply, from) => {
        // Only the recursor's answer to this ID counts; anything else on the socket is ignored.
        if (from.port !== recursor.port || reply.length < 12 || reply.length > replyBytesMax) return;
        if (reply.readUInt16BE(0) !== query.readUInt16BE(0)) return;
        finish(null, reply);
      });
      socket.send(query, recursor.port, recursor.host, (error) => {
        if (error) finish(error);
      });
    });
  }

  private exchangeTcp(query: Buffer, recursor: RecursorAddress): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect(recursor.port, recursor.host);
      const timer = this.components.clock.setTimer(this.config.recursorTimeoutMs, () =>
        finish(new Error(`no reply from ${recursor.host}:${recursor.port} within ${this.config.recursorTimeoutMs}ms`)),
      );
      let done = false;
      let buffered: Buffer = Buffer.alloc(0);
      const finish = (error: Error | null, reply?: Buffer) => {
        if (done) return;
        done = true;
        timer.cancel();
        socket.destroy();
        if (error) reject(error);
        else resolve(reply!);
      };
      socket.on('error', (error) => finish(error));
      socket.on('close', () => finish(new Error(`${recursor.host}:${recursor.port} closed the connection`)));
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2) return;
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const reply = buffered.subarray(2, 2 + length);
        if (reply.length < 12 || reply.readUInt16BE(0) !== query.readUInt16BE(0))
          finish(new Error(`${recursor.host}:${recursor.port} answered another question`));
        else finish(null, Buffer.from(reply));
      });
      const frame = Buffer.alloc(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
  }
}
