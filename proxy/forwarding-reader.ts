// Reads of a socket the proxy dials, taken through Node's `onread` option: the kernel (or OpenSSL, for TLS) reads
// into a buffer kept with the connection and each chunk is written straight to the other side. The readable-stream
// path it replaces allocates a 64 KiB buffer per read and goes through push, a 'data' event and pipe for every chunk.
// Accepted sockets cannot take `onread` (Node creates them), so `takeOver` gives an accepted socket the same reads
// after the fact: it sets the fields `onread` would have set (found on a probe socket, see onread-fields.ts) and
// points the socket's handle at our buffer, exactly what net.Socket does for `onread` at creation.
//
// A written chunk may still point into the read buffer until its write completes. A TLS write always completes
// later (after the encrypted bytes went out), so towards TLS the buffer is lent to the write and taken back when it
// calls back: a steady flow needs two buffers and no allocation. A TCP write nearly always completes inside
// write(), where a callback would only cost (callgrind: +3k instructions per request); in the rare case it does
// not, the buffer is left to the write and a new one taken. A chunk that would wait behind other writes is copied
// at its own size instead: lending whole buffers to a backed-up queue would hold 16 KiB per small chunk.

import type { OnReadOpts, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { installOnread } from './onread-fields.js';

/** The plaintext of one full TLS record, which is also the chunk Node's own TLS reads use. */
export const READ_BUFFER_BYTES = 16_384;

interface DialAttempt {
  /** Copies of what arrived before `attach` (a server that speaks first, or data behind the handshake). */
  readonly early: Buffer[];
}

export class ForwardingReader {
  /** Where the next read lands. */
  private current: Buffer | null = null;
  /** A buffer whose write has called back, ready to be read into again. */
  private spare: Buffer | null = null;
  /** Towards TLS: one entry per direct write not yet called back, oldest first (its buffer, or null). */
  private readonly lent: (Buffer | null)[] = [];
  private lendBuffers = false;
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
    this.lendBuffers = target instanceof TLSSocket;
    for (const chunk of this.attempt?.early.splice(0) ?? []) target.write(chunk);
  }

  /**
   * Makes an accepted socket's reads go to `target` like a dialled one's: false (and nothing changed) when this Node
   * cannot, in which case the caller pipes. What the socket read before now is written first, in order.
   */
  takeOver(source: Socket, target: Socket): boolean {
    if (source.destroyed) return false;
    const onread = this.onreadForDial();
    if (!installOnread(source, onread)) {
      this.attempt = null;
      return false;
    }
    this.attach(source, target);
    // Chunks the readable side took in before the switch are its own buffers, not ours: written as they are.
    let accepted = true;
    for (let chunk = source.read() as Buffer | null; chunk !== null; chunk = source.read() as Buffer | null) {
      accepted = target.write(chunk);
    }
    if (accepted) source.resume();
    else target.once('drain', this.resumeSource);
    return true;
  }

  private readBuffer(): Buffer {
    if (this.current === null) {
      this.current = this.spare ?? Buffer.allocUnsafe(READ_BUFFER_BYTES);
      this.spare = null;
    }
    return this.current;
  }

  /** Returning false makes Node stop reading the source until it is resumed. */
  private forward(attempt: DialAttempt, chunk: Buffer): boolean {
    if (attempt !== this.attempt) return false;
    const target = this.target;
    if (target === null) {
      attempt.early.push(Buffer.from(chunk));
      return true;
    }
    let accepted: boolean;
    if (target.writableLength > 0) {
      accepted = target.write(Buffer.from(chunk));
    } else if (this.lendBuffers) {
      accepted = target.write(chunk, this.writtenDirect);
      // Still counted as unwritten: the write holds on to the read buffer until it calls back.
      if (target.writableLength > 0) {
        this.lent.push(this.current);
        this.current = null;
      } else this.lent.push(null);
    } else {
      accepted = target.write(chunk);
      if (target.writableLength > 0) this.current = null;
    }
    if (accepted) return true;
    target.once('drain', this.resumeSource);
    return false;
  }

  /** Direct writes call back in the order they were made; a buffer lent to one is free again. */
  private readonly writtenDirect = (): void => {
    const buffer = this.lent.shift();
    if (buffer && this.target?.destroyed === false) this.spare = buffer;
  };

  private readonly resumeSource = (): void => {
    this.source?.resume();
  };
}
