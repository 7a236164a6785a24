// The operating errors of state-store writes, with Consul's messages where clients or operators see them (the
// RPC and HTTP layers pass the message through). A failed write changes nothing.

import { LatticeError } from '../../lib/errors.js';

/** A write the catalog refuses: missing node or service, a name conflict, malformed input. */
export class StateStoreError extends LatticeError {
  override readonly name: string = 'StateStoreError';
}

/** Consul's ErrMissingNode. */
export class MissingNodeError extends StateStoreError {
  override readonly name: string = 'MissingNodeError';
  constructor(message = 'Missing node registration', options?: ErrorOptions) {
    super('ERR_MISSING_NODE', message, options);
  }
}

/** Consul's ErrMissingService. */
export class MissingServiceError extends StateStoreError {
  override readonly name: string = 'MissingServiceError';
  constructor(message = 'Missing service registration', options?: ErrorOptions) {
    super('ERR_MISSING_SERVICE', message, options);
  }
}

/** A field of a write has the wrong type or an invalid value. */
export class InvalidWriteError extends StateStoreError {
  override readonly name: string = 'InvalidWriteError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INVALID_WRITE', message, options);
  }
}

/**
 * A legacy intention write that would give one destination's service-intentions entry the same source twice:
 * Consul (≥ 1.9) refuses it in the entry's validation, `Sources[1] defines "web" more than once`, and its HTTP API
 * answers 500 with that text (a plain error, not a bad request), so this code has no HTTP status of its own.
 */
export class IntentionConflictError extends StateStoreError {
  override readonly name: string = 'IntentionConflictError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INTENTION_CONFLICT', message, options);
  }
}

/**
 * A legacy (ID-based) intention write Consul ≥ 1.9 refuses because of where the intention lives: its destination's
 * service-intentions entry was written as a config entry, or the write would move it to another destination's
 * entry. Consul answers these with 500 and its text, so this code has no HTTP status of its own either.
 */
export class LegacyIntentionEditError extends StateStoreError {
  override readonly name: string = 'LegacyIntentionEditError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INTENTION_LEGACY_EDIT', message, options);
  }
}

/**
 * A legacy intention update or delete naming an ID no intention has. Consul's Intention.Apply answers it as an RPC
 * error, so its HTTP API says 500 with this text ("Cannot modify non-existent intention: 'x'"); no HTTP status of
 * its own here either (a GET of that ID is the 404).
 */
export class UnknownIntentionError extends StateStoreError {
  override readonly name: string = 'UnknownIntentionError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INTENTION_UNKNOWN', message, options);
  }
}

/** A node name or ID already belongs to another live node. */
export class NodeConflictError extends StateStoreError {
  override readonly name: string = 'NodeConflictError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_NODE_CONFLICT', message, options);
  }
}

type ContextualError = new (message: string, options?: ErrorOptions) => StateStoreError;

/**
 * The same refusal, same class, with Consul's context in front (`failed inserting check on node "n1": Missing
 * service registration`); anything else is returned unchanged.
 */
export function withContext(error: unknown, context: string): unknown {
  for (const type of [
    MissingNodeError,
    MissingServiceError,
    InvalidWriteError,
    NodeConflictError,
  ] as ContextualError[]) {
    if (error instanceof type && error.constructor === type) {
      return new type(`${context}: ${error.message}`, { cause: error });
    }
  }
  return error;
}
