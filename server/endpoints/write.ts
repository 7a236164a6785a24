// How a refused write becomes an RPC error: state store refusals (validation or the FSM's ApplyResponse) keep
// their code and Consul's message inside a WriteRefusedError; anything else on the write path passes through.

import { LatticeError } from '../../lib/errors.js';
import { WriteRefusedError } from '../rpc/errors.js';

export function refusalOf(error: LatticeError): WriteRefusedError {
  return new WriteRefusedError(error.code, error.message, { cause: error });
}

/** The FSM's ApplyResponse.error, if any, as the RPC error to throw. */
export function refusalFromResponse(response: unknown): WriteRefusedError | null {
  if (typeof response !== 'object' || response === null) return null;
  const error = (response as { error?: unknown }).error;
  return error instanceof LatticeError ? refusalOf(error) : null;
}
