// Pending ReadIndex requests on a leader (etcd read_only.go, safe mode): each waits for a heartbeat round
// that a quorum acknowledges, proving the leader was still leader when it recorded the commit index.

import type { NodeId } from './types.js';

export interface ReadIndexRequest {
  /** The commit index at the time the request arrived: the read must see at least this. */
  readonly index: number;
  /** Who asked: this node (a local read) or a follower that forwarded it. */
  readonly from: NodeId;
  readonly context: Uint8Array;
  readonly acks: Set<NodeId>;
}

export function contextKey(context: Uint8Array): string {
  let key = '';
  for (const byte of context) key += byte.toString(16).padStart(2, '0');
  return key;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexRequest>();
  private readonly queue: string[] = [];

  get size(): number {
    return this.pending.size;
  }

  /** Registers a request unless one with the same context is already waiting. */
  add(index: number, from: NodeId, context: Uint8Array, self: NodeId): void {
    const key = contextKey(context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, from, context, acks: new Set([self]) });
    this.queue.push(key);
  }

  /** Records that `from` answered the heartbeat carrying `context`; returns the acks, or null if unknown. */
  recordAck(from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | null {
    const request = this.pending.get(contextKey(context));
    if (!request) return null;
    request.acks.add(from);
    return request.acks;
  }

  /** Removes and returns every request up to and including the one with `context` (all are confirmed). */
  advance(context: Uint8Array): ReadIndexRequest[] {
    const key = contextKey(context);
    const position = this.queue.indexOf(key);
    if (position < 0) return [];
    const keys = this.queue.splice(0, position + 1);
    const released: ReadIndexRequest[] = [];
    for (const released_key of keys) {
      const request = this.pending.get(released_key);
      this.pending.delete(released_key);
      if (request) released.push(request);
    }
    return released;
  }

  /** The newest request's context, piggybacked on heartbeats (its acks also confirm the older ones). */
  lastContext(): Uint8Array | null {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? null : this.pending.get(key)!.context;
  }

  reset(): void {
    this.pending.clear();
    this.queue.length = 0;
  }
}
