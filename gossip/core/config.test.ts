// Proves the presets validate, that WAN/LOCAL/DEV differ from LAN only where the reference says, and that
// validation reports every problem at once, relations included.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import { DEV, gossipConfigProblems, LAN, LOCAL, presets, validateGossipConfig, WAN } from './config.js';

function diff(preset: object): string[] {
  return Object.entries(preset)
    .filter(([field, value]) => (LAN as unknown as Record<string, unknown>)[field] !== value)
    .map(([field]) => field)
    .sort();
}

describe('gossip config', () => {
  it('accepts every preset', () => {
    for (const [name, preset] of Object.entries(presets))
      assert.deepEqual(gossipConfigProblems(preset), [], `preset ${name}`);
  });

  it('has the reference timings', () => {
    assert.equal(LAN.probeIntervalMs, 1_000);
    assert.equal(LAN.probeTimeoutMs, 500);
    assert.equal(LAN.suspicionMultiplier, 4);
    assert.equal(LAN.retransmitMultiplier, 4);
    assert.equal(LAN.gossipIntervalMs, 200);
    assert.equal(LAN.pushPullIntervalMs, 30_000);
    assert.equal(WAN.probeIntervalMs, 5_000);
    assert.equal(WAN.probeTimeoutMs, 3_000);
    assert.equal(WAN.suspicionMultiplier, 6);
    assert.equal(WAN.gossipNodes, 3, 'Consul sets WAN gossip_nodes to the LAN value');
    assert.equal(DEV.probeIntervalMs, 100);
    assert.equal(LOCAL.probeTimeoutMs, 200);
  });

  it('keeps each preset a short diff on LAN', () => {
    assert.deepEqual(diff(WAN), [
      'gossipIntervalMs',
      'gossipToTheDeadMs',
      'probeIntervalMs',
      'probeTimeoutMs',
      'pushPullIntervalMs',
      'streamTimeoutMs',
      'suspicionMultiplier',
    ]);
    assert.deepEqual(diff(DEV), ['gossipIntervalMs', 'probeIntervalMs', 'probeTimeoutMs', 'suspicionMultiplier']);
  });

  it('reports every field problem at once', () => {
    const problems = gossipConfigProblems({ ...LAN, probeIntervalMs: 0, gossipNodes: -1, indirectChecks: 1.5 });
    assert.equal(problems.length, 3);
  });

  it('checks relations between fields', () => {
    const problems = gossipConfigProblems({ ...LAN, probeTimeoutMs: 2_000 });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /probeTimeoutMs/);
    assert.throws(() => validateGossipConfig({ packetSizeBytesMax: 100 }), ValidationError);
  });

  it('fills a partial init from a base preset and freezes it', () => {
    const config = validateGossipConfig({ probeIntervalMs: 4_000 }, WAN);
    assert.equal(config.probeIntervalMs, 4_000);
    assert.equal(config.probeTimeoutMs, 3_000);
    assert.ok(Object.isFrozen(config));
  });
});
