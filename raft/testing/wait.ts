// Waiting on a condition with a deadline, for tests that cross real I/O (sockets, disk): no sleeps of guessed
// length, and a clear failure naming what never happened.

import { setTimeout as pause } from 'node:timers/promises';

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 10_000,
): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return;
    if (performance.now() - started > deadlineMs)
      throw new Error(`timed out after ${deadlineMs} ms waiting for: ${what}`);
    await pause(5);
  }
}
