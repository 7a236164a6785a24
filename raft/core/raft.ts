// The Raft state machine (etcd raft.go): terms, votes, roles and what each role does with a message or a tick.
// Roles swap behaviour through stepRole/tickRole, one switch each; replication bookkeeping is in progress.ts,
// the log in raft-log.ts, membership in membership.ts. This file is long because the role handlers share the
// term rules and the send helpers; each handler still fits on a screen.

import { assert, assertNever } from '../../lib/assert.js';
import type { Rand } from '../../lib/rand.js';
import type { RaftConfig } from './config.js';
import type { LogStorage } from './log-storage.js';
import {
  applyConfChange,
  confChangeProblem,
  encodeConfChange,
  type Membership,
  MembershipHistory,
  membershipFromConfState,
} from './membership.js';
import { Progress } from './progress.js';
import { committedIndex, quorumActive, voteResult } from './quorum.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import type { ConfChange, Entry, EntryType, HardState, MessageType, NodeId, RaftMessage } from './types.js';
import { emptyMessage } from './types.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** A confirmed ReadIndex: once the state machine has applied `index`, a read for `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

export type ProposeResult =
  | { readonly kind: 'accepted'; readonly index: number; readonly term: number }
  | { readonly kind: 'not-leader'; readonly leaderId: NodeId | null }
  | { readonly kind: 'transferring'; readonly leaderId: NodeId }
  | { readonly kind: 'rejected'; readonly reason: string };

export type TransferResult = 'accepted' | 'not-leader' | 'rejected';

export interface RaftState {
  readonly id: NodeId;
  readonly hardState: HardState;
  readonly appliedIndex: number;
}

/** The context a candidate sends when a leader handed over to it: voters skip their lease check. */
const transferContext = new TextEncoder().encode('raft:transfer');

function isTransfer(context: Uint8Array | null): boolean {
  if (context === null || context.length !== transferContext.length) return false;
  return context.every((byte, position) => byte === transferContext[position]);
}

type MessageFields = Partial<Omit<RaftMessage, 'type' | 'from' | 'to'>>;

