// One caller connection carried in a multiplexed session, bound to a plain socket on this side: the caller's
// accepted socket on the dialling sidecar, the local app's socket on the accepting one. Bytes the socket reads are
// framed into the session at once (copied into its outgoing batch, so every socket can read into one shared
// buffer); DATA frames are written to the socket. Flow control is per stream: a sender may have `windowBytes`
// unacknowledged, and the receiver returns credit only once the socket has taken the bytes, so a slow reader on
// one stream holds back that stream alone and never the session.

import type { OnReadOpts, Socket } from 'node:net';
import { StreamError } from '../errors.js';
import { installOnread } from '../onread-fields.js';
import { MuxProtocolError } from './frames.js';

/** What a stream needs from its session; kept narrow so the two files do not know each other's insides. */
export interface StreamSession {
  readonly socket: Socket;
  sendData(id: number, chunk: Buffer): void;
  sendEnd(id: number): void;
  sendReset(id: number): void;
  sendWindow(id: number, increment: number): void;
  /** The session's socket holds more unsent bytes than it should: streams stop reading until it drains. */
  congested(): boolean;
  /** Calls `resume` once (unless the session closes first) when the socket has drained. */
  whenDrained(resume: () => void): void;
  /** The read buffer the last DATA payload points into is now held by a socket write: read into a new one. */
  releaseReadBuffer(): void;
  forget(stream: MuxStream): void;
}

/** Reads of every stream's socket land here and are copied out before the next read: one buffer for all. */
const sharedReadBuffer = Buffer.allocUnsafe(65_536);
const sharedBuffer = () => sharedReadBuffer;

export class MuxStream {
  private socket: Socket | null = null;
  /** DATA that arrived before the socket was bound (the accepting side dials its app after OPEN). */
  private early: Buffer[] | null = [];
  private sendCredit: number;
  private receiveCredit: number;
  /** Bytes handed to the socket and not yet credited back to the sender. */
  private delivered = 0;
  private waitingForDrain = false;
  private pausedForCredit = false;
  /** Reads of the socket stopped until the session's socket drains. */
  private pausedForSession = false;
  /** Read bytes beyond the peer's credit, waiting for it (copies). */
  private held: Buffer[] = [];
  private endAfterHeld = false;
  private endSent = false;
  private endReceived = false;
  /** Either side reset the stream, or the session failed: nothing more is sent for it. */
  private aborted = false;
  private closed = false;
  private failure: Error | null = null;
  private readonly closeListeners: ((error: Error | null) => void)[] = [];

  constructor(
    private readonly session: StreamSession,
    readonly id: number,
    private readonly windowBytes: number,
  ) {
    this.sendCredit = windowBytes;
    this.receiveCredit = windowBytes;
  }

  /** True once the stream can carry nothing more (what rescue checks before resetting a downstream). */
  get destroyed(): boolean {
    return this.aborted || this.closed;
  }

  /** Waiting for the peer to return flow-control credit (reads of the socket stopped). */
  get waitingForCredit(): boolean {
    return this.pausedForCredit;
  }

  /** Not reading its socket until the session's socket drains. */
  get waitingForSession(): boolean {
    return this.pausedForSession;
  }

  /** The session's TLS socket, for the peer's certificate. */
  get sessionSocket(): Socket {
    return this.session.socket;
  }

  /** Node's `onread` for the socket this stream will be bound to, when that socket is dialled. */
  onreadOptions(): OnReadOpts {
    return { buffer: sharedBuffer, callback: (bytes, buffer) => this.forward((buffer as Buffer).subarray(0, bytes)) };
  }

  /**
   * Carries `socket` over this stream until both directions have ended (resolves) or either side failed (rejects
   * with a StreamError). An accepted socket's reads are taken over here; a dialled one was given onreadOptions().
   */
  bind(socket: Socket, accepted: boolean): Promise<void> {
    this.socket = socket;
    const done = new Promise<void>((resolve, reject) => {
      this.onClose((error) => (error === null ? resolve() : reject(error)));
    });
    socket.on('error', (error) =>
      this.fail(new StreamError(accepted ? 'downstream' : 'upstream', { cause: error }), false),
    );
    socket.once('end', () => this.localEnded());
    socket.once('close', () => this.socketClosed());
    if (this.aborted) {
      socket.destroy();
      return done;
    }
    if (accepted) this.takeOverReads(socket);
    const early = this.early?.splice(0) ?? [];
    this.early = null;
    for (const chunk of early) socket.write(chunk);
    // Early bytes count against the window like any others: credit must return for them once the socket takes
    // them, or a sender that used the whole window before the app was dialled would wait forever.
    if (early.length > 0) this.creditWhenWritten(socket);
    if (this.endReceived) socket.end();
    return done;
  }

