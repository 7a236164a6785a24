// The commands the catalog FSM applies, as a discriminated union, and the names reserved for the tables later
// issues add (KV, sessions, transactions, intentions, config entries, CA roots): those decode to a refusal until
// their handlers exist, never to a crash.

import type { CoordinateUpdate, DeregisterRequest, RegisterRequest } from '../state/types.js';

export type Command =
  | { readonly type: 'register'; readonly request: RegisterRequest }
  | { readonly type: 'deregister'; readonly request: DeregisterRequest }
  | { readonly type: 'coordinate-batch-update'; readonly updates: readonly CoordinateUpdate[] };

export type CommandType = Command['type'];

export const commandTypes: readonly CommandType[] = ['register', 'deregister', 'coordinate-batch-update'];

/** Types later issues will add; a log entry of one of these is refused with UnknownCommandError until then. */
export const reservedCommandTypes: readonly string[] = [
  'kv',
  'session',
  'txn',
  'intention',
  'config-entry',
  'ca-roots',
  'acl',
  'prepared-query',
  'autopilot',
];

export const registerCommand = (request: RegisterRequest): Command => ({ type: 'register', request });
export const deregisterCommand = (request: DeregisterRequest): Command => ({ type: 'deregister', request });
export const coordinateBatchUpdateCommand = (updates: readonly CoordinateUpdate[]): Command => ({
  type: 'coordinate-batch-update',
  updates,
});
