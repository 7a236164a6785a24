// A multiplexed mTLS connection between two sidecars (frames.ts): one TLS connection carries many callers'
// connections as streams, so the handshake, the TLS records and the socket writes of many requests are shared.
// Frames produced during one event-loop turn leave in one write; frames are read with Node's `onread` into a
// buffer kept with the session. The dialling side opens streams; the accepting side is told of each through
// `onOpen`. Anything malformed from the peer closes the whole session (and its streams): no later byte can be
// trusted.

import type { OnReadOpts, Socket } from 'node:net';
import { StreamError } from '../errors.js';
import { installOnread } from '../onread-fields.js';
import {
  FRAME_HEADER_BYTES,
  FrameParser,
  FrameType,
  MuxProtocolError,
  WINDOW_PAYLOAD_BYTES,
  writeFrameHeader,
} from './frames.js';
import { MuxStream, type StreamSession } from './stream.js';

export const MUX_LIMITS = {
  /** A DATA frame carries at most one read of a socket, which Node and the shared buffer keep at 64 KiB. */
  payloadMax: 65_536,
  /** Unacknowledged bytes per stream and direction: 256 KiB keeps a loopback or LAN stream at full speed. */
  windowBytes: 262_144,
  /** Streams open at once in one session; the dialling side opens another connection beyond it. */
  streamsMax: 1_024,
  /** Outgoing frames gathered before a write (a write happens at the end of each turn regardless). */
  batchBytes: 262_144,
  /**
   * Bytes the session's socket may hold unsent before streams stop reading their sockets until it drains. Windows
   * bound each stream, not a peer that resets streams as fast as it opens them while not reading: this bounds that.
   */
  writeBacklogBytes: 4_194_304,
  /** The read buffer: a few TLS records' worth. */
  readBytes: 65_536,
  /**
   * TCP keepalive on the session's socket: a session outlives its streams, so a peer host that vanished without a
   * FIN must still be noticed (the kernel gives up after this plus its probes) rather than hold the session forever.
   */
  keepAliveMs: 30_000,
} as const;

export type SessionRole = 'dialer' | 'acceptor';

export interface MuxSessionOptions {
  readonly role: SessionRole;
  /** Acceptor: a stream the peer opened. */
  readonly onOpen?: (stream: MuxStream) => void;
  readonly streamsMax?: number;
  readonly windowBytes?: number;
}

/** Why a session ended: null when it closed without error. */
export type SessionEnd = Error | null;

const STREAM_ID_MAX = 0xffff_ffff;

export class MuxSession implements StreamSession {
  private readonly streams = new Map<number, MuxStream>();
  private readonly parser: FrameParser;
  private readonly streamsMax: number;
  private readonly windowBytes: number;
  private batch = Buffer.allocUnsafe(MUX_LIMITS.batchBytes);
  private batchLength = 0;
  private flushScheduled = false;
  private readBuffer = Buffer.allocUnsafe(MUX_LIMITS.readBytes);
  /** Dialer: the next stream ID; acceptor: the highest ID the peer has opened. */
  private lastId = 0;
  private draining = false;
  private ended = false;
  private endReason: SessionEnd = null;
  private readonly endListeners: ((reason: SessionEnd) => void)[] = [];
  private readonly idleListeners: (() => void)[] = [];
  /** Streams that stopped reading their sockets while the session's socket was backed up. */
  private readonly waitingForDrain = new Set<() => void>();
  /** Streams opened over the session's life: for stats and tests. */
  streamsOpened = 0;

  constructor(
    readonly socket: Socket,
    private readonly options: MuxSessionOptions,
  ) {
    this.streamsMax = options.streamsMax ?? MUX_LIMITS.streamsMax;
    this.windowBytes = options.windowBytes ?? MUX_LIMITS.windowBytes;
    this.parser = new FrameParser(
      {
        open: (id) => this.peerOpened(id),
        data: (id, payload) => this.streamFor(id)?.receiveData(payload),
        end: (id) => this.streamFor(id)?.receiveEnd(),
        reset: (id) => this.streamFor(id)?.receiveReset(),
        window: (id, increment) => this.streamFor(id)?.receiveWindow(increment),
      },
      MUX_LIMITS.payloadMax,
    );
    socket.setKeepAlive(true, MUX_LIMITS.keepAliveMs);
    socket.on('drain', () => this.drained());
    socket.on('error', (error) =>
      this.close(new StreamError(options.role === 'dialer' ? 'upstream' : 'downstream', { cause: error })),
    );
    socket.once('close', () => this.close(this.endReason));
    // A FIN from the peer means it will send nothing more: its streams cannot finish.
    socket.once('end', () => this.close(null));
  }

