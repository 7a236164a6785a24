// Group commit: writes that arrive while a synced batch is on its way to disk wait and go out together in the
// next batch, so many concurrent proposals share one fsync. Order is preserved: a later submit is never on disk
// before an earlier one. A submit when nothing is in flight starts its write at once, inside submit(), so the
// caller can do other work (the Raft driver applies committed entries) while the disk syncs.

export interface BatchOperation {
  readonly type: 'put' | 'del';
  readonly key: Uint8Array;
  readonly value?: Uint8Array;
}

interface Waiter<Operation> {
  readonly operations: readonly Operation[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** `Operation` is whatever one synced write takes: level batch operations, or WAL records. */
export class GroupCommit<Operation = BatchOperation> {
  private queued: Waiter<Operation>[] = [];
  private flushing: Promise<void> | null = null;
  private batchCount = 0;
  private submitCount = 0;

  constructor(private readonly writeSynced: (operations: Operation[]) => Promise<void>) {}

  /** Resolves once `operations` are durably written (possibly together with others). */
  submit(operations: readonly Operation[]): Promise<void> {
    this.submitCount++;
    return new Promise((resolve, reject) => {
      this.queued.push({ operations, resolve, reject });
      if (this.flushing === null) this.flushing = this.flushLoop();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  stats(): { batchCount: number; submitCount: number } {
    return { batchCount: this.batchCount, submitCount: this.submitCount };
  }

  private async flushLoop(): Promise<void> {
    while (this.queued.length > 0) {
      const waiters = this.queued;
      this.queued = [];
      const operations = waiters.flatMap((waiter) => waiter.operations);
      this.batchCount++;
      try {
        await this.writeSynced(operations);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.flushing = null;
  }
}
