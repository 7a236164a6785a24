// Endpoint choice as a pure function: given the endpoints, the ones already tried for this connection, the open
// connection count per endpoint and a rotating cursor, pick one. No clock, no randomness, no I/O.

export type BalancerPolicy = 'round-robin' | 'least-connections';

export interface PickInput {
  readonly policy: BalancerPolicy;
  /** Endpoint keys in the order the health watch gave them. */
  readonly keys: readonly string[];
  /** Keys this connection already failed on; never picked again. */
  readonly excluded: ReadonlySet<string>;
  /** Open connections per key; a missing key counts as zero. */
  readonly active: ReadonlyMap<string, number>;
  /** Where round-robin resumes, and where least-connections starts breaking ties. */
  readonly cursor: number;
}

export interface PickResult {
  /** Position in `keys`, or null when every endpoint is excluded or there are none. */
  readonly position: number | null;
  readonly cursor: number;
}

export function pick(input: PickInput): PickResult {
  const count = input.keys.length;
  if (count === 0) return { position: null, cursor: input.cursor };
  const start = ((input.cursor % count) + count) % count;
  let best: number | null = null;
  let bestActive = Number.POSITIVE_INFINITY;
  for (let step = 0; step < count; step += 1) {
    const position = (start + step) % count;
    const key = input.keys[position]!;
    if (input.excluded.has(key)) continue;
    if (input.policy === 'round-robin') return { position, cursor: position + 1 };
    const active = input.active.get(key) ?? 0;
    if (active < bestActive) {
      best = position;
      bestActive = active;
    }
  }
  return best === null ? { position: null, cursor: input.cursor } : { position: best, cursor: best + 1 };
}
