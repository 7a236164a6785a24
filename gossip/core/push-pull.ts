// Push-pull scheduling: the full-state sync interval grows with the pool above 32 members, so the total sync
// traffic stays roughly flat as the pool grows (memberlist's pushPullScale).

const PUSH_PULL_SCALE_THRESHOLD = 32;

/** base × (ceil(log2(n) − log2(32)) + 1) above 32 members, else base. */
export function pushPullIntervalMs(baseIntervalMs: number, memberCount: number): number {
  if (memberCount <= PUSH_PULL_SCALE_THRESHOLD) return baseIntervalMs;
  const multiplier = Math.ceil(Math.log2(memberCount) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return baseIntervalMs * multiplier;
}
