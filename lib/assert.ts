// Always-on assertions for programmer errors (TIGER_STYLE): a failed assertion means the code is wrong,
// so it throws an AssertionError that is never caught and handled as an operating error.

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, message = 'unexpected value'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}

export function assertSafeInteger(value: number, what = 'value'): void {
  if (!Number.isSafeInteger(value)) throw new AssertionError(`${what} must be a safe integer, got ${value}`);
}

export function assertNonNegativeInteger(value: number, what = 'value'): void {
  assertSafeInteger(value, what);
  if (value < 0) throw new AssertionError(`${what} must not be negative, got ${value}`);
}
