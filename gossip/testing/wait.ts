// Waiting in tests without sleeping: a condition is re-checked until it holds or a deadline passes, and the
// failure names what was awaited. Tests never assert on how long it took.

import { Writable } from 'node:stream';
import { setTimeout as delayMs } from 'node:timers/promises';
import pino from 'pino';
import type { Logger } from '../../lib/log.js';
import { waitForCondition } from '../../lib/testing/wait.js';

export function waitUntil(
  condition: () => boolean,
  what: string,
  options: { deadlineMs?: number; checkEveryMs?: number } = {},
): Promise<void> {
  return waitForCondition(condition, what, { checkEveryMs: 10, ...options });
}

/** As waitUntil, for a condition that must read something asynchronously (a file). */
export function waitUntilAsync(
  condition: () => Promise<boolean>,
  what: string,
  options: { deadlineMs?: number; checkEveryMs?: number } = {},
): Promise<void> {
  return waitForCondition(condition, what, { checkEveryMs: 10, ...options });
}

/** Resolves with the promise's value, or rejects naming `what` once the deadline passes. */
export async function withDeadline<T>(promise: Promise<T>, what: string, deadlineMs = 10_000): Promise<T> {
  const controller = new AbortController();
  const timeout = delayMs(deadlineMs, undefined, { signal: controller.signal }).then(() => {
    throw new Error(`timed out waiting for ${what}`);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    controller.abort();
    timeout.catch(() => undefined);
  }
}

/** A logger whose lines (JSON objects) are kept in memory, so a test can prove which path ran. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, destination), lines };
}
