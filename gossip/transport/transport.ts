// The gossip transport contract: unreliable packets (UDP) and reliable, framed streams (TCP) between
// "host:port" addresses. Drivers see only this interface; the UDP/TCP, in-memory and encrypting
// implementations plug in behind it. Failures on the receive path are counted, never thrown at the driver.

import { LatticeError } from '../../lib/errors.js';
import type { AbortOptions, Startable } from '../../lib/lifecycle.js';

/** A reliable, ordered, message-framed byte channel to one peer. */
export interface GossipStream {
  readonly remoteAddress: string;
  /** Sends one frame; rejects with StreamClosedError or FrameTooLargeError. */
  write(frame: Uint8Array, options?: AbortOptions): Promise<void>;
  /** The next frame; rejects with StreamClosedError at the end, FrameTooLargeError, or the signal's reason. */
  read(options?: AbortOptions): Promise<Uint8Array>;
  /** Closes both directions; safe to call twice. */
  close(): void;
}

export type PacketHandler = (from: string, bytes: Uint8Array) => void;
export type StreamHandler = (stream: GossipStream) => void;

export interface GossipTransport extends Startable {
  /** "host:port" this transport receives on (valid after start). */
  localAddress(): string;
  /** Best effort: a packet that cannot be sent is counted and dropped. */
  sendPacket(to: string, bytes: Uint8Array): void;
  onPacket(handler: PacketHandler): () => void;
  openStream(to: string, options?: AbortOptions): Promise<GossipStream>;
  onStream(handler: StreamHandler): () => void;
  readonly counters: TransportCounters;
}

export interface TransportCounters {
  packetsSent: number;
  packetsReceived: number;
  packetBytesSent: number;
  packetBytesReceived: number;
  /** Received packets over `packetSizeBytesMax`. */
  packetsOversized: number;
  /** Outgoing packets over the limit or that the socket refused. */
  packetSendFailed: number;
  streamsOpened: number;
  streamsAccepted: number;
  /** Inbound streams refused because `inboundStreamCountMax` were open. */
  streamsRefused: number;
  /** Streams closed by their idle timeout. */
  streamsTimedOut: number;
  /** Frames over `frameSizeBytesMax` (the stream is closed). */
  framesOversized: number;
  /** Handler exceptions caught at the boundary. */
  handlerErrors: number;
}

export function newTransportCounters(): TransportCounters {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    packetBytesSent: 0,
    packetBytesReceived: 0,
    packetsOversized: 0,
    packetSendFailed: 0,
    streamsOpened: 0,
    streamsAccepted: 0,
    streamsRefused: 0,
    streamsTimedOut: 0,
    framesOversized: 0,
    handlerErrors: 0,
  };
}

export interface TransportLimits {
  /** Largest UDP datagram accepted or sent; bigger ones are dropped and counted. */
  readonly packetSizeBytesMax: number;
  /** Largest stream frame (a push-pull of thousands of members fits well below). */
  readonly frameSizeBytesMax: number;
  /** A stream with no traffic for this long is closed. */
  readonly streamIdleTimeoutMs: number;
  /** Inbound streams open at once; more are refused (closed) and counted. */
  readonly inboundStreamCountMax: number;
}

export const defaultTransportLimits: TransportLimits = Object.freeze({
  // memberlist's UDPBufferSize (1400) plus room for the encryption header and tag, rounded up.
  packetSizeBytesMax: 1_500,
  // 5,000 members × ~600 bytes of push-pull entry each, with headroom.
  frameSizeBytesMax: 8 * 1024 * 1024,
  // memberlist's LAN TCPTimeout.
  streamIdleTimeoutMs: 10_000,
  // Push-pulls arrive about once per interval per member; 128 at once means something is wrong.
  inboundStreamCountMax: 128,
});

export class StreamClosedError extends LatticeError {
  override readonly name: string = 'StreamClosedError';
  constructor(message = 'gossip stream closed', options?: ErrorOptions) {
    super('ERR_GOSSIP_STREAM_CLOSED', message, options);
  }
}

export class FrameTooLargeError extends LatticeError {
  override readonly name = 'FrameTooLargeError';
  constructor(sizeBytes: number, sizeBytesMax: number) {
    super('ERR_GOSSIP_FRAME_TOO_LARGE', `gossip stream frame of ${sizeBytes} bytes exceeds ${sizeBytesMax}`);
  }
}

export class TransportError extends LatticeError {
  override readonly name = 'TransportError';
}

/** Splits "host:port" (IPv6 as "[::1]:8301"); throws TransportError on anything else. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port < 1 || port > 65_535) {
    throw new TransportError('ERR_GOSSIP_ADDRESS', `invalid gossip address "${address}" (expect host:port)`);
  }
  return { host: (match[1] ?? match[2])!, port };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