  /** Takes over the socket's reads (what it has buffered first); false when this Node cannot. */
  start(): boolean {
    const buffered: Buffer[] = [];
    for (let chunk = this.socket.read() as Buffer | null; chunk !== null; chunk = this.socket.read() as Buffer | null) {
      buffered.push(chunk);
    }
    const onread: OnReadOpts = {
      buffer: () => this.readBuffer,
      callback: (bytes, buffer) => {
        this.receive((buffer as Buffer).subarray(0, bytes));
        return true;
      },
    };
    if (!installOnread(this.socket, onread)) {
      for (const chunk of buffered) this.receive(chunk);
      this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
      return false;
    }
    for (const chunk of buffered) this.receive(chunk);
    this.socket.resume();
    return true;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Whether the dialer may open another stream here. */
  hasRoom(): boolean {
    return !this.ended && !this.draining && this.streams.size < this.streamsMax && this.lastId < STREAM_ID_MAX;
  }

  /** Dialer: a new stream (OPEN is sent with the next batch). */
  openStream(): MuxStream {
    if (this.options.role !== 'dialer') throw new Error('only the dialling side opens streams');
    if (!this.hasRoom()) throw new Error('the session takes no more streams');
    this.lastId += 1;
    const stream = new MuxStream(this, this.lastId, this.windowBytes);
    this.streams.set(stream.id, stream);
    this.streamsOpened += 1;
    this.queue(FrameType.open, stream.id, 0);
    return stream;
  }

  /** No new streams; the session closes once its streams have. */
  drain(): void {
    this.draining = true;
    if (this.streams.size === 0) this.close(null);
  }

  onEnd(listener: (reason: SessionEnd) => void): void {
    if (this.ended) listener(this.endReason);
    else this.endListeners.push(listener);
  }

  /** Called whenever the last open stream finishes. */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  /** Ends the session and every stream in it. */
  close(reason: SessionEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    const streamError = reason ?? new StreamError('upstream', { cause: new Error('the multiplexed session closed') });
    for (const stream of [...this.streams.values()]) stream.sessionFailed(streamError);
    this.streams.clear();
    this.waitingForDrain.clear();
    if (reason === null) {
      // A clean close lets what is queued (the last RESETs, say) leave first, then says goodbye with a FIN.
      this.flush();
      this.socket.destroy();
    } else this.socket.destroy();
    for (const listener of this.endListeners.splice(0)) listener(reason);
  }

  // ---- StreamSession

  sendData(id: number, chunk: Buffer): void {
    for (let offset = 0; offset < chunk.length; offset += MUX_LIMITS.payloadMax) {
      const part = chunk.subarray(offset, offset + MUX_LIMITS.payloadMax);
      const at = this.queue(FrameType.data, id, part.length);
      if (at >= 0) part.copy(this.batch, at);
    }
  }

  sendEnd(id: number): void {
    this.queue(FrameType.end, id, 0);
  }

  sendReset(id: number): void {
    this.queue(FrameType.reset, id, 0);
  }

  sendWindow(id: number, increment: number): void {
    const at = this.queue(FrameType.window, id, WINDOW_PAYLOAD_BYTES);
    if (at >= 0) this.batch.writeUInt32BE(increment, at);
  }

  congested(): boolean {
    return this.socket.writableLength > MUX_LIMITS.writeBacklogBytes;
  }

  whenDrained(resume: () => void): void {
    this.waitingForDrain.add(resume);
  }

  releaseReadBuffer(): void {
    this.readBuffer = Buffer.allocUnsafe(MUX_LIMITS.readBytes);
  }

  forget(stream: MuxStream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (this.streams.size > 0) return;
    if (this.draining) this.close(null);
    else for (const listener of this.idleListeners) listener();
  }

  // ---- internals

  private drained(): void {
    if (this.congested()) return;
    const waiting = [...this.waitingForDrain];
    this.waitingForDrain.clear();
    for (const resume of waiting) resume();
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    try {
      this.parser.feed(chunk);
    } catch (error) {
      // A protocol error, or a failure handling a frame: either way this session cannot go on, the process can.
      this.close(error instanceof Error ? error : new MuxProtocolError(String(error)));
    }
  }

  /**
   * The open stream a frame is for; undefined for one that has finished (frames cross in flight, so that is normal).
   * A frame for a stream never opened is the peer's error: it cannot be ignored as a late one would be.
   */
  private streamFor(id: number): MuxStream | undefined {
    if (id > this.lastId) throw new MuxProtocolError(`frame for stream ${id}, which was never opened`);
    return this.streams.get(id);
  }

  private peerOpened(id: number): void {
    if (this.options.role !== 'acceptor') throw new MuxProtocolError('the dialling side was sent an OPEN');
    if (id <= this.lastId) throw new MuxProtocolError(`stream ${id} opened out of order (last ${this.lastId})`);
    this.lastId = id;
    if (this.draining || this.streams.size >= this.streamsMax) {
      this.queue(FrameType.reset, id, 0);
      return;
    }
    const stream = new MuxStream(this, id, this.windowBytes);
    this.streams.set(id, stream);
    this.streamsOpened += 1;
    this.options.onOpen?.(stream);
  }

  /** Appends a frame header to the batch; returns where its payload goes (-1 when the session is closed). */
  private queue(type: FrameType, id: number, payloadLength: number): number {
    if (this.ended) return -1;
    const size = FRAME_HEADER_BYTES + payloadLength;
    if (this.batchLength + size > this.batch.length) this.flush();
    const at = this.batchLength;
    writeFrameHeader(this.batch, at, type, id, payloadLength);
    this.batchLength = at + size;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushTurn);
    }
    return at + FRAME_HEADER_BYTES;
  }

  private readonly flushTurn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.batchLength === 0 || this.socket.destroyed) {
      this.batchLength = 0;
      return;
    }
    // The write may hold its chunk until the bytes are encrypted and sent: it gets a copy of the exact size.
    const chunk = Buffer.allocUnsafe(this.batchLength);
    this.batch.copy(chunk, 0, 0, this.batchLength);
    this.batchLength = 0;
    this.socket.write(chunk);
  }
}
