// Waiting for a condition in tests without sleeping: yields to the event loop (I/O and promise callbacks run)
// until the condition holds, failing after a deadline in event-loop turns or wall time, whichever comes first.

import { setImmediate as nextTurn } from 'node:timers/promises';

export async function until(condition: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await nextTurn();
  }
}

/** Lets pending promise chains finish (a few event-loop turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}
