// Operating errors: one class per failure, each with a stable `name` and `code`; callers branch on the class
// or the code, never on the message. Edges (HTTP, gRPC, DNS, proxy) map them to statuses through one table each.

export class LatticeError extends Error {
  override readonly name: string = 'LatticeError';
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An operation was cancelled through its AbortSignal; the signal's reason is the cause. */
export class AbortError extends LatticeError {
  override readonly name: string = 'AbortError';
  constructor(message = 'the operation was aborted', options?: ErrorOptions) {
    super('ERR_ABORTED', message, options);
  }
}

/** An operation ran past its deadline. */
export class TimeoutError extends LatticeError {
  override readonly name: string = 'TimeoutError';
  constructor(message = 'the operation timed out', options?: ErrorOptions) {
    super('ERR_TIMEOUT', message, options);
  }
}

/** The component is stopping or stopped and takes no more work. */
export class ShutdownError extends LatticeError {
  override readonly name: string = 'ShutdownError';
  constructor(message = 'shutting down', options?: ErrorOptions) {
    super('ERR_SHUTDOWN', message, options);
  }
}

/** Input from outside (config, request body, packet) that does not meet the contract. */
export class ValidationError extends LatticeError {
  override readonly name: string = 'ValidationError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_VALIDATION', message, options);
  }
}

/** A feature that exists in the contract but is not built yet: a clear refusal, never a fake. */
export class NotImplementedError extends LatticeError {
  override readonly name: string = 'NotImplementedError';
  constructor(what: string, options?: ErrorOptions) {
    super('ERR_NOT_IMPLEMENTED', `${what} is not implemented yet`, options);
  }
}

/** Walks the `cause` chain and returns the first error of the given class, if any. */
export function findCause<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof type) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}

/** The reason an aborted signal carries, as an AbortError unless it is already a LatticeError. */
export function abortReason(signal: AbortSignal): LatticeError {
  const reason: unknown = signal.reason;
  if (reason instanceof LatticeError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError')
    return new TimeoutError(reason.message, { cause: reason });
  return new AbortError(undefined, { cause: reason });
}
