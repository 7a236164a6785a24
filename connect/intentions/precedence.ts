// Intention precedence exactly as Consul's Intention.UpdatePrecedence (reference §5.2): the destination's count of
// exact values (namespace, name) sets the band (9, 6, 3) and the source's count picks the row inside it, so
// `web → db` is 9, `* → db` 8, `*/* → db` 7, `web → *` 6 … `*/* → */*` 1. Listing order is precedence descending,
// then the canonical tuple, as Consul's IntentionPrecedenceSorter.

export interface PrecedenceFields {
  readonly SourceNS: string;
  readonly SourceName: string;
  readonly DestinationNS: string;
  readonly DestinationName: string;
}

const wildcard = '*';

/** Exact values in a (namespace, name) pair: a wildcard namespace implies a wildcard name, so 0, 1 or 2. */
export function countExact(namespace: string, name: string): 0 | 1 | 2 {
  if (namespace === wildcard) return 0;
  if (name === wildcard) return 1;
  return 2;
}

export function intentionPrecedence(fields: PrecedenceFields): number {
  const band = [3, 6, 9][countExact(fields.DestinationNS, fields.DestinationName)]!;
  return band - (2 - countExact(fields.SourceNS, fields.SourceName));
}

/** Higher precedence first; equal precedence ordered by (SourceNS, SourceName, DestinationNS, DestinationName). */
export function compareIntentions(a: PrecedenceFields & { Precedence: number }, b: typeof a): number {
  if (a.Precedence !== b.Precedence) return b.Precedence - a.Precedence;
  return (
    compareText(a.SourceNS, b.SourceNS) ||
    compareText(a.SourceName, b.SourceName) ||
    compareText(a.DestinationNS, b.DestinationNS) ||
    compareText(a.DestinationName, b.DestinationName)
  );
}

export function sortIntentions<T extends PrecedenceFields & { Precedence: number }>(intentions: readonly T[]): T[] {
  return [...intentions].sort(compareIntentions);
}

/** Byte-order comparison, as Go compares strings (localeCompare would reorder by locale). */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