  /** Called with the reason when the stream has finished: null when both sides ended cleanly. */
  onClose(listener: (error: Error | null) => void): void {
    if (this.closed) listener(this.failure);
    else this.closeListeners.push(listener);
  }

  /** Ends the stream abruptly from this side: the peer gets a RESET and the socket a TCP reset. */
  destroy(reason: Error = new StreamError('downstream')): void {
    this.fail(reason, true);
  }

  resetAndDestroy(): void {
    this.fail(new StreamError('downstream'), true);
  }

  // ---- from the session

  receiveData(payload: Buffer): void {
    this.receiveCredit -= payload.length;
    if (this.receiveCredit < 0) throw new MuxProtocolError(`stream ${this.id} exceeded its flow-control window`);
    if (this.aborted || this.endReceived) return;
    const socket = this.socket;
    if (socket === null) {
      this.early?.push(Buffer.from(payload));
      this.delivered += payload.length;
      return;
    }
    if (socket.destroyed) return;
    if (socket.writableLength > 0) socket.write(Buffer.from(payload));
    else {
      socket.write(payload);
      // The write kept the chunk, which points into the session's read buffer.
      if (socket.writableLength > 0) this.session.releaseReadBuffer();
    }
    this.delivered += payload.length;
    this.creditWhenWritten(socket);
  }

  receiveEnd(): void {
    this.endReceived = true;
    if (this.socket !== null && !this.aborted) this.socket.end();
  }

  /** The far side ended the connection: the socket is closed as a per-connection relay closes it, without a reset. */
  receiveReset(): void {
    this.aborted = true;
    this.fail(new StreamError('upstream', { cause: new Error('the peer reset the stream') }), false);
  }

  receiveWindow(increment: number): void {
    // The peer returns credit only for bytes it was sent, so credit never exceeds the window. More would let a peer
    // have this side read its socket without limit into a session the peer does not read: memory without bound.
    if (this.sendCredit + increment > this.windowBytes) {
      throw new MuxProtocolError(`stream ${this.id} was granted credit beyond its window of ${this.windowBytes} bytes`);
    }
    this.sendCredit += increment;
    if (this.aborted || !this.sendHeld()) return;
    if (this.endAfterHeld) {
      this.endAfterHeld = false;
      this.sendEndNow();
      return;
    }
    if (this.pausedForCredit && this.sendCredit > 0) {
      this.pausedForCredit = false;
      if (!this.pausedForSession) this.socket?.resume();
    }
  }

  /** The session is gone: the socket goes with it, with nothing sent. */
  sessionFailed(error: Error): void {
    this.aborted = true;
    this.fail(error, false);
  }

  // ---- internals

  /**
   * From the socket's reads: framed at once, as far as the peer's credit goes. What a read brings beyond it (chunks
   * the socket had buffered before its reads were taken over, say) is held, copied, until credit returns.
   * False stops reading the socket.
   */
  private forward(chunk: Buffer): boolean {
    if (this.aborted || this.endSent) return false;
    if (this.held.length > 0 || this.pausedForSession) {
      this.held.push(Buffer.from(chunk));
      return false;
    }
    if (this.session.congested()) {
      this.held.push(Buffer.from(chunk));
      this.pauseForSession();
      return false;
    }
    const sendable = Math.min(chunk.length, this.sendCredit);
    if (sendable > 0) {
      this.session.sendData(this.id, sendable === chunk.length ? chunk : chunk.subarray(0, sendable));
      this.sendCredit -= sendable;
    }
    if (sendable < chunk.length) this.held.push(Buffer.from(chunk.subarray(sendable)));
    if (this.sendCredit > 0) return true;
    this.pausedForCredit = true;
    return false;
  }

