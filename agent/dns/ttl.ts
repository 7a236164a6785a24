// The TTL of a service's records (Consul's GetTTLForService): an exact `dns_config.service_ttl` key wins, then the
// longest `prefix*` pattern (`*` alone matches every service), else 0. Pure; milliseconds in, seconds out.

export function serviceTtlSeconds(patterns: Readonly<Record<string, number>>, service: string): number {
  const exact = patterns[service];
  if (exact !== undefined) return toSeconds(exact);
  let bestPrefixLength = -1;
  let bestMs = 0;
  for (const [pattern, ttlMs] of Object.entries(patterns)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (service.startsWith(prefix) && prefix.length > bestPrefixLength) {
      bestPrefixLength = prefix.length;
      bestMs = ttlMs;
    }
  }
  return toSeconds(bestMs);
}

/** Whole seconds, as Consul's `uint32(ttl / time.Second)`. */
export function toSeconds(durationMs: number): number {
  return Math.min(0xffff_ffff, Math.max(0, Math.floor(durationMs / 1000)));
}
