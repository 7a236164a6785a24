// The member snapshot (serf/snapshot.go), as text lines: `alive: <name> <address>`, `not-alive: <name>`,
// `clock: N`, `event-clock: N`, `query-clock: N`, `leave`. Replaying it gives the members to rejoin after a restart
// and the Lamport clocks to resume from; compaction rewrites it as the current alive set. Pure: parse and format.

export interface SnapshotState {
  /** Member name → gossip address of every member last known alive. */
  readonly alive: Map<string, string>;
  clock: number;
  eventClock: number;
  queryClock: number;
  /** The last thing recorded was a graceful leave: do not rejoin. */
  left: boolean;
  /** Lines that could not be read (skipped, as serf does). */
  skippedLines: number;
}

export function emptySnapshotState(): SnapshotState {
  return { alive: new Map(), clock: 0, eventClock: 0, queryClock: 0, left: false, skippedLines: 0 };
}

/** Alive members the snapshot may hold at most; beyond it lines are skipped (a corrupt or hostile file). */
export const snapshotMemberCountMax = 65_536;

export function applySnapshotLine(state: SnapshotState, line: string): void {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return;
  if (text === 'leave') {
    state.alive.clear();
    state.left = true;
    return;
  }
  const match = /^([a-z-]+): (.+)$/.exec(text);
  if (!match) {
    state.skippedLines++;
    return;
  }
  const [, kind, rest] = match as unknown as [string, string, string];
  switch (kind) {
    case 'alive': {
      const split = rest.lastIndexOf(' ');
      if (split <= 0 || (state.alive.size >= snapshotMemberCountMax && !state.alive.has(rest.slice(0, split)))) {
        state.skippedLines++;
        return;
      }
      state.alive.set(rest.slice(0, split), rest.slice(split + 1));
      state.left = false;
      return;
    }
    case 'not-alive':
      state.alive.delete(rest);
      return;
    case 'clock':
    case 'event-clock':
    case 'query-clock': {
      const value = Number(rest);
      if (!Number.isSafeInteger(value) || value < 0) {
        state.skippedLines++;
        return;
      }
      if (kind === 'clock') state.clock = value;
      else if (kind === 'event-clock') state.eventClock = value;
      else state.queryClock = value;
      return;
    }
    default:
      state.skippedLines++;
  }
}

export function parseSnapshot(text: string): SnapshotState {
  const state = emptySnapshotState();
  for (const line of text.split('\n')) applySnapshotLine(state, line);
  return state;
}

export function formatSnapshot(state: SnapshotState): string {
  const lines = ['# lattice serf snapshot'];
  for (const [name, address] of state.alive) lines.push(`alive: ${name} ${address}`);
  lines.push(`clock: ${state.clock}`, `event-clock: ${state.eventClock}`, `query-clock: ${state.queryClock}`);
  if (state.left) lines.push('leave');
  return `${lines.join('\n')}\n`;
}

/** Names with line breaks would break the line format; the core already limits names to 255 bytes. */
export function isSnapshotSafeName(name: string): boolean {
  return !/[\r\n]/.test(name);
}
