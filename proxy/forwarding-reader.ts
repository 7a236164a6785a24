// Reads of a socket the proxy dials, taken through Node's `onread` option: the kernel (or OpenSSL, for TLS) reads
// into one buffer kept with the connection and each chunk is written straight to the other side. The readable-stream
// path it replaces allocates a 64 KiB buffer per read and goes through push, a 'data' event and pipe for every chunk.
// Accepted sockets cannot take `onread` (Node creates them), so the relay pipes those.

import type { OnReadOpts, Socket } from 'node:net';

/** The plaintext of one full TLS record, which is also the chunk Node's own TLS reads use. */
export const READ_BUFFER_BYTES = 16_384;

interface DialAttempt {
  /** Copies of what arrived before `attach` (a server that speaks first, or data behind the handshake). */
  readonly early: Buffer[];
}

export class ForwardingReader {
  private buffer: Buffer | null = null;
  private attempt: DialAttempt | null = null;
  private source: Socket | null = null;
  private target: Socket | null = null;

  /**
   * `onread` for one dial attempt. Only the latest attempt is forwarded: a socket given up on (a failed dial, a
   * rejected peer) must not leak what it sent into the next one's stream.
   */
  onreadForDial(): OnReadOpts {
    const attempt: DialAttempt = { early: [] };
    this.attempt = attempt;
    return {
      buffer: () => this.readBuffer(),
      callback: (bytes, buffer) => this.forward(attempt, (buffer as Buffer).subarray(0, bytes)),
    };
  }

  /** Sends what `source` (the latest attempt's socket) reads to `target`, starting with anything read before. */
  attach(source: Socket, target: Socket): void {
    this.source = source;
    this.target = target;
    for (const chunk of this.attempt?.early.splice(0) ?? []) target.write(chunk);
  }

  /** The buffer Node reads into; replaced when a pending write still holds the previous one. */
  private readBuffer(): Buffer {
    this.buffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
    return this.buffer;
  }

  /** Returning false makes Node stop reading the source until it is resumed. */
  private forward(attempt: DialAttempt, chunk: Buffer): boolean {
    if (attempt !== this.attempt) return false;
    const target = this.target;
    if (target === null) {
      attempt.early.push(Buffer.from(chunk));
      return true;
    }
    const accepted = target.write(chunk);
    // A write the kernel did not take whole (or one queued behind others) keeps pointing into the buffer until it
    // completes, so the next read must land elsewhere.
    if (target.writableLength > 0) this.buffer = null;
    if (accepted) return true;
    target.once('drain', this.resumeSource);
    return false;
  }

  private readonly resumeSource = (): void => {
    this.source?.resume();
  };
}
