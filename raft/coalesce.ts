// Coalescing one Ready's outgoing messages per peer, as etcd's transport batches: the core emits an append per
// proposal and an ack per append, so under load a Ready holds runs of appends that continue each other, and of
// acks that supersede each other. Merging a run into one message is what the receiver would have done with the
// run anyway: contiguous entries are appended in one go, and an ack for index i covers every ack below it (the
// leader frees inflight appends at or below the acked index). Only the last message to a peer is ever extended,
// so per-peer order is kept.

import { entrySizeBytes } from './core/log-storage.js';
import type { NodeId, RaftMessage } from './core/types.js';

/** Bounds of a merged append: well within the gRPC message limit, and a batch a follower persists at once. */
export const coalescedEntriesSizeBytesMax = 4 * 1024 * 1024;
export const coalescedEntryCountMax = 4096;

function mergeAppends(first: RaftMessage, next: RaftMessage): RaftMessage | null {
  const last = first.entries[first.entries.length - 1];
  const lastIndex = first.index + first.entries.length;
  const lastTerm = last?.term ?? first.logTerm;
  if (next.index !== lastIndex || next.logTerm !== lastTerm) return null;
  if (first.entries.length + next.entries.length > coalescedEntryCountMax) return null;
  let sizeBytes = 0;
  for (const entry of first.entries) sizeBytes += entrySizeBytes(entry);
  for (const entry of next.entries) sizeBytes += entrySizeBytes(entry);
  if (sizeBytes > coalescedEntriesSizeBytesMax) return null;
  return { ...first, entries: [...first.entries, ...next.entries], commit: Math.max(first.commit, next.commit) };
}

/** `first` and `next` as one message, or null when they must travel separately. */
export function mergeMessages(first: RaftMessage, next: RaftMessage): RaftMessage | null {
  if (first.type !== next.type || first.term !== next.term || first.to !== next.to) return null;
  if (first.context !== null || next.context !== null || first.reject || next.reject) return null;
  if (first.type === 'append') return mergeAppends(first, next);
  if (first.type === 'append-response') {
    const newer = next.index >= first.index ? next : first;
    return { ...newer, commit: Math.max(first.commit, next.commit) };
  }
  return null;
}

/** The messages with each run of mergeable messages to the same peer merged into one. */
export function coalesceMessages(messages: readonly RaftMessage[]): RaftMessage[] {
  const merged: RaftMessage[] = [];
  const lastPositionByPeer = new Map<NodeId, number>();
  for (const message of messages) {
    const position = lastPositionByPeer.get(message.to);
    const previous = position === undefined ? undefined : merged[position];
    const combined = previous === undefined ? null : mergeMessages(previous, message);
    if (combined !== null && position !== undefined) {
      merged[position] = combined;
      continue;
    }
    lastPositionByPeer.set(message.to, merged.length);
    merged.push(message);
  }
  return merged;
}
