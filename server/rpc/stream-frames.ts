// The frames of the multiplexed RPC stream (grpc-service.ts `Stream`, grpc-client.ts): one long-lived gRPC
// stream per server carries many calls, each tagged with an id, so a forwarded call costs one msgpack item
// instead of a new HTTP/2 stream with its headers, deadline and interceptor stack. Items written in the same
// event-loop turn travel together: a frame is a msgpack array whose elements are items encoded one by one, so a
// batch is the concatenation of already-encoded items behind an array header, and a frame never grows past
// frameSizeBytesMax (an item larger than that goes alone; the gRPC message limit still refuses a huge one).

import { Packr } from 'msgpackr';
import type { WireResponse } from './wire.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Past this many encoded bytes a batch is sent at once and a new one begins. */
export const frameSizeBytesMax = 1024 * 1024;
/** Ids are positive safe integers; anything else in an item is refused. */
const itemIdMax = Number.MAX_SAFE_INTEGER;

/** Client → server: a call, or the cancellation of one still running. */
export type StreamRequestItem =
  | { readonly id: number; readonly request: unknown }
  | { readonly id: number; readonly cancel: true };

/** Server → client: the answer to call `id` (a WireResponse, or its tagged form from reply-values.ts). */
export interface StreamResponseItem {
  readonly id: number;
  readonly response: WireResponse | object;
}

export const encodeItem = (item: StreamRequestItem | StreamResponseItem): Buffer => packr.pack(item);

function arrayHeader(count: number): Buffer {
  if (count < 16) return Buffer.from([0x90 | count]);
  if (count < 0x10000) {
    const header = Buffer.allocUnsafe(3);
    header[0] = 0xdc;
    header.writeUInt16BE(count, 1);
    return header;
  }
  const header = Buffer.allocUnsafe(5);
  header[0] = 0xdd;
  header.writeUInt32BE(count, 1);
  return header;
}

/** A msgpack array of the given encoded items, as one frame. */
export function frameOf(encodedItems: readonly Buffer[]): Buffer {
  return Buffer.concat([arrayHeader(encodedItems.length), ...encodedItems]);
}

/** The items of a decoded frame (decodeFrame's output); a frame that is not a list yields none. */
export function itemsOf(frame: unknown): readonly unknown[] {
  return Array.isArray(frame) ? frame : [];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isItemId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= itemIdMax;
}

/** A request item as the server reads it, or null for one it cannot use (no id: nothing to answer). */
export function readRequestItem(value: unknown): StreamRequestItem | null {
  if (!isObject(value) || !isItemId(value['id'])) return null;
  if (value['cancel'] === true) return { id: value['id'], cancel: true };
  return { id: value['id'], request: value['request'] };
}

/** A response item as the client reads it, or null for one without a usable id. */
export function readResponseItem(value: unknown): { id: number; response: unknown } | null {
  if (!isObject(value) || !isItemId(value['id'])) return null;
  return { id: value['id'], response: value['response'] };
}

/**
 * Gathers encoded items and hands them to `send` as frames: once per event-loop turn (setImmediate), or at once
 * when a batch reaches frameSizeBytesMax. Stopping drops what has not been sent.
 */
export class FrameBatcher {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private stopped = false;

  constructor(private readonly send: (frame: Buffer) => void) {}

  push(encodedItem: Buffer): void {
    if (this.stopped) return;
    if (this.pendingBytes > 0 && this.pendingBytes + encodedItem.length > frameSizeBytesMax) this.flush();
    this.pending.push(encodedItem);
    this.pendingBytes += encodedItem.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.stopped || this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.send(frameOf(items));
  }

  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
