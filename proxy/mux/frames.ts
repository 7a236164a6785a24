// The wire format of a multiplexed sidecar-to-sidecar connection (ALPN `lattice-mux/1`): after the mTLS handshake
// both ends exchange frames of a 9-byte header — type (1 byte), stream ID (4 bytes), payload length (4 bytes) —
// followed by the payload. Only the dialling side opens streams, with increasing IDs; a stream is one caller's TCP
// connection. END half-closes the sender's direction (a FIN), RESET aborts both, WINDOW returns flow-control credit
// (a 4-byte increment) as the receiver hands data to its local socket.

import { LatticeError } from '../../lib/errors.js';

export const MUX_ALPN = 'lattice-mux/1';

export const FrameType = { open: 1, data: 2, end: 3, reset: 4, window: 5 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_HEADER_BYTES = 9;
export const WINDOW_PAYLOAD_BYTES = 4;

export class MuxProtocolError extends LatticeError {
  constructor(message: string) {
    super('ERR_MUX_PROTOCOL', message);
  }
}

export interface FrameHandler {
  open(id: number): void;
  /** `payload` may point into the buffer that was fed: valid only during the call. */
  data(id: number, payload: Buffer): void;
  end(id: number): void;
  reset(id: number): void;
  window(id: number, increment: number): void;
}

/** Writes a frame header at `offset` of `target`. */
export function writeFrameHeader(target: Buffer, offset: number, type: FrameType, id: number, length: number): void {
  target[offset] = type;
  target.writeUInt32BE(id, offset + 1);
  target.writeUInt32BE(length, offset + 5);
}

/**
 * Splits a byte stream into frames. A frame split across reads is kept (copied) until it is whole; anything that is
 * not a valid frame throws MuxProtocolError and the connection must be closed: no later byte can be trusted.
 */
export class FrameParser {
  private carry: Buffer | null = null;

  constructor(
    private readonly handler: FrameHandler,
    private readonly payloadMax: number,
  ) {}

  feed(chunk: Buffer): void {
    let data = chunk;
    if (this.carry !== null) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const type = data[offset]!;
      const id = data.readUInt32BE(offset + 1);
      const length = data.readUInt32BE(offset + 5);
      this.check(type, id, length);
      if (data.length - offset - FRAME_HEADER_BYTES < length) break;
      const start = offset + FRAME_HEADER_BYTES;
      offset = start + length;
      this.dispatch(type as FrameType, id, data, start, length);
    }
    if (offset < data.length) this.carry = Buffer.from(data.subarray(offset));
  }

  /** Bytes of an incomplete frame held back. */
  pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  private check(type: number, id: number, length: number): void {
    if (id === 0) throw new MuxProtocolError('stream ID 0 is not valid');
    switch (type) {
      case FrameType.data:
        if (length > this.payloadMax) {
          throw new MuxProtocolError(`data frame of ${length} bytes exceeds the limit of ${this.payloadMax}`);
        }
        return;
      case FrameType.window:
        if (length !== WINDOW_PAYLOAD_BYTES) throw new MuxProtocolError(`window frame with ${length} payload bytes`);
        return;
      case FrameType.open:
      case FrameType.end:
      case FrameType.reset:
        if (length !== 0) throw new MuxProtocolError(`frame type ${type} with ${length} payload bytes`);
        return;
      default:
        throw new MuxProtocolError(`unknown frame type ${type}`);
    }
  }

  private dispatch(type: FrameType, id: number, data: Buffer, start: number, length: number): void {
    switch (type) {
      case FrameType.data:
        this.handler.data(id, data.subarray(start, start + length));
        return;
      case FrameType.open:
        this.handler.open(id);
        return;
      case FrameType.end:
        this.handler.end(id);
        return;
      case FrameType.reset:
        this.handler.reset(id);
        return;
      case FrameType.window: {
        const increment = data.readUInt32BE(start);
        if (increment === 0) throw new MuxProtocolError('window frame with a zero increment');
        this.handler.window(id, increment);
        return;
      }
    }
  }
}
