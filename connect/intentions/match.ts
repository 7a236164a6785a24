// The read side of the intentions API: `/v1/connect/intentions/match` (every intention that applies to a source or
// destination, most specific first) and `/v1/connect/intentions/check` (would this pair connect at L4?).

import { ValidationError } from '../../lib/errors.js';
import { INTENTION_DEFAULT_NAMESPACE, INTENTION_WILDCARD, type Intention } from './model.js';
import { sortIntentions } from './precedence.js';
import { compileIntentionTable, type IntentionTable, type IntentionTableOptions, type ServiceRef } from './table.js';

export type MatchBy = 'source' | 'destination';

/**
 * For each name, the intentions whose source (by=source) or destination (by=destination) matches it exactly or by
 * wildcard, sorted by precedence: the answer shape of the match endpoint, keyed by the name as given.
 */
export function matchIntentions(
  intentions: readonly Intention[],
  by: MatchBy,
  names: readonly (string | ServiceRef)[],
): Record<string, Intention[]> {
  if (by !== 'source' && by !== 'destination') throw new ValidationError(`by must be "source" or "destination"`);
  const answer: Record<string, Intention[]> = {};
  for (const entry of names) {
    const ref = typeof entry === 'string' ? { name: entry } : entry;
    const namespace = ref.namespace || INTENTION_DEFAULT_NAMESPACE;
    const matching = intentions.filter((intention) =>
      by === 'destination'
        ? sideMatches(intention.DestinationNS, intention.DestinationName, namespace, ref.name)
        : sideMatches(intention.SourceNS, intention.SourceName, namespace, ref.name),
    );
    answer[ref.name] = sortIntentions(matching);
  }
  return answer;
}

/** An intention side matches a service when each of its values is that service's value or the wildcard. */
export function sideMatches(intentionNs: string, intentionName: string, namespace: string, name: string): boolean {
  return (
    (intentionNs === INTENTION_WILDCARD || intentionNs === namespace) &&
    (intentionName === INTENTION_WILDCARD || intentionName === name)
  );
}

/** `{"Allowed": bool}` of the check endpoint; an L7 intention counts as deny there. */
export function checkIntention(
  table: IntentionTable,
  source: string | ServiceRef,
  destination: string | ServiceRef,
): { Allowed: boolean } {
  return { Allowed: table.decide(source, destination).allowed };
}

/** check over a plain list, compiling a table for the one question. */
export function checkIntentions(
  intentions: readonly Intention[],
  source: string | ServiceRef,
  destination: string | ServiceRef,
  options: IntentionTableOptions,
): { Allowed: boolean } {
  return checkIntention(compileIntentionTable(intentions, options), source, destination);
}
