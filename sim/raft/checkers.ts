// The safety checkers the simulator runs after every step (Raft paper, Figure 3): election safety, log
// matching, leader completeness and state-machine safety. Each observes facts as nodes produce them and
// keeps only what it needs, so a check costs O(1) per entry; a full pairwise log comparison runs at the end.

import type { Entry, NodeId } from '../../raft/core/types.js';

export type SafetyCheck = 'election-safety' | 'log-matching' | 'leader-completeness' | 'state-machine-safety';

export interface SafetyViolation {
  readonly check: SafetyCheck;
  readonly message: string;
}

/** A log as the final comparison sees it: term and data identity per index from `firstIndex` on. */
export interface LogView {
  readonly nodeId: NodeId;
  readonly firstIndex: number;
  readonly lastIndex: number;
  term(index: number): number | null;
  dataKey(index: number): string | null;
}

export function entryKey(entry: Entry): string {
  let key = `${entry.type}:`;
  for (const byte of entry.data) key += String.fromCharCode(byte);
  return key;
}

export class SafetyChecker {
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** (index, term) → the entry's identity and the term before it: equal pairs imply equal prefixes. */
  private readonly entryByIndexTerm = new Map<string, string>();
  /** index → term and identity of the entry applied there, by whichever node applied it first. */
  private readonly applied = new Map<number, { term: number; key: string }>();
  violation: SafetyViolation | null = null;

  private fail(check: SafetyCheck, message: string): void {
    if (this.violation === null) this.violation = { check, message };
  }

  /** A node is leader in `term`. */
  observeLeader(nodeId: NodeId, term: number): void {
    const known = this.leaderByTerm.get(term);
    if (known === undefined) this.leaderByTerm.set(term, nodeId);
    else if (known !== nodeId) this.fail('election-safety', `two leaders in term ${term}: ${known} and ${nodeId}`);
  }

  leadersPerTerm(): ReadonlyMap<number, NodeId> {
    return this.leaderByTerm;
  }

  /** A node wrote `entry` after an entry of term `prevTerm` (log matching, by induction on the index). */
  observePersisted(nodeId: NodeId, entry: Entry, prevTerm: number | null): void {
    const identity = `${prevTerm ?? '?'}|${entryKey(entry)}`;
    const slot = `${entry.index}:${entry.term}`;
    const known = this.entryByIndexTerm.get(slot);
    if (known === undefined) {
      this.entryByIndexTerm.set(slot, identity);
      return;
    }
    if (known === identity) return;
    // A '?' (prefix compacted away on this node) cannot contradict; compare the entry itself.
    const [knownPrev, ...knownRest] = known.split('|');
    const [newPrev, ...newRest] = identity.split('|');
    const sameEntry = knownRest.join('|') === newRest.join('|');
    const samePrev = knownPrev === newPrev || knownPrev === '?' || newPrev === '?';
    if (!sameEntry || !samePrev)
      this.fail('log-matching', `${nodeId} holds a different entry at index ${entry.index} term ${entry.term}`);
  }

  /** A node applied `entry` to its state machine. */
  observeApplied(nodeId: NodeId, entry: Entry): void {
    const key = entryKey(entry);
    const known = this.applied.get(entry.index);
    if (known === undefined) {
      this.applied.set(entry.index, { term: entry.term, key });
      return;
    }
    if (known.term !== entry.term || known.key !== key)
      this.fail(
        'state-machine-safety',
        `${nodeId} applied term ${entry.term} at index ${entry.index}, another node applied term ${known.term}`,
      );
  }

  /** A node installed a snapshot covering up to (index, term): it must agree with what was applied there. */
  observeSnapshotInstalled(nodeId: NodeId, index: number, term: number): void {
    const known = this.applied.get(index);
    if (known !== undefined && known.term !== term)
      this.fail(
        'state-machine-safety',
        `${nodeId} installed a snapshot at ${index} term ${term}, applied was ${known.term}`,
      );
  }

  /** A new leader's log must hold every entry already applied anywhere (it is committed). */
  observeNewLeader(nodeId: NodeId, term: number, firstIndex: number, termAt: (index: number) => number | null): void {
    for (const [index, known] of this.applied) {
      if (index < firstIndex || known.term >= term) continue; // compacted into its snapshot, or not from before
      const held = termAt(index);
      if (held !== known.term)
        this.fail(
          'leader-completeness',
          `leader ${nodeId} of term ${term} lacks committed entry ${index} (term ${known.term}, holds ${held ?? 'none'})`,
        );
    }
  }

  /** Full log matching across the given logs: where two share (index, term), all earlier entries agree. */
  checkLogsMatch(logs: readonly LogView[]): void {
    for (let left = 0; left < logs.length; left++) {
      for (let right = left + 1; right < logs.length; right++) {
        this.checkPairMatches(logs[left]!, logs[right]!);
      }
    }
  }

  private checkPairMatches(left: LogView, right: LogView): void {
    const low = Math.max(left.firstIndex, right.firstIndex);
    let index = Math.min(left.lastIndex, right.lastIndex);
    while (index >= low && left.term(index) !== right.term(index)) index--;
    for (; index >= low; index--) {
      if (left.term(index) !== right.term(index) || left.dataKey(index) !== right.dataKey(index)) {
        this.fail('log-matching', `${left.nodeId} and ${right.nodeId} differ at index ${index} below a matching entry`);
        return;
      }
    }
  }
}
