// Writes of intentions by their source and destination names (/v1/connect/intentions/exact), as Consul's own UI
// makes them (consul-ui adapters/intention.js). The ID-based endpoints (POST /v1/connect/intentions, PUT and
// DELETE /:id) are Consul's legacy API: since 1.9 the servers refuse them for a destination whose intentions
// were written as a service-intentions config entry (`config write` or /exact), and intentions made that way
// have no ID at all, so the UI never uses them.

import { ApiError, apiUrl, request } from './client.js';
import type { IntentionAction } from './types.js';

/** What the form edits of an L4 intention; L7 permissions are edited as service-intentions config entries. */
export interface IntentionFields {
  readonly action: IntentionAction;
  readonly description: string;
}

function exactUrl(source: string, destination: string): string {
  return apiUrl('/v1/connect/intentions/exact', { source, destination });
}

/** Whether an intention from `source` to `destination` exists (GET /exact answers 404 when it does not). */
async function intentionExists(source: string, destination: string): Promise<boolean> {
  try {
    await request(exactUrl(source, destination));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'not-found') return false;
    throw error;
  }
}

/**
 * A new intention. PUT /exact writes over an existing one for the same pair (an L7 one would lose its
 * permissions), where the legacy POST refused a duplicate, so the UI asks first and refuses with the pair named.
 */
export async function createIntention(source: string, destination: string, fields: IntentionFields): Promise<void> {
  if (await intentionExists(source, destination))
    throw new ApiError(
      'conflict',
      0,
      `An intention from "${source}" to "${destination}" already exists; edit it in the list instead`,
    );
  await request(exactUrl(source, destination), {
    method: 'PUT',
    body: { SourceName: source, DestinationName: destination, Action: fields.action, Description: fields.description },
  });
}

/** Replaces the action and description of the intention from `source` to `destination`. */
export async function updateIntention(source: string, destination: string, fields: IntentionFields): Promise<void> {
  // The destination travels in the query only: an edit never moves an intention (Consul's UI drops it too).
  await request(exactUrl(source, destination), {
    method: 'PUT',
    body: { SourceName: source, Action: fields.action, Description: fields.description },
  });
}

/** Removes the intention from `source` to `destination`, L4 or L7. */
export async function deleteIntention(source: string, destination: string): Promise<void> {
  await request(exactUrl(source, destination), { method: 'DELETE' });
}
