// Plain-text renderings of core values for golden tests and debugging: one line per message or entry, a few
// lines per node status. The format is part of the golden files in raft/testdata, so change it deliberately.

import type { RaftStatus, Ready } from './raw-node.js';
import type { Entry, RaftMessage } from './types.js';

const decoder = new TextDecoder();

function printable(data: Uint8Array): string {
  const text = decoder.decode(data);
  return /^[\x20-\x7e]*$/.test(text) ? text : `<${data.length} bytes>`;
}

export function describeEntry(entry: Entry): string {
  if (entry.type === 'conf-change') return `${entry.term}/${entry.index} conf ${printable(entry.data)}`;
  return entry.data.length === 0
    ? `${entry.term}/${entry.index} no-op`
    : `${entry.term}/${entry.index} ${printable(entry.data)}`;
}

export function describeMessage(message: RaftMessage): string {
  const parts = [`${message.from}->${message.to} ${message.type} term=${message.term}`];
  switch (message.type) {
    case 'append':
      parts.push(`logTerm=${message.logTerm} index=${message.index} commit=${message.commit}`);
      if (message.entries.length > 0) parts.push(`entries=[${message.entries.map(describeEntry).join(', ')}]`);
      break;
    case 'append-response':
      parts.push(
        message.reject ? `reject index=${message.index} hint=${message.rejectHint}` : `index=${message.index}`,
      );
      break;
    case 'vote':
    case 'pre-vote':
      parts.push(`logTerm=${message.logTerm} index=${message.index}`);
      break;
    case 'vote-response':
    case 'pre-vote-response':
      parts.push(message.reject ? 'rejected' : 'granted');
      break;
    case 'heartbeat':
      parts.push(`commit=${message.commit}`);
      break;
    case 'snapshot':
      parts.push(`snapshot=${message.snapshot?.term}/${message.snapshot?.index}`);
      break;
    case 'read-index-response':
      parts.push(`index=${message.index}`);
      break;
    default:
      break;
  }
  if (message.context !== null) parts.push(`context=${printable(message.context)}`);
  return parts.join(' ');
}

export function describeStatus(status: RaftStatus): string {
  const hard = status.hardState;
  const lines = [
    `${status.id}: ${status.role} term=${hard.term} vote=${hard.vote ?? '-'} lead=${status.leaderId ?? '-'} ` +
      `commit=${hard.commit} applied=${status.appliedIndex} log=[${status.firstIndex}, ${status.lastIndex}]`,
    `  voters=${status.conf.voters.join(',')}${status.conf.learners.length > 0 ? ` learners=${status.conf.learners.join(',')}` : ''}`,
  ];
  for (const [id, progress] of Object.entries(status.progress)) {
    lines.push(
      `  ${id}: ${progress.state} match=${progress.match} next=${progress.next}${progress.isLearner ? ' learner' : ''}`,
    );
  }
  return lines.join('\n');
}

export function describeReady(ready: Ready): string {
  const lines: string[] = [];
  if (ready.softState) lines.push(`soft: ${ready.softState.role} lead=${ready.softState.leaderId ?? '-'}`);
  if (ready.hardState)
    lines.push(
      `hard: term=${ready.hardState.term} vote=${ready.hardState.vote ?? '-'} commit=${ready.hardState.commit}`,
    );
  if (ready.snapshot) lines.push(`snapshot: ${ready.snapshot.term}/${ready.snapshot.index}`);
  if (ready.entries.length > 0) lines.push(`entries: ${ready.entries.map(describeEntry).join(', ')}`);
  if (ready.entries.length > 0 || ready.hardState) lines.push(`mustSync: ${ready.mustSync}`);
  for (const message of ready.leaderMessages) lines.push(`send before persisting: ${describeMessage(message)}`);
  for (const message of ready.messages) lines.push(`send: ${describeMessage(message)}`);
  if (ready.committedEntries.length > 0) lines.push(`apply: ${ready.committedEntries.map(describeEntry).join(', ')}`);
  for (const state of ready.readStates) lines.push(`read: index=${state.index} context=${printable(state.context)}`);
  return lines.join('\n');
}
