// Whether a failed dial is tried again on another endpoint: a pure decision over the attempt count, the bound and
// the kind of failure.

export type DialFailure = 'connect-timeout' | 'connect-failed' | 'peer-rejected' | 'cancelled' | 'no-credentials';

export interface RetryInput {
  /** Attempts made so far, including the one that failed. */
  readonly attempt: number;
  readonly attemptsMax: number;
  readonly failure: DialFailure;
}

export function shouldRetryConnect(input: RetryInput): boolean {
  if (input.attempt >= input.attemptsMax) return false;
  switch (input.failure) {
    case 'connect-timeout':
    case 'connect-failed':
    // Another instance may present the right identity; a misregistered endpoint should not fail the caller.
    case 'peer-rejected':
      return true;
    case 'cancelled':
    // Our own leaf is missing: every endpoint would fail the same way.
    case 'no-credentials':
      return false;
  }
}
