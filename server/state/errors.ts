// The operating errors of state-store writes, with Consul's messages where clients or operators see them (the
// RPC and HTTP layers pass the message through). A failed write changes nothing.

import { LatticeError } from '../../lib/errors.js';

/** A write the catalog refuses: missing node or service, a name conflict, malformed input. */
export class StateStoreError extends LatticeError {
  override readonly name: string = 'StateStoreError';
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Consul's ErrMissingNode. */
export class MissingNodeError extends StateStoreError {
  override readonly name: string = 'MissingNodeError';
  constructor() {
    super('ERR_MISSING_NODE', 'Missing node registration');
  }
}

/** Consul's ErrMissingService. */
export class MissingServiceError extends StateStoreError {
  override readonly name: string = 'MissingServiceError';
  constructor() {
    super('ERR_MISSING_SERVICE', 'Missing service registration');
  }
}

/** A field of a write has the wrong type or an invalid value. */
export class InvalidWriteError extends StateStoreError {
  override readonly name: string = 'InvalidWriteError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_INVALID_WRITE', message, options);
  }
}

/** A node name or ID already belongs to another live node. */
export class NodeConflictError extends StateStoreError {
  override readonly name: string = 'NodeConflictError';
  constructor(message: string) {
    super('ERR_NODE_CONFLICT', message);
  }
}
