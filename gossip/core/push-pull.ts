// Push-pull full-state sync: what this node sends (every member, each flagged "fresh" while still being gossiped),
// how a received state merges into ours, and how the sync interval grows with the pool above 32 members so total
// sync traffic stays roughly flat (memberlist's pushPullScale and mergeState).

import type { BroadcastQueue } from './broadcast-queue.js';
import type { PushPullEntry, PushPullMessage } from './messages.js';
import type { MembershipState } from './state.js';

const PUSH_PULL_SCALE_THRESHOLD = 32;

/** base × (ceil(log2(n) − log2(32)) + 1) above 32 members, else base. */
export function pushPullIntervalMs(baseIntervalMs: number, memberCount: number): number {
  if (memberCount <= PUSH_PULL_SCALE_THRESHOLD) return baseIntervalMs;
  const multiplier = Math.ceil(Math.log2(memberCount) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return baseIntervalMs * multiplier;
}

/** This node's full state, dead and left members included, as memberlist sends it. */
export function localState(
  state: MembershipState,
  queue: BroadcastQueue,
  join: boolean,
  userState: Uint8Array,
): PushPullMessage {
  const entries: PushPullEntry[] = [];
  for (const record of state.table.all()) {
    entries.push({
      name: record.name,
      address: record.address,
      meta: record.meta,
      incarnation: record.incarnation,
      state: record.state,
      fresh: queue.has(record.name),
    });
  }
  return { type: 'push-pull', join, entries, userState };
}

/**
 * Merges a remote state into ours through the ordinary transitions. A remote `dead` becomes only a suspicion here,
 * so a stale view cannot kill a live member; `left` is taken as a leave. A node that knew nobody re-broadcasts only
 * the entries the sender is still gossiping (see MembershipState.onAlive).
 */
export function mergeRemoteState(state: MembershipState, message: PushPullMessage, nowMs: number): void {
  const self = state.self.name;
  const alone = state.table.liveCount === 1;
  for (const entry of message.entries) {
    switch (entry.state) {
      case 'alive':
        state.onAlive(
          { type: 'alive', incarnation: entry.incarnation, node: entry.name, address: entry.address, meta: entry.meta },
          nowMs,
          !alone || entry.fresh,
        );
        break;
      case 'left':
        state.onDead({ type: 'dead', incarnation: entry.incarnation, node: entry.name, from: entry.name }, nowMs);
        break;
      case 'dead':
      case 'suspect':
        state.onSuspect({ type: 'suspect', incarnation: entry.incarnation, node: entry.name, from: self }, nowMs);
        break;
    }
  }
}
