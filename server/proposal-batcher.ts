// Writes that arrive together go through Raft together: catalog registrations and single-key KV writes queued
// during one event-loop turn become one `batch` log entry (server/fsm/commands.ts) instead of one entry each, so
// the leader and every follower store, replicate, encode and apply one entry per turn, not one per write (with
// many clients, the per-entry work of the log store, the Raft core and the transport was most of a follower's CPU
// per write). Each caller still gets its own answer (the FSM answers every item of a batch apart) at the batch's
// index. Items that conflict (batchConflictKey: two writes to one KV key) go in successive entries, in order. A
// write alone in its turn goes as itself. A caller that gives up before the batch leaves is dropped from it;
// after that, like any proposal, its write may still commit.

import { abortReason } from '../lib/errors.js';
import { batchCommand, batchConflictKey, type Command } from './fsm/commands.js';
import type { BatchItemResponse } from './fsm/fsm.js';

/** Items in one batch entry: large enough to carry a busy turn, small enough to keep entries well under 1 MiB. */
export const batchItemsMax = 256;

export interface ProposalOutcome {
  readonly index: number;
  /** The FSM's answer for this command, shaped as a lone entry's ApplyResponse (`error`, `value`). */
  readonly response: unknown;
}

interface Queued {
  readonly command: Command;
  readonly resolve: (outcome: ProposalOutcome) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
}

export class ProposalBatcher {
  private queued: Queued[] = [];
  private scheduled = false;

  constructor(private readonly propose: (command: Command) => Promise<ProposalOutcome>) {}

  submit(command: Command, signal?: AbortSignal): Promise<ProposalOutcome> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => finish(() => reject(abortReason(signal as AbortSignal)));
      const finish = (settle: () => void): void => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        settle();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queued.push({
        command,
        signal,
        resolve: (outcome) => finish(() => resolve(outcome)),
        reject: (error) => finish(() => reject(error)),
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    // Callers that gave up while queued are not proposed at all.
    const live = this.queued.filter((item) => !item.signal?.aborted);
    this.queued = [];
    let batch: Queued[] = [];
    const keys = new Set<string>();
    for (const item of live) {
      const key = batchConflictKey(item.command) ?? null;
      if (batch.length === batchItemsMax || (key !== null && keys.has(key))) {
        this.send(batch);
        batch = [];
        keys.clear();
      }
      batch.push(item);
      if (key !== null) keys.add(key);
    }
    if (batch.length > 0) this.send(batch);
  }

  private send(items: readonly Queued[]): void {
    const only = items[0];
    if (items.length === 1 && only !== undefined) {
      this.propose(only.command).then(only.resolve, only.reject);
      return;
    }
    this.propose(batchCommand(items.map((item) => item.command))).then(
      ({ index, response }) => {
        const answers = (response as { value?: unknown } | null)?.value;
        items.forEach((item, position) => {
          const answer = Array.isArray(answers) ? (answers[position] as BatchItemResponse | undefined) : undefined;
          // A batch refused as a whole (the FSM could not decode it) answers every item with its refusal.
          item.resolve({ index, response: answer === undefined ? response : { index, ...answer } });
        });
      },
      (error: unknown) => {
        for (const item of items) item.reject(error);
      },
    );
  }
}
