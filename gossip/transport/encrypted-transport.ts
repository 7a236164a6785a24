// Encryption as a transport wrapper: packets and stream frames are sealed with the keyring's primary key on the
// way out and opened with any key on the way in (GossipSecurity). A refused packet is counted and logged at most
// once per peer per minute; a refused stream frame closes the stream with a clear error.

import type { AbortOptions } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { encryptionOverheadBytes } from '../crypto.js';
import type { GossipSecurity } from '../security.js';
import {
  type GossipStream,
  type GossipTransport,
  type PacketHandler,
  StreamClosedError,
  type StreamHandler,
  type TransportCounters,
} from './transport.js';

export class GossipDecryptError extends StreamClosedError {
  override readonly name = 'GossipDecryptError';
}

const refusalText: Record<string, string> = {
  decryptFailed: 'no installed key decrypts it (the peer uses a different gossip encryption key)',
  plaintextRefused: 'it is not encrypted (the peer has no gossip encryption key, or encrypt_verify_outgoing = false)',
  malformed: 'it is too short to be an encrypted message',
  tooLarge: 'it is too large',
};

/** Logs a refusal per peer at most once per `intervalMs` (a misconfigured peer would flood the log otherwise). */
class RefusalLog {
  private readonly lastLoggedMs = new Map<string, number>();
  constructor(
    private readonly log: Logger,
    private readonly nowMs: () => number,
    private readonly intervalMs = 60_000,
    private readonly peerCountMax = 1_024,
  ) {}

  refused(kind: 'packet' | 'stream', from: string, reason: string): void {
    const now = this.nowMs();
    const last = this.lastLoggedMs.get(from);
    if (last !== undefined && now - last < this.intervalMs) return;
    if (last === undefined && this.lastLoggedMs.size >= this.peerCountMax) this.lastLoggedMs.clear();
    this.lastLoggedMs.set(from, now);
    this.log.warn({ from, reason }, `refused gossip ${kind} from ${from}: ${refusalText[reason] ?? reason}`);
  }
}

class EncryptedStream implements GossipStream {
  constructor(
    private readonly inner: GossipStream,
    private readonly security: GossipSecurity,
    private readonly frameSizeBytesMax: number,
    private readonly refusals: RefusalLog,
  ) {}

  get remoteAddress(): string {
    return this.inner.remoteAddress;
  }

  write(frame: Uint8Array, options?: AbortOptions): Promise<void> {
    return this.inner.write(this.security.seal(frame), options);
  }

  async read(options?: AbortOptions): Promise<Uint8Array> {
    const sealed = await this.inner.read(options);
    const opened = this.security.open(sealed, this.frameSizeBytesMax + encryptionOverheadBytes);
    if (opened.ok) return opened.plaintext;
    this.refusals.refused('stream', this.remoteAddress, opened.reason);
    this.inner.close();
    throw new GossipDecryptError(
      `refused gossip stream from ${this.remoteAddress}: ${refusalText[opened.reason] ?? opened.reason}`,
    );
  }

  close(): void {
    this.inner.close();
  }
}

export interface EncryptedTransportComponents {
  readonly log: Logger;
  readonly nowMs: () => number;
}

export class EncryptedTransport implements GossipTransport {
  private readonly refusals: RefusalLog;

  constructor(
    components: EncryptedTransportComponents,
    private readonly inner: GossipTransport,
    readonly security: GossipSecurity,
    private readonly limits: { packetSizeBytesMax: number; frameSizeBytesMax: number },
  ) {
    this.refusals = new RefusalLog(components.log, components.nowMs);
  }

  get counters(): TransportCounters {
    return this.inner.counters;
  }

  localAddress(): string {
    return this.inner.localAddress();
  }

  start(options?: AbortOptions): Promise<void> {
    return this.inner.start(options);
  }

  stop(options?: AbortOptions): Promise<void> {
    return this.inner.stop(options);
  }

  sendPacket(to: string, bytes: Uint8Array): void {
    this.inner.sendPacket(to, this.security.seal(bytes));
  }

  onPacket(handler: PacketHandler): () => void {
    return this.inner.onPacket((from, bytes) => {
      const opened = this.security.open(bytes, this.limits.packetSizeBytesMax);
      if (opened.ok) handler(from, opened.plaintext);
      else this.refusals.refused('packet', from, opened.reason);
    });
  }

  async openStream(to: string, options?: AbortOptions): Promise<GossipStream> {
    return this.wrap(await this.inner.openStream(to, options));
  }

  onStream(handler: StreamHandler): () => void {
    return this.inner.onStream((stream) => handler(this.wrap(stream)));
  }

  private wrap(stream: GossipStream): GossipStream {
    return new EncryptedStream(stream, this.security, this.limits.frameSizeBytesMax, this.refusals);
  }
}
