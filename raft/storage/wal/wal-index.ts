// Where each kept entry lives: (segment, position, length) for every index in [firstIndex, lastIndex], never the
// data itself (entries can be 512 KiB KV values). One state machine serves both recovery, which replays every
// record in order, and the live log, which applies each record once its frame is on disk, so the two cannot
// disagree about what a record means.
// Replay may start at a segment whose older neighbours were deleted: its header gives the bounds, and the entries
// it names but does not hold ([firstIndex, knownFrom)) must be compacted away by the end, or the log has a hole.

import { CorruptLogError } from '../../errors.js';
import type { ReadRecord } from './records.js';

export interface EntryLocation {
  readonly seq: number;
  readonly position: number;
  readonly lengthBytes: number;
}

export class WalIndex {
  private first = 1;
  private last = 0;
  /** Index of locations[start]; entries in [first, knownFrom) are in segments this index never saw. */
  private knownFrom = 1;
  private start = 0;
  private seqs: number[] = [];
  private positions: number[] = [];
  private lengths: number[] = [];

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.last;
  }

  /** Where `index` is, or null when this index never saw it (a hole, if it is within the bounds). */
  location(index: number): EntryLocation | null {
    if (index < this.knownFrom || index < this.first || index > this.last) return null;
    const at = this.start + index - this.knownFrom;
    return {
      seq: this.seqs[at] as number,
      position: this.positions[at] as number,
      lengthBytes: this.lengths[at] as number,
    };
  }

  /**
   * The oldest segment replay needs: the one holding the first kept entry (later entries are never in older
   * segments), `activeSeq` when the log is empty, and 0 (keep everything) if the first entry has no location.
   */
  oldestNeededSeq(activeSeq: number): number {
    if (this.first > this.last) return activeSeq;
    return this.location(this.first)?.seq ?? 0;
  }

  /** Throws unless every kept entry has a location (call once replay is done). */
  assertComplete(): void {
    if (this.first <= this.last && this.first < this.knownFrom) {
      throw new CorruptLogError(
        `log entries ${this.first} to ${Math.min(this.last, this.knownFrom - 1)} are in no segment (hole)`,
      );
    }
  }

  /**
   * Applies one record found in segment `seq`. `where` names the record for errors: replaying a record the live log could not have written means the files are not what we wrote.
   */
  apply(record: ReadRecord, seq: number, where: string): void {
    const fail = (why: string) => new CorruptLogError(`${where}: ${why}`);
    switch (record.kind) {
      case 'segment-header':
        if (record.seq !== seq) throw fail(`segment header names segment ${record.seq}`);
        if (record.firstIndex !== this.first || record.lastIndex !== this.last) {
          throw fail(
            `segment starts the log at [${record.firstIndex}, ${record.lastIndex}], replay reached [${this.first}, ${this.last}]`,
          );
        }
        return;
      case 'entry':
        if (record.index < this.first || record.index > this.last + 1) {
          throw fail(`entry ${record.index} does not fit a log spanning [${this.first}, ${this.last}]`);
        }
        this.dropFrom(record.index);
        this.seqs.push(seq);
        this.positions.push(record.payloadAt);
        this.lengths.push(record.payloadBytes);
        this.last = record.index;
        return;
      case 'truncate':
        if (record.fromIndex < this.first) throw fail(`truncation at ${record.fromIndex} below first ${this.first}`);
        if (record.fromIndex <= this.last) this.dropFrom(record.fromIndex);
        return;
      case 'compact':
        this.compact(record.throughIndex);
        return;
    }
  }

  /** Starts replay at the oldest segment left, whose header gives the bounds; no entry location is known yet. */
  startAt(firstIndex: number, lastIndex: number): void {
    this.first = firstIndex;
    this.last = lastIndex;
    this.forgetLocations(lastIndex + 1);
  }

  /** Forgets every location; the next entry to be located is `knownFrom`. */
  private forgetLocations(knownFrom: number): void {
    this.knownFrom = knownFrom;
    this.start = 0;
    this.seqs = [];
    this.positions = [];
    this.lengths = [];
  }

  /** Drops `index` and everything after it. */
  private dropFrom(index: number): void {
    if (index <= this.knownFrom) {
      this.forgetLocations(index);
    } else {
      const keep = this.start + index - this.knownFrom;
      this.seqs.length = keep;
      this.positions.length = keep;
      this.lengths.length = keep;
    }
    this.last = index - 1;
  }

  private compact(throughIndex: number): void {
    if (throughIndex < this.first) return;
    this.first = throughIndex + 1;
    if (throughIndex >= this.last) {
      // Past the end (a snapshot was installed): the log is empty and continues after it.
      this.last = throughIndex;
      this.forgetLocations(throughIndex + 1);
      return;
    }
    if (throughIndex >= this.knownFrom) {
      this.start += throughIndex + 1 - this.knownFrom;
      this.knownFrom = throughIndex + 1;
      // Reclaim the dropped front once it is most of the arrays (compaction is rare; this keeps it O(kept)).
      if (this.start > 1024 && this.start > this.seqs.length / 2) {
        this.seqs = this.seqs.slice(this.start);
        this.positions = this.positions.slice(this.start);
        this.lengths = this.lengths.slice(this.start);
        this.start = 0;
      }
    }
  }
}
