// Deadlines for catalog reads made on behalf of DNS questions, from one coarse tick: every question started within
// the same second shares one AbortSignal that fires between lookupTimeoutMs and lookupTimeoutMs + 1 s later. At
// tens of thousands of questions a second this arms one timer a second instead of one per question (the way
// undici serves many deadlines from one coarse timer).

import type { Clock } from '../../lib/clock.js';

/** How long a shared signal keeps taking new questions. */
const bucketMs = 1_000;

export class CoarseDeadlines {
  private current: { readonly signal: AbortSignal; readonly createdMs: number } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** A signal that aborts (TimeoutError) at least `timeoutMs` from now, at most a second later than that. */
  signal(): AbortSignal {
    const nowMs = this.clock.nowMs();
    if (this.current !== null && nowMs - this.current.createdMs < bucketMs) return this.current.signal;
    const controller = new AbortController();
    this.clock.setTimer(this.timeoutMs + bucketMs, () =>
      controller.abort(new DOMException('DNS lookup timed out', 'TimeoutError')),
    );
    this.current = { signal: controller.signal, createdMs: nowMs };
    return controller.signal;
  }
}