export class Raft {
  readonly id: NodeId;
  term: number;
  vote: NodeId | null;
  lead: NodeId | null = null;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly membership: MembershipHistory;
  readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  messages: RaftMessage[] = [];
  readStates: ReadState[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** The index of the latest conf change a leader appended; a new one waits until this commits. */
  private pendingConfIndex = 0;
  leadTransferee: NodeId | null = null;
  private readonly readOnly = new ReadOnly();
  /** ReadIndex requests held until this leader commits an entry of its term. */
  private pendingReadIndex: RaftMessage[] = [];
  /** How often each notable path ran (TigerBeetle-style marks): drops, rejections, role changes. */
  readonly marks = new Map<string, number>();

  constructor(
    readonly config: RaftConfig,
    private readonly rand: Rand,
    storage: LogStorage,
    state: RaftState,
  ) {
    this.id = state.id;
    this.term = state.hardState.term;
    this.vote = state.hardState.vote;
    this.log = new RaftLog(storage, state.hardState.commit, state.appliedIndex);
    const snapshot = storage.snapshotMeta();
    const base: Membership = snapshot
      ? membershipFromConfState(snapshot.index, snapshot.conf, snapshot.addresses)
      : { index: 0, voters: new Set(), learners: new Set(), addresses: {} };
    this.membership = new MembershipHistory(base);
    // Replay the conf changes still in the log, a bounded batch at a time.
    const last = this.log.lastIndex();
    for (let next = this.log.firstIndex(); next <= last; ) {
      const batch = this.log.entries(next, last + 1, config.messageSizeBytesMax) ?? [];
      assert(batch.length > 0, `storage returned no entries at ${next}`);
      this.membership.onAppend(batch);
      next = batch[batch.length - 1]!.index + 1;
    }
    this.syncProgressWithMembership();
    this.becomeFollower(this.term, null);
  }

  mark(name: string): void {
    this.marks.set(name, (this.marks.get(name) ?? 0) + 1);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  isPromotable(): boolean {
    return this.membership.current().voters.has(this.id);
  }

  // ---- sending ----

  private send(type: MessageType, to: NodeId, fields: MessageFields = {}): void {
    this.messages.push({ ...emptyMessage, term: this.term, ...fields, type, from: this.id, to });
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Sends the next batch to `to` if its progress allows; false when paused or (unless forced) nothing is new. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.progress.get(to);
    if (!progress || progress.isPaused()) return false;
    const prevIndex = progress.next - 1;
    assert(prevIndex <= this.log.lastIndex(), `next ${progress.next} for ${to} beyond the log end`);
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.entries(
      progress.next,
      progress.next + this.config.messageEntriesMax,
      this.config.messageSizeBytesMax,
    );
    if (prevTerm === null || entries === null) return this.maybeSendSnapshot(to, progress);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send('append', to, { index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : prevIndex;
    progress.sentEntries(entries.length, lastIndex, RaftLog.sizeBytes(entries));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, progress: Progress): boolean {
    // An inactive follower may be down: do not make the driver stream a snapshot into the void.
    if (!progress.recentActive) {
      this.mark('snapshot.deferred-inactive');
      return false;
    }
    const snapshot = this.log.snapshotMeta();
    assert(snapshot !== null, 'entries are compacted but the storage has no snapshot');
    progress.becomeSnapshot(snapshot.index);
    this.send('snapshot', to, { snapshot });
    this.mark('snapshot.sent');
    return true;
  }

  private broadcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private broadcastHeartbeat(context: Uint8Array | null): void {
    for (const [id, progress] of this.progress) {
      if (id === this.id) continue;
      this.send('heartbeat', id, { commit: Math.min(progress.match, this.log.committed), context });
    }
  }

  // ---- role changes ----

  private reset(term: number): void {
    if (term !== this.term) {
      assert(term > this.term, `term goes backwards from ${this.term} to ${term}`);
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.config.electionTicks + this.rand.intBelow(this.config.electionTicks);
    this.leadTransferee = null;
    this.votes.clear();
    const lastIndex = this.log.lastIndex();
    for (const [id, progress] of this.progress) progress.resetForNewTerm(lastIndex, id === this.id);
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    if (this.pendingReadIndex.length > 0) this.mark('read-index.dropped-on-reset');
    this.pendingReadIndex = [];
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader does not pre-campaign');
    // A pre-election changes neither term nor vote: that is its point.
    this.votes.clear();
    this.lead = null;
    this.role = 'pre-candidate';
    this.mark('role.pre-candidate');
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader does not campaign');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.mark('role.candidate');
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.progress.get(this.id)?.becomeReplicate();
    // Conf changes wait until this term's first entry commits (the fix for single-server changes, thesis §4.1).
    this.pendingConfIndex = this.log.lastIndex() + 1;
    this.appendEntries([{ type: 'normal', data: new Uint8Array(0) }]);
    this.mark('role.leader');
  }

  private campaign(kind: 'pre' | 'election', transfer: boolean): void {
    let term: number;
    let type: MessageType;
    if (kind === 'pre') {
      this.becomePreCandidate();
      type = 'pre-vote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = 'vote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre') this.campaign('election', transfer);
      else this.becomeLeader();
      return;
    }
    const fields: MessageFields = {
      term,
      index: this.log.lastIndex(),
      logTerm: this.log.lastTerm(),
      context: transfer ? transferContext : null,
    };
    for (const voter of [...this.membership.current().voters].sort()) {
      if (voter !== this.id) this.send(type, voter, fields);
    }
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    return voteResult(this.membership.current().voters, this.votes);
  }

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.isPromotable()) return;
    if (this.config.preVote && !transfer) this.campaign('pre', false);
    else this.campaign('election', transfer);
  }

  // ---- ticks ----

  tick(): void {
    this.tickRole();
  }

  private tickRole(): void {
    switch (this.role) {
      case 'leader':
        this.tickHeartbeat();
        return;
      case 'follower':
      case 'pre-candidate':
      case 'candidate':
        this.tickElection();
        return;
      default:
        assertNever(this.role);
    }
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.isPromotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.checkQuorumActive()) {
        this.mark('check-quorum.stepped-down');
        this.becomeFollower(this.term, null);
        return;
      }
      if (this.leadTransferee !== null) {
        this.mark('transfer.aborted-timeout');
        this.leadTransferee = null;
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.readOnly.lastContext());
    }
  }

  /** True when a quorum was heard from since the last round; starts the next round. */
  private checkQuorumActive(): boolean {
    const active = quorumActive(
      this.membership.current().voters,
      (id) => id === this.id || (this.progress.get(id)?.recentActive ?? false),
    );
    for (const [id, progress] of this.progress) if (id !== this.id) progress.recentActive = false;
    return active;
  }

  // ---- steps ----

  step(message: RaftMessage): void {
    if (message.to !== this.id) {
      this.mark('step.misaddressed');
      return;
    }
    if (!this.stepTerm(message)) return;
    if (message.type === 'vote' || message.type === 'pre-vote') {
      this.handleVoteRequest(message);
      return;
    }
    this.stepRole(message);
  }

  /** The term rules every role shares; false when the message is done with (stale or ignored). */
  private stepTerm(message: RaftMessage): boolean {
    if (message.term === 0) return true; // forwarded ReadIndex: no term, like etcd's local messages
    if (message.term > this.term) {
      if (message.type === 'vote' || message.type === 'pre-vote') {
        const inLease =
          this.config.checkQuorum && this.lead !== null && this.electionElapsed < this.config.electionTicks;
        if (inLease && !isTransfer(message.context)) {
          // We heard from a leader within the minimum election timeout: this candidate is disruptive.
          this.mark(`${message.type}.ignored-in-lease`);
          return false;
        }
      }
      if (message.type === 'pre-vote') return true;
      if (message.type === 'pre-vote-response' && !message.reject) return true;
      const fromLeader = message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot';
      this.mark('term.advanced');
      const electionElapsed = this.electionElapsed;
      this.becomeFollower(message.term, fromLeader ? message.from : null);
      // Only a leader's message or a granted vote restarts the election timer (Raft §5.2, as hashicorp/raft):
      // a candidate whose log we refuse must not keep resetting it, or a more up-to-date voter whose clock runs
      // slower than the candidate's never gets to campaign.
      if (message.type === 'vote') this.electionElapsed = electionElapsed;
      return true;
    }
    if (message.term < this.term) {
      if (
        (this.config.checkQuorum || this.config.preVote) &&
        (message.type === 'append' || message.type === 'heartbeat')
      ) {
        // A stale leader would otherwise never learn of the new term under pre-vote: tell it.
        this.send('append-response', message.from);
      } else if (message.type === 'pre-vote') {
        this.send('pre-vote-response', message.from, { reject: true });
        this.mark('pre-vote.rejected');
      }
      this.mark('step.stale-term');
      return false;
    }
    return true;
  }

  private handleVoteRequest(message: RaftMessage): void {
    const isPreVote = message.type === 'pre-vote';
    const responseType = isPreVote ? 'pre-vote-response' : 'vote-response';
    const canVote =
      this.vote === message.from ||
      (this.vote === null && this.lead === null) ||
      (isPreVote && message.term > this.term);
    if (canVote && this.log.isUpToDate(message.index, message.logTerm)) {
      this.send(responseType, message.from, { term: message.term });
      if (!isPreVote) {
        assert(this.vote === null || this.vote === message.from, `voting twice in term ${this.term}`);
        this.electionElapsed = 0;
        this.vote = message.from;
      }
      this.mark(`${message.type}.granted`);
      return;
    }
    this.send(responseType, message.from, { reject: true });
    this.mark(`${message.type}.rejected`);
  }

  private stepRole(message: RaftMessage): void {
    switch (this.role) {
      case 'leader':
        this.stepLeader(message);
        return;
      case 'pre-candidate':
      case 'candidate':
        this.stepCandidate(message);
        return;
      case 'follower':
        this.stepFollower(message);
        return;
      default:
        assertNever(this.role);
    }
  }

  private stepLeader(message: RaftMessage): void {
    switch (message.type) {
      case 'append-response':
        this.handleAppendResponse(message);
        return;
      case 'heartbeat-response':
        this.handleHeartbeatResponse(message);
        return;
      case 'read-index':
        this.handleReadIndexAsLeader(message);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Another leader in our own term would break election safety; count it, the checkers will notice.
        this.mark('step.leader-in-same-term');
        return;
      default:
        this.mark(`step.ignored.${message.type}`);
    }
  }

  private stepCandidate(message: RaftMessage): void {
    const myResponseType = this.role === 'pre-candidate' ? 'pre-vote-response' : 'vote-response';
    switch (message.type) {
      case 'append':
        this.becomeFollower(message.term, message.from);
        this.handleAppend(message);
        return;
      case 'heartbeat':
        this.becomeFollower(message.term, message.from);
        this.handleHeartbeat(message);
        return;
      case 'snapshot':
        this.becomeFollower(message.term, message.from);
        this.handleSnapshot(message);
        return;
      case 'pre-vote-response':
      case 'vote-response': {
        if (message.type !== myResponseType) {
          this.mark(`step.ignored.${message.type}`);
          return;
        }
        const result = this.poll(message.from, !message.reject);
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.campaign('election', false);
          else {
            this.becomeLeader();
            this.broadcastAppend();
          }
        } else if (result === 'lost') {
          this.mark(`${this.role}.lost`);
          this.becomeFollower(this.term, null);
        }
        return;
      }
      default:
        this.mark(`step.ignored.${message.type}`);
    }
  }

