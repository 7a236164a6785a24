// Proves every Progress transition: probe waits for one answer, replicate pipelines to the window and
// recovers through a heartbeat response when appends are lost, rejections move next back, snapshots pause
// sending until reported.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from './progress.js';

const make = () => new Progress(11, false, 2, 0);

describe('Progress', () => {
  it('probes one append at a time', () => {
    const progress = make();
    assert.equal(progress.isPaused(), false);
    progress.sentEntries(3, 13, 30);
    assert.equal(progress.isPaused(), true);
    assert.equal(progress.next, 11, 'probe does not move next optimistically');
    progress.onHeartbeatResponse();
    assert.equal(progress.isPaused(), false);
  });

  it('switches to replicate on an ack and pipelines up to the window', () => {
    const progress = make();
    assert.ok(progress.maybeUpdate(10));
    progress.onAcked(1);
    assert.equal(progress.state, 'replicate');
    progress.sentEntries(2, 12, 20);
    assert.equal(progress.next, 13);
    assert.equal(progress.isPaused(), false);
    progress.sentEntries(2, 14, 20);
    assert.equal(progress.isPaused(), true, 'window of 2 is full');
    assert.ok(progress.maybeUpdate(12));
    progress.onAcked(1);
    assert.equal(progress.isPaused(), false);
    assert.equal(progress.inflights.count, 1);
  });

  it('lets one append through a full window after a heartbeat response (lost appends)', () => {
    const progress = make();
    progress.maybeUpdate(10);
    progress.onAcked(1);
    progress.sentEntries(1, 11, 10);
    progress.sentEntries(1, 12, 10);
    assert.equal(progress.isPaused(), true);
    progress.onHeartbeatResponse();
    assert.equal(progress.isPaused(), false);
    progress.sentEntries(1, 13, 10);
    assert.equal(progress.isPaused(), true);
  });

  it('ignores stale rejections and moves next back on fresh ones', () => {
    const progress = make();
    progress.sentEntries(1, 11, 10); // probe with prev index 10
    assert.equal(progress.maybeDecrTo(9, 5), false, 'not the latest probe');
    assert.equal(progress.maybeDecrTo(10, 4), true);
    assert.equal(progress.next, 5);
    assert.equal(progress.isPaused(), false);
    progress.maybeUpdate(4);
    progress.onAcked(1);
    progress.sentEntries(3, 8, 30);
    assert.equal(progress.maybeDecrTo(3, 3), false, 'at or below match in replicate');
    assert.equal(progress.maybeDecrTo(6, 6), true);
    assert.equal(progress.next, 5);
  });

  it('pauses in snapshot state and probes past the snapshot once reported', () => {
    const progress = make();
    progress.becomeSnapshot(50);
    assert.equal(progress.isPaused(), true);
    progress.onSnapshotReport(true);
    assert.equal(progress.state, 'probe');
    assert.equal(progress.next, 51);
    assert.equal(progress.isPaused(), true, 'waits for a heartbeat answer');
    progress.becomeSnapshot(60);
    progress.onSnapshotReport(false);
    assert.equal(progress.next, 1, 'a failed snapshot probes from match');
  });

  it('leaves snapshot state early when acks pass the compaction point', () => {
    const progress = make();
    progress.becomeSnapshot(50);
    progress.maybeUpdate(45);
    progress.onAcked(40);
    assert.equal(progress.state, 'replicate');
    assert.equal(progress.next, 46);
  });

  it('drops to probe when unreachable while replicating', () => {
    const progress = make();
    progress.maybeUpdate(10);
    progress.onAcked(1);
    progress.onUnreachable();
    assert.equal(progress.state, 'probe');
    assert.equal(progress.next, 11);
  });
});
