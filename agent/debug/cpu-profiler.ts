// A V8 CPU profile of this process for a number of seconds, through node:inspector: the Node equivalent of Go's
// pprof CPU profile behind Consul's /debug/pprof/profile. The result is DevTools' `.cpuprofile` JSON (Chrome
// DevTools, VS Code and speedscope open it). One profile at a time, as Go's runtime allows one CPU profile.

import { Session } from 'node:inspector/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { AbortError, LatticeError, ValidationError } from '../../lib/errors.js';

/** Go's pprof samples at 100 Hz; the same rate keeps an hour's profile near 360k samples instead of 3.6M at V8's 1 kHz. */
export const cpuSamplingIntervalMicros = 10_000;
/** Bounds the samples held in memory; `consul debug` asks for its whole -duration (default 5m2s). */
export const cpuProfileSecondsMax = 3600;

export class ProfilerBusyError extends LatticeError {
  override readonly name = 'ProfilerBusyError';
  constructor() {
    super('ERR_TOO_MANY_REQUESTS', 'a CPU profile is already being recorded on this agent; try again when it ends');
  }
}

/** `?seconds=` as Go's pprof reads it: a positive whole number, default 30. */
export function parseProfileSeconds(text: string | null): number {
  if (text === null || text === '') return 30;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > cpuProfileSecondsMax) {
    throw new ValidationError(`seconds must be a whole number from 1 to ${cpuProfileSecondsMax}, got "${text}"`);
  }
  return seconds;
}

export class CpuProfiler {
  private recording = false;

  /** Records for `seconds` and returns the profile; rejects with AbortError (profile dropped) when `signal` fires. */
  async record(seconds: number, options: { readonly signal: AbortSignal }): Promise<unknown> {
    if (this.recording) throw new ProfilerBusyError();
    this.recording = true;
    const session = new Session();
    session.connect();
    try {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: cpuSamplingIntervalMicros });
      await session.post('Profiler.start');
      try {
        await delay(seconds * 1000, undefined, { signal: options.signal });
      } catch (error) {
        throw new AbortError('the CPU profile was abandoned: the client went away', { cause: error });
      }
      const { profile } = await session.post('Profiler.stop');
      return profile;
    } finally {
      session.disconnect();
      this.recording = false;
    }
  }
}