  private stepFollower(message: RaftMessage): void {
    switch (message.type) {
      case 'append':
        this.electionElapsed = 0;
        this.lead = message.from;
        this.handleAppend(message);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = message.from;
        this.handleHeartbeat(message);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = message.from;
        this.handleSnapshot(message);
        return;
      case 'timeout-now':
        if (!this.isPromotable()) {
          this.mark('timeout-now.ignored-not-voter');
          return;
        }
        this.mark('transfer.campaign');
        this.hup(true);
        return;
      case 'read-index':
        if (this.lead === null || message.from !== this.id) {
          this.mark('read-index.dropped-no-leader');
          return;
        }
        this.messages.push({ ...message, to: this.lead });
        return;
      case 'read-index-response':
        if (message.context !== null) this.readStates.push({ index: message.index, context: message.context });
        return;
      default:
        this.mark(`step.ignored.${message.type}`);
    }
  }

  // ---- follower handlers ----

  private handleAppend(message: RaftMessage): void {
    if (message.index < this.log.committed) {
      this.send('append-response', message.from, { index: this.log.committed });
      return;
    }
    const result = this.log.maybeAppend(message.index, message.logTerm, message.commit, message.entries);
    if (result) {
      if (this.membership.onAppend(result.appended)) this.syncProgressWithMembership();
      this.send('append-response', message.from, { index: result.lastNewIndex });
      return;
    }
    this.mark('append.rejected');
    this.send('append-response', message.from, {
      index: message.index,
      reject: true,
      rejectHint: this.conflictHint(message.index, message.logTerm),
    });
  }

