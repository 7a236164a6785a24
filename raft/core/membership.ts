// Cluster membership as the log describes it (Raft thesis §4.1, single-server changes): a configuration takes
// effect as soon as its entry is appended, committed or not, so this keeps the configuration of every
// conf-change entry still in the log and rolls back when a follower's log is truncated.

import { assert } from '../../lib/assert.js';
import type { ConfChange, ConfState, Entry, NodeId } from './types.js';

export interface Membership {
  /** The index of the entry (or snapshot) that established this configuration. */
  readonly index: number;
  readonly voters: ReadonlySet<NodeId>;
  readonly learners: ReadonlySet<NodeId>;
  readonly addresses: Readonly<Record<NodeId, string>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(change: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify({ type: change.type, nodeId: change.nodeId, address: change.address }));
}

/** Decodes a conf-change entry's data; a malformed entry is a programmer error (only leaders write them). */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const parsed = JSON.parse(decoder.decode(data)) as Partial<ConfChange>;
  assert(
    parsed.type === 'add-voter' || parsed.type === 'add-learner' || parsed.type === 'remove',
    `bad conf change type ${String(parsed.type)}`,
  );
  assert(typeof parsed.nodeId === 'string' && parsed.nodeId.length > 0, 'conf change without a node id');
  assert(typeof parsed.address === 'string', 'conf change without an address');
  return { type: parsed.type, nodeId: parsed.nodeId, address: parsed.address };
}

export function membershipFromConfState(
  index: number,
  conf: ConfState,
  addresses: Readonly<Record<NodeId, string>>,
): Membership {
  return { index, voters: new Set(conf.voters), learners: new Set(conf.learners), addresses: { ...addresses } };
}

export function confStateOf(membership: Membership): ConfState {
  return { voters: [...membership.voters].sort(), learners: [...membership.learners].sort() };
}

/** Why `change` cannot apply to `current`, or null when it can. */
export function confChangeProblem(current: Membership, change: ConfChange): string | null {
  const isVoter = current.voters.has(change.nodeId);
  const isLearner = current.learners.has(change.nodeId);
  switch (change.type) {
    case 'add-voter':
      return isVoter ? `${change.nodeId} is already a voter` : null;
    case 'add-learner':
      if (isVoter) return `${change.nodeId} is a voter; demoting is not supported`;
      return isLearner ? `${change.nodeId} is already a learner` : null;
    case 'remove':
      if (!isVoter && !isLearner) return `${change.nodeId} is not a member`;
      if (isVoter && current.voters.size === 1) return 'cannot remove the last voter';
      return null;
  }
}

/** The configuration after `change`, established by the entry at `index` (add-voter also promotes). */
export function applyConfChange(current: Membership, change: ConfChange, index: number): Membership {
  const voters = new Set(current.voters);
  const learners = new Set(current.learners);
  const addresses: Record<NodeId, string> = { ...current.addresses };
  switch (change.type) {
    case 'add-voter':
      learners.delete(change.nodeId);
      voters.add(change.nodeId);
      addresses[change.nodeId] = change.address;
      break;
    case 'add-learner':
      learners.add(change.nodeId);
      addresses[change.nodeId] = change.address;
      break;
    case 'remove':
      voters.delete(change.nodeId);
      learners.delete(change.nodeId);
      delete addresses[change.nodeId];
      break;
  }
  return { index, voters, learners, addresses };
}

/** The configurations of the conf-change entries still in the log, oldest first; the last one is in effect. */
export class MembershipHistory {
  private readonly history: Membership[];

  constructor(base: Membership) {
    this.history = [base];
  }

  current(): Membership {
    return this.history[this.history.length - 1]!;
  }

  /** The configuration in effect at `index` (for a snapshot taken there). */
  at(index: number): Membership {
    for (let position = this.history.length - 1; position >= 0; position--) {
      if (this.history[position]!.index <= index) return this.history[position]!;
    }
    return this.history[0]!;
  }

  /** Entries from `entries[0].index` on replace whatever was there; returns true if the configuration changed. */
  onAppend(entries: readonly Entry[]): boolean {
    if (entries.length === 0) return false;
    const before = this.current();
    const first = entries[0]!.index;
    while (this.history.length > 1 && this.current().index >= first) this.history.pop();
    for (const entry of entries) {
      if (entry.type !== 'conf-change') continue;
      this.history.push(applyConfChange(this.current(), decodeConfChange(entry.data), entry.index));
    }
    return this.current() !== before;
  }

  /** A restored snapshot replaces every configuration. */
  reset(base: Membership): void {
    this.history.length = 0;
    this.history.push(base);
  }

  /** Forgets configurations that a compaction to `index` made unreachable (keeps the one in effect there). */
  compact(index: number): void {
    while (this.history.length > 1 && this.history[1]!.index <= index) this.history.shift();
  }
}
