// Proves validateRaftConfig reports every problem at once, including the election/heartbeat relation, and
// that defaults fill what the init leaves out.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import { defaultRaftConfig, raftConfig, validateRaftConfig } from './config.js';

describe('validateRaftConfig', () => {
  it('fills defaults and freezes the result', () => {
    const check = validateRaftConfig({ electionTicks: 20 });
    assert.ok(check.ok);
    assert.equal(check.config.electionTicks, 20);
    assert.equal(check.config.heartbeatTicks, defaultRaftConfig.heartbeatTicks);
    assert.ok(Object.isFrozen(check.config));
  });

  it('reports all problems together', () => {
    const check = validateRaftConfig({ electionTicks: 0, inflightMessagesMax: -1, messageSizeBytesMax: 1.5 });
    assert.ok(!check.ok);
    assert.equal(check.problems.length, 4); // three bad fields and election not above heartbeat
  });

  it('requires the election timeout above the heartbeat', () => {
    const check = validateRaftConfig({ electionTicks: 3, heartbeatTicks: 3 });
    assert.ok(!check.ok);
    assert.match(check.problems.join(), /electionTicks \(3\) must be greater than heartbeatTicks \(3\)/);
  });

  it('throws a ValidationError from raftConfig', () => {
    assert.throws(() => raftConfig({ heartbeatTicks: 0 }), ValidationError);
  });
});