  /**
   * Where the leader should probe next: the highest index at or below both `index` and our last index whose
   * term is at most `logTerm`. Our entries with a higher term cannot match the leader's log there, since terms
   * only grow along a log (etcd findConflictByTerm).
   */
  private conflictHint(index: number, logTerm: number): number {
    let hint = Math.min(index, this.log.lastIndex());
    const floor = this.log.firstIndex() - 1;
    while (hint > floor) {
      const term = this.log.term(hint);
      if (term === null || term <= logTerm) break;
      hint--;
    }
    return hint;
  }

  private handleHeartbeat(message: RaftMessage): void {
    this.log.commitTo(message.commit);
    this.send('heartbeat-response', message.from, { context: message.context });
  }

  private handleSnapshot(message: RaftMessage): void {
    const snapshot = message.snapshot;
    if (snapshot === null) {
      this.mark('snapshot.missing-meta');
      return;
    }
    if (snapshot.index <= this.log.committed) {
      this.mark('snapshot.ignored-old');
      this.send('append-response', message.from, { index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(snapshot.index, snapshot.term)) {
      // We already hold the entries it covers: just commit them.
      this.log.commitTo(snapshot.index);
      this.mark('snapshot.fast-forwarded');
      this.send('append-response', message.from, { index: this.log.committed });
      return;
    }
    this.log.restore(snapshot);
    this.membership.reset(membershipFromConfState(snapshot.index, snapshot.conf, snapshot.addresses));
    this.syncProgressWithMembership();
    this.mark('snapshot.restored');
    this.send('append-response', message.from, { index: this.log.lastIndex() });
  }

  // ---- leader handlers ----

  private handleAppendResponse(message: RaftMessage): void {
    const progress = this.progress.get(message.from);
    if (!progress) {
      this.mark('step.unknown-peer');
      return;
    }
    progress.recentActive = true;
    if (message.reject) {
      if (progress.maybeDecrTo(message.index, message.rejectHint)) {
        if (progress.state === 'replicate') progress.becomeProbe();
        this.sendAppend(message.from);
      }
      return;
    }
    const wasPaused = progress.isPaused();
    if (!progress.maybeUpdate(message.index)) return;
    progress.onAcked(this.log.firstIndex());
    if (this.maybeCommit()) {
      if (this.role !== 'leader') return;
      this.broadcastAppend();
    } else if (wasPaused) {
      this.sendAppend(message.from);
    }
    while (this.maybeSendAppend(message.from, false)) {
      // Fill the pipeline up to the inflight window.
    }
    if (message.from === this.leadTransferee && progress.match === this.log.lastIndex()) {
      this.send('timeout-now', message.from);
      this.mark('transfer.timeout-now');
    }
  }

  private handleHeartbeatResponse(message: RaftMessage): void {
    const progress = this.progress.get(message.from);
    if (!progress) {
      this.mark('step.unknown-peer');
      return;
    }
    progress.onHeartbeatResponse();
    // Also when caught up but probing (after reportUnreachable): the answer moves it back to replicate.
    if (progress.match < this.log.lastIndex() || progress.state === 'probe') this.sendAppend(message.from);
    if (message.context === null || this.readOnly.size === 0) return;
    const acks = this.readOnly.recordAck(message.from, message.context);
    if (acks === null) return;
    if (!quorumActive(this.membership.current().voters, (id) => acks.has(id))) return;
    for (const request of this.readOnly.advance(message.context)) {
      this.answerReadIndex(request.from, request.index, request.context);
    }
  }

  private handleReadIndexAsLeader(message: RaftMessage): void {
    if (message.context === null) {
      this.mark('read-index.dropped-no-context');
      return;
    }
    const voters = this.membership.current().voters;
    if (voters.size === 1 && voters.has(this.id)) {
      this.answerReadIndex(message.from, this.log.committed, message.context);
      return;
    }
    if (this.log.term(this.log.committed) !== this.term) {
      // Our commit index may lag the previous leader's until an entry of our term commits (thesis §6.4).
      if (this.pendingReadIndex.length >= this.config.pendingReadIndexMax) {
        this.mark('read-index.dropped-pending-full');
        return;
      }
      this.pendingReadIndex.push(message);
      return;
    }
    this.readOnly.add(this.log.committed, message.from, message.context, this.id);
    this.broadcastHeartbeat(message.context);
  }

  private answerReadIndex(from: NodeId, index: number, context: Uint8Array): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send('read-index-response', from, { index, context });
  }

  /** Commits what a quorum of voters holds, if it is of this term; steps down if that removed us. */
  private maybeCommit(): boolean {
    const current = this.membership.current();
    const index = committedIndex(current.voters, (id) => this.progress.get(id)?.match ?? 0);
    if (!this.log.maybeCommit(index, this.term)) return false;
    if (this.pendingReadIndex.length > 0) {
      const held = this.pendingReadIndex;
      this.pendingReadIndex = [];
      for (const message of held) this.handleReadIndexAsLeader(message);
    }
    if (!current.voters.has(this.id) && this.log.committed >= current.index) {
      // Tell the remaining voters the removal committed, then step down; they elect a leader among themselves.
      this.broadcastAppend();
      this.mark('leader.removed-stepped-down');
      this.becomeFollower(this.term, null);
    }
    return true;
  }

  // ---- proposals ----

  private appendEntries(items: readonly { type: EntryType; data: Uint8Array }[]): number {
    const lastIndex = this.log.lastIndex();
    const entries: Entry[] = items.map((item, position) => ({
      index: lastIndex + 1 + position,
      term: this.term,
      type: item.type,
      data: item.data,
    }));
    const newLast = this.log.append(entries);
    // The leader's own progress moves only once these entries are durable (onPersisted): it sends them to the
    // followers while it writes them (thesis §10.2.1), and a crash before its write lands must not leave an
    // entry counted as committed that only a minority holds. A membership change may still shrink the quorum.
    if (this.membership.onAppend(entries)) {
      this.syncProgressWithMembership();
      this.maybeCommit();
    }
    return newLast;
  }

  /**
   * The driver made this node's log durable up to (index, term). A leader counts itself toward the commit
   * quorum only from here, like etcd's leader stepping its own append response after the storage write.
   */
  onPersisted(index: number, term: number): void {
    if (this.role !== 'leader' || term !== this.term) return;
    const self = this.progress.get(this.id);
    if (!self?.maybeUpdate(index)) return;
    if (this.maybeCommit() && this.role === 'leader') this.broadcastAppend();
  }

  private refuseProposal(): ProposeResult | null {
    if (this.role !== 'leader') return { kind: 'not-leader', leaderId: this.lead };
    if (!this.progress.has(this.id)) return { kind: 'not-leader', leaderId: null }; // removing itself
    if (this.leadTransferee !== null) return { kind: 'transferring', leaderId: this.id };
    return null;
  }

  propose(data: Uint8Array): ProposeResult {
    const refusal = this.refuseProposal();
    if (refusal) {
      this.mark(`propose.${refusal.kind}`);
      return refusal;
    }
    const index = this.appendEntries([{ type: 'normal', data }]);
    this.broadcastAppend();
    return { kind: 'accepted', index, term: this.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refusal = this.refuseProposal();
    if (refusal) return refusal;
    if (this.pendingConfIndex > this.log.committed) {
      this.mark('conf-change.refused-pending');
      return { kind: 'rejected', reason: 'a membership change or the new term is not committed yet' };
    }
    const problem = confChangeProblem(this.membership.current(), change);
    if (problem !== null) return { kind: 'rejected', reason: problem };
    const index = this.appendEntries([{ type: 'conf-change', data: encodeConfChange(change) }]);
    this.pendingConfIndex = index;
    if (this.role === 'leader') this.broadcastAppend();
    return { kind: 'accepted', index, term: this.term };
  }

  transferLeadership(to: NodeId): TransferResult {
    if (this.role !== 'leader') return 'not-leader';
    if (to === this.id || !this.membership.current().voters.has(to)) return 'rejected';
    if (this.leadTransferee === to) return 'accepted';
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    const progress = this.progress.get(to)!;
    if (progress.match === this.log.lastIndex()) {
      this.send('timeout-now', to);
      this.mark('transfer.timeout-now');
    } else {
      this.sendAppend(to);
    }
    return 'accepted';
  }

  /** A read for `context`: confirmed leaders answer through readStates, followers forward to the leader. */
  readIndex(context: Uint8Array): 'accepted' | 'not-leader' {
    if (this.role !== 'leader' && this.lead === null) {
      this.mark('read-index.dropped-no-leader');
      return 'not-leader';
    }
    this.step({ ...emptyMessage, type: 'read-index', from: this.id, to: this.id, term: 0, context });
    return 'accepted';
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    if (this.role !== 'leader') return;
    this.progress.get(to)?.onSnapshotReport(ok);
    this.mark(ok ? 'snapshot.reported-ok' : 'snapshot.reported-failed');
  }

  reportUnreachable(to: NodeId): void {
    if (this.role !== 'leader') return;
    this.progress.get(to)?.onUnreachable();
  }

  // ---- membership ----

  /** Gives every member a Progress and drops those of removed ones; a leader re-checks its commit. */
  private syncProgressWithMembership(): void {
    const current = this.membership.current();
    const lastIndex = this.log.lastIndex();
    for (const id of [...this.progress.keys()]) {
      if (!current.voters.has(id) && !current.learners.has(id)) this.progress.delete(id);
    }
    for (const id of [...current.voters, ...current.learners]) {
      const isLearner = current.learners.has(id);
      const existing = this.progress.get(id);
      if (existing) {
        existing.isLearner = isLearner;
        continue;
      }
      const progress = new Progress(
        lastIndex + 1,
        isLearner,
        this.config.inflightMessagesMax,
        this.config.inflightBytesMax,
      );
      if (id === this.id) {
        progress.match = lastIndex;
        progress.recentActive = true;
        if (this.role === 'leader') progress.becomeReplicate();
      } else {
        progress.recentActive = true; // a new member gets one election timeout before it counts as silent
      }
      this.progress.set(id, progress);
    }
    if (this.leadTransferee !== null && !current.voters.has(this.leadTransferee)) this.leadTransferee = null;
  }

  /** The configuration at `index`, for the snapshot the driver takes there. */
  membershipAt(index: number): Membership {
    return this.membership.at(index);
  }

  /** Exposed for tests: the configuration a change would produce. */
  static previewConfChange(current: Membership, change: ConfChange, index: number): Membership {
    return applyConfChange(current, change, index);
  }
}
