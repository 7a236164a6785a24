// Proves the safety checkers can fail: each is fed a deliberately broken fact (two leaders in a term, two
// different entries at one index and term, a leader missing a committed entry, nodes applying different
// entries) and must report the matching violation, while consistent facts pass.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry } from '../../raft/core/types.js';
import { type LogView, SafetyChecker } from './checkers.js';

const entry = (index: number, term: number, data = `e${index}`): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(data),
});

/** Read through a function so TypeScript does not narrow `violation` to null after an earlier assertion. */
function violatedCheck(checker: SafetyChecker): string | undefined {
  return checker.violation?.check;
}

function logOf(nodeId: string, entries: readonly Entry[]): LogView {
  return {
    nodeId,
    firstIndex: 1,
    lastIndex: entries.length,
    term: (index) => entries[index - 1]?.term ?? null,
    dataKey: (index) => (entries[index - 1] ? new TextDecoder().decode(entries[index - 1]!.data) : null),
  };
}

describe('SafetyChecker', () => {
  it('catches two leaders in one term (election safety)', () => {
    const checker = new SafetyChecker();
    checker.observeLeader('n1', 3);
    checker.observeLeader('n1', 3);
    checker.observeLeader('n2', 4);
    assert.equal(checker.violation, null);
    checker.observeLeader('n3', 3);
    assert.equal(violatedCheck(checker), 'election-safety');
  });

  it('catches two different entries at one index and term (log matching)', () => {
    const checker = new SafetyChecker();
    checker.observePersisted('n1', entry(5, 2, 'a'), 2);
    checker.observePersisted('n2', entry(5, 2, 'a'), 2);
    assert.equal(checker.violation, null);
    checker.observePersisted('n3', entry(5, 2, 'b'), 2);
    assert.equal(violatedCheck(checker), 'log-matching');
  });

  it('catches equal entries with different predecessors (log matching by induction)', () => {
    const checker = new SafetyChecker();
    checker.observePersisted('n1', entry(5, 3), 2);
    checker.observePersisted('n2', entry(5, 3), 1);
    assert.equal(violatedCheck(checker), 'log-matching');
  });

  it('catches logs that differ below a matching entry (full comparison)', () => {
    const checker = new SafetyChecker();
    checker.checkLogsMatch([logOf('n1', [entry(1, 1), entry(2, 1)]), logOf('n2', [entry(1, 1), entry(2, 1)])]);
    assert.equal(checker.violation, null);
    checker.checkLogsMatch([
      logOf('n1', [entry(1, 1, 'x'), entry(2, 2)]),
      logOf('n2', [entry(1, 1, 'y'), entry(2, 2)]),
    ]);
    assert.equal(violatedCheck(checker), 'log-matching');
  });

  it('catches nodes applying different entries at one index (state-machine safety)', () => {
    const checker = new SafetyChecker();
    checker.observeApplied('n1', entry(7, 2, 'put a'));
    checker.observeApplied('n2', entry(7, 2, 'put a'));
    assert.equal(checker.violation, null);
    checker.observeApplied('n3', entry(7, 3, 'put b'));
    assert.equal(violatedCheck(checker), 'state-machine-safety');
  });

  it('catches a new leader missing a committed entry (leader completeness)', () => {
    const checker = new SafetyChecker();
    checker.observeApplied('n1', entry(1, 1));
    checker.observeApplied('n1', entry(2, 2));
    checker.observeNewLeader('n2', 3, 1, (index) => (index === 1 ? 1 : index === 2 ? 2 : null));
    assert.equal(checker.violation, null);
    checker.observeNewLeader('n3', 4, 1, (index) => (index === 1 ? 1 : null));
    assert.equal(violatedCheck(checker), 'leader-completeness');
  });
});
