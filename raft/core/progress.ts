// What a leader knows about one follower's log and how it replicates to it (etcd tracker/progress.go). Every
// transition between probe, replicate and snapshot lives here; raft.ts only calls these methods.
//
// probe: one append at a time, waiting for the answer, to find where the logs match.
// replicate: the logs match; appends are pipelined up to the inflight window.
// snapshot: the follower needs compacted entries; nothing is sent until the snapshot is reported.

import { assert } from '../../lib/assert.js';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  state: ProgressState = 'probe';
  /** The highest index known to match the leader's log. */
  match = 0;
  /** The next index to send. */
  next: number;
  /** In snapshot state: the snapshot's index. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /**
   * Sending is paused: in probe state an append is out and unanswered; in replicate state the inflight window
   * is full. A heartbeat response clears it, letting one append through even past a full window, so appends
   * that were all lost cannot stall a follower forever (etcd MsgAppFlowPaused).
   */
  appendFlowPaused = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, inflightMessagesMax: number, inflightBytesMax: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(inflightMessagesMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.appendFlowPaused = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot, so probe from just past it.
    if (this.state === 'snapshot') {
      const pendingSnapshot = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pendingSnapshot + 1);
      return;
    }
    this.resetState('probe');
    this.next = this.match + 1;
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Resets to probe from the leader's log end (a new term's leader knows nothing yet). */
  resetForNewTerm(lastIndex: number, isSelf: boolean): void {
    this.resetState('probe');
    this.match = isSelf ? lastIndex : 0;
    this.next = lastIndex + 1;
    this.recentActive = isSelf;
  }

  /** The follower acknowledged up to `index`; false when that is old news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      if (this.state === 'probe') this.appendFlowPaused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Records an append that was just sent, carrying `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number, sizeBytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, sizeBytes);
      }
      this.appendFlowPaused = this.inflights.isFull();
      return;
    }
    if (this.state === 'probe') {
      this.appendFlowPaused = true;
      return;
    }
    assert(false, 'sent entries to a follower in snapshot state');
  }

  /** The follower rejected an append at `rejected`; `hint` is its last index. False when stale. */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      // A rejection at or below match is a reordered old message.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the latest probe (next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.appendFlowPaused = false;
    return true;
  }

  /** The ack that makes a probing follower's logs match: start pipelining. */
  onAcked(firstIndex: number): void {
    if (this.state === 'probe') {
      this.becomeReplicate();
      return;
    }
    if (this.state === 'snapshot' && this.match + 1 >= firstIndex) {
      // The follower caught up past the compaction point while a snapshot was out: plain appends will do.
      this.becomeProbe();
      this.becomeReplicate();
      return;
    }
    if (this.state === 'replicate') {
      this.inflights.freeLE(this.match);
      this.appendFlowPaused = this.inflights.isFull();
    }
  }

  /** A heartbeat answer proves the follower is alive: a probe may go out again. */
  onHeartbeatResponse(): void {
    this.recentActive = true;
    this.appendFlowPaused = false;
  }

  /** The driver finished (or gave up) sending the snapshot. */
  onSnapshotReport(ok: boolean): void {
    if (this.state !== 'snapshot') return;
    if (!ok) this.pendingSnapshot = 0;
    this.becomeProbe();
    // Wait for a heartbeat answer before probing, as etcd does, so a failed send is not retried in a hot loop.
    this.appendFlowPaused = true;
  }

  onUnreachable(): void {
    if (this.state === 'replicate') this.becomeProbe();
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
      case 'replicate':
        return this.appendFlowPaused;
      case 'snapshot':
        return true;
    }
  }

  describe(): string {
    const extra = this.state === 'snapshot' ? ` pendingSnapshot=${this.pendingSnapshot}` : '';
    const paused = this.isPaused() ? ' paused' : '';
    const learner = this.isLearner ? ' learner' : '';
    return `${this.state} match=${this.match} next=${this.next}${extra}${paused}${learner} inflight=${this.inflights.count}`;
  }
}
