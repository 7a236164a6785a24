// Waiting in tests without sleeping: a condition is re-checked until it holds or a deadline passes, and the failure
// names what was awaited. Tests never assert on how long it took. The folders' own test helpers delegate here.

import { setTimeout as pause } from 'node:timers/promises';

export interface WaitOptions {
  readonly deadlineMs?: number;
  readonly checkEveryMs?: number;
}

export async function waitForCondition(
  condition: () => boolean | Promise<boolean>,
  what: string,
  options: WaitOptions = {},
): Promise<void> {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > deadlineMs)
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await pause(options.checkEveryMs ?? 5);
  }
}
