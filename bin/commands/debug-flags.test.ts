// Proves `lattice debug`'s flag checks say what consul debug says for the same values: the minimum duration and
// interval, a duration shorter than its interval, unknown targets (with `cluster` still accepted for members), and
// pprof dropped with Consul's warning when the agent serves no profiles.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captures, targetProblem, timingProblem, withoutUnavailableProfiles } from './debug-flags.js';

const checked = { checkMinimums: true };
const unchecked = { checkMinimums: false };

describe('debug timing', () => {
  const cases: [number, number, typeof checked, string | null][] = [
    [300_000, 30_000, checked, null],
    [10_000, 5_000, checked, null],
    [9_999, 5_000, checked, 'duration must be longer than 10s'],
    [60_000, 4_000, checked, 'interval must be longer than 5s'],
    [20_000, 30_000, checked, 'duration (20s) must be longer than interval (30s)'],
    [3_000, 1_000, unchecked, null],
    [1_000, 3_000, unchecked, 'duration (1s) must be longer than interval (3s)'],
    [0, 1_000, unchecked, 'duration must be positive'],
    [1_000, 0, unchecked, 'interval must be positive'],
  ];
  for (const [durationMs, intervalMs, options, expected] of cases) {
    it(`duration ${durationMs} ms, interval ${intervalMs} ms, minimums ${options.checkMinimums} → ${expected}`, () => {
      assert.equal(timingProblem({ durationMs, intervalMs }, options), expected);
    });
  }
});

describe('debug targets', () => {
  it('accepts every Consul target and the deprecated cluster', () => {
    assert.equal(targetProblem(['metrics', 'logs', 'pprof', 'host', 'agent', 'members', 'cluster']), null);
  });

  it('names the first unknown target', () => {
    assert.equal(targetProblem(['agent', 'trace', 'goroutines']), 'target not found: trace');
  });

  it('reads cluster as members', () => {
    assert.equal(captures(['cluster'], 'members'), true);
    assert.equal(captures(['cluster'], 'agent'), false);
  });

  it("drops pprof with Consul's warning when neither enable_debug nor ACLs allow profiles", () => {
    assert.deepEqual(
      withoutUnavailableProfiles(['metrics', 'pprof', 'host'], { enableDebug: false, aclsEnabled: false }),
      {
        targets: ['metrics', 'host'],
        warning: '[WARN] Unable to capture pprof. Set enable_debug to true on target agent to enable profiling.',
      },
    );
  });

  it('keeps pprof with enable_debug or ACLs, and says nothing when pprof was not asked for', () => {
    const targets = ['pprof', 'logs'];
    assert.deepEqual(withoutUnavailableProfiles(targets, { enableDebug: true, aclsEnabled: false }).targets, targets);
    assert.deepEqual(withoutUnavailableProfiles(targets, { enableDebug: false, aclsEnabled: true }).targets, targets);
    assert.equal(withoutUnavailableProfiles(['logs'], { enableDebug: false, aclsEnabled: false }).warning, null);
  });
});