  /**
   * The session's socket is backed up (a peer that does not read, while its streams come and go): this socket is
   * not read until it drains, whatever credit the stream has, so the session's memory stays bounded.
   */
  private pauseForSession(): void {
    this.pausedForSession = true;
    this.session.whenDrained(() => this.resumeAfterSession());
  }

  private resumeAfterSession(): void {
    this.pausedForSession = false;
    if (this.destroyed) return;
    // Streams resume in turn: an earlier one may have backed the socket up again.
    if (this.session.congested()) {
      this.pauseForSession();
      return;
    }
    if (!this.sendHeld()) {
      this.pausedForCredit = true;
      return;
    }
    if (this.endAfterHeld) {
      this.endAfterHeld = false;
      this.sendEndNow();
      return;
    }
    if (this.sendCredit > 0) {
      this.pausedForCredit = false;
      this.socket?.resume();
    } else this.pausedForCredit = true;
  }

  /** Sends what was held back while credit lasts; true when nothing is left held. */
  private sendHeld(): boolean {
    while (this.held.length > 0 && this.sendCredit > 0) {
      const next = this.held[0]!;
      const sendable = Math.min(next.length, this.sendCredit);
      this.session.sendData(this.id, next.subarray(0, sendable));
      this.sendCredit -= sendable;
      if (sendable === next.length) this.held.shift();
      else this.held[0] = next.subarray(sendable);
    }
    return this.held.length === 0;
  }

  private takeOverReads(socket: Socket): void {
    if (installOnread(socket, this.onreadOptions())) {
      // Chunks the readable side took in before the switch are its own buffers: forwarded as they are.
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        this.forward(chunk);
      }
      if (!this.pausedForCredit && !this.pausedForSession) socket.resume();
      return;
    }
    // A Node whose sockets cannot take `onread` after creation: the readable stream, paused the same way.
    socket.on('data', (chunk: Buffer) => {
      if (!this.forward(chunk)) socket.pause();
    });
  }

  /** Returns credit for delivered bytes once the socket has taken them: now, or when it drains. */
  private creditWhenWritten(socket: Socket): void {
    if (socket.writableLength === 0) this.creditIfWorthIt();
    else if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      socket.once('drain', this.drained);
    }
  }

  private creditIfWorthIt(): void {
    // Small acknowledgements would cost a frame per request; a quarter window keeps the sender well fed.
    if (this.delivered * 4 < this.windowBytes) return;
    this.sendCredit_(this.delivered);
  }

  private sendCredit_(bytes: number): void {
    this.delivered = 0;
    this.receiveCredit += bytes;
    if (!this.aborted) this.session.sendWindow(this.id, bytes);
  }

  private readonly drained = (): void => {
    this.waitingForDrain = false;
    if (this.delivered > 0) this.sendCredit_(this.delivered);
  };

  private localEnded(): void {
    if (this.aborted || this.endSent) return;
    // The FIN follows the bytes before it: after whatever still waits for credit.
    if (this.held.length > 0) this.endAfterHeld = true;
    else this.sendEndNow();
  }

  private sendEndNow(): void {
    this.endSent = true;
    this.session.sendEnd(this.id);
  }

  private socketClosed(): void {
    if (!this.aborted && !(this.endSent && this.endReceived)) {
      // The socket went away before both directions ended (an error or a destroy): the peer must not wait.
      this.fail(this.failure ?? new StreamError('downstream', { cause: new Error('the socket closed early') }), false);
      return;
    }
    this.finish();
  }

  private fail(error: Error, tcpReset: boolean): void {
    if (this.failure === null) this.failure = error;
    if (!this.aborted) {
      this.aborted = true;
      this.session.sendReset(this.id);
    }
    const socket = this.socket;
    if (socket !== null && !socket.destroyed) {
      // Node cannot reset a socket whose FIN is already on its way (libuv refuses and the handle is never closed,
      // which hangs the process at exit): such a socket is closed plainly.
      if (tcpReset && !socket.writableEnded && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
    }
    if (socket === null || socket.destroyed) this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.early = null;
    this.held = [];
    this.session.forget(this);
    for (const listener of this.closeListeners.splice(0)) listener(this.failure);
  }
}
