// Inbound authorization from the current intention table (kept fresh by a watch, never a server call): an allowed
// caller passes; anything else, including an L7 intention seen at L4, is denied with the table's reason.

import type { IntentionTable } from '../../connect/index.js';
import { assert } from '../../lib/assert.js';
import { IntentionDeniedError } from '../errors.js';
import type { ConnectionContext, NetworkFilter } from '../filter-chain.js';

/** The decision for an identified connection; null table means intentions are not loaded yet, which denies. */
export function decideConnection(
  table: IntentionTable | null,
  context: ConnectionContext,
): { allowed: boolean; reason: string } {
  assert(context.source !== null, 'authorize runs after the peer is verified');
  if (!table) return { allowed: false, reason: 'intentions not loaded yet' };
  const decision = table.decide(
    { name: context.source, namespace: context.sourceNamespace ?? undefined },
    context.destination,
  );
  return { allowed: decision.allowed, reason: decision.reason };
}

export function authorize(currentTable: () => IntentionTable | null): NetworkFilter {
  return (next) => async (connection) => {
    const { context } = connection;
    const decision = decideConnection(currentTable(), context);
    if (!decision.allowed) throw new IntentionDeniedError(context.source ?? '', context.destination, decision.reason);
    await next(connection);
  };
}
