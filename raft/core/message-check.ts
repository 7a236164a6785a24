// The shape checks a message must pass before the state machine sees it. The transport's codec validates
// bytes; this guards the invariants raft.ts asserts on (contiguous entries after `index`, terms not above
// the message's), so a malformed message from a buggy peer is counted and dropped instead of tripping an
// assertion meant for our own bugs.

import type { RaftMessage } from './types.js';

const messageTypes = new Set([
  'append',
  'append-response',
  'vote',
  'vote-response',
  'pre-vote',
  'pre-vote-response',
  'heartbeat',
  'heartbeat-response',
  'snapshot',
  'timeout-now',
  'read-index',
  'read-index-response',
]);

const isIndex = (value: number) => Number.isSafeInteger(value) && value >= 0;

/** Why `message` is malformed, or null when its shape is sound. */
export function messageProblem(message: RaftMessage): string | null {
  if (!messageTypes.has(message.type)) return `unknown type ${String(message.type)}`;
  if (!isIndex(message.term) || !isIndex(message.logTerm)) return 'bad term';
  if (!isIndex(message.index) || !isIndex(message.commit) || !isIndex(message.rejectHint)) return 'bad index';
  let expected = message.index + 1;
  for (const entry of message.entries) {
    if (entry.index !== expected) return `entry ${entry.index} where ${expected} was expected`;
    if (!isIndex(entry.term) || entry.term > message.term) return `entry ${entry.index} has a bad term`;
    if (entry.type !== 'normal' && entry.type !== 'conf-change') return `entry ${entry.index} has an unknown type`;
    expected++;
  }
  if (message.type === 'append' && message.entries.length > 0 && message.entries[0]!.term < message.logTerm)
    return 'entries older than the entry they follow';
  if (message.type === 'snapshot' && message.snapshot === null) return 'snapshot message without metadata';
  return null;
}
