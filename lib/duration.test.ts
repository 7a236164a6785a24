// Proves Go-compatible duration parsing and formatting with tables taken from Go's time package behaviour.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DurationError, formatDuration, parseDuration, parseDurationField } from './duration.js';

describe('parseDuration', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['250ms', 250],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['72h', 259_200_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['-2s', -2000],
    ['+3ms', 3],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['1000000ns', 1],
    ['2h45m', 9_900_000],
    ['1h1m1s1ms', 3_661_001],
  ];
  for (const [text, expectedMs] of cases) {
    it(`parses "${text}" as ${expectedMs} ms`, () => {
      assert.ok(Math.abs(parseDuration(text) - expectedMs) < 1e-9);
    });
  }
  for (const bad of ['', '10', 'abc', '10x', '1s2', '--1s', 's', '1.s.s']) {
    it(`refuses "${bad}"`, () => {
      assert.throws(() => parseDuration(bad), DurationError);
    });
  }
  it('says a missing unit is the problem', () => {
    assert.throws(() => parseDuration('30'), /missing unit/);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [250, '250ms'],
    [1500, '1.5s'],
    [10_000, '10s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [259_200_000, '72h0m0s'],
    [0.5, '500µs'],
    [0.000_5, '500ns'],
    [-2000, '-2s'],
  ];
  for (const [durationMs, expected] of cases) {
    it(`formats ${durationMs} ms as "${expected}"`, () => {
      assert.equal(formatDuration(durationMs), expected);
    });
  }
  it('round-trips through parse', () => {
    for (const durationMs of [1, 999, 1000, 61_500, 3_723_000, 0.25]) {
      assert.ok(Math.abs(parseDuration(formatDuration(durationMs)) - durationMs) < 1e-9);
    }
  });
});

describe('parseDurationField', () => {
  it('takes nanosecond numbers as Consul JSON does', () => {
    assert.equal(parseDurationField(10_000_000_000), 10_000);
  });
  it('refuses other types with the type named', () => {
    assert.throws(() => parseDurationField(true), /got boolean/);
    assert.throws(() => parseDurationField(['1s']), /got a list/);
  });
});
