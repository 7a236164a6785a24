// Waiting on a condition with a deadline, for tests that cross real I/O (sockets, disk): no sleeps of guessed
// length, and a clear failure naming what never happened.

import { waitForCondition } from '../../lib/testing/wait.js';

export function waitFor(condition: () => boolean | Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  return waitForCondition(condition, what, { deadlineMs });
}
