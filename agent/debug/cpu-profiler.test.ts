// Proves the CPU profiler's contract: ?seconds= read as Go's pprof reads it (default 30, whole seconds, bounded),
// a profile that DevTools can open, one recording at a time, and a recording whose client left dropped at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortError, ValidationError } from '../../lib/errors.js';
import { CpuProfiler, cpuProfileSecondsMax, ProfilerBusyError, parseProfileSeconds } from './cpu-profiler.js';

describe('parseProfileSeconds', () => {
  it('defaults to 30 and reads whole seconds up to the bound', () => {
    assert.equal(parseProfileSeconds(null), 30);
    assert.equal(parseProfileSeconds(''), 30);
    assert.equal(parseProfileSeconds('1'), 1);
    assert.equal(parseProfileSeconds(String(cpuProfileSecondsMax)), cpuProfileSecondsMax);
  });

  for (const text of ['0', '-3', '2.5', 'ten', '1e3', String(cpuProfileSecondsMax + 1)]) {
    it(`refuses "${text}"`, () => assert.throws(() => parseProfileSeconds(text), ValidationError));
  }
});

describe('CpuProfiler', () => {
  it('records a .cpuprofile and refuses a second recording meanwhile', async () => {
    const profiler = new CpuProfiler();
    const first = profiler.record(1, { signal: new AbortController().signal });
    await assert.rejects(profiler.record(1, { signal: new AbortController().signal }), ProfilerBusyError);
    const profile = (await first) as { nodes: unknown[]; samples: unknown[]; timeDeltas: unknown[] };
    assert.ok(profile.nodes.length > 0);
    assert.ok(Array.isArray(profile.samples) && Array.isArray(profile.timeDeltas));
  });

  it('drops the recording when the client goes away, and is free again', async () => {
    const profiler = new CpuProfiler();
    const gone = new AbortController();
    const recording = profiler.record(60, { signal: gone.signal });
    gone.abort();
    await assert.rejects(recording, AbortError);
    const again = new AbortController();
    const next = profiler.record(60, { signal: again.signal });
    again.abort();
    await assert.rejects(next, AbortError);
  });
});
