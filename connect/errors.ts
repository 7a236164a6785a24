// Connect's operating errors: one class per failure, with a stable code, so that the HTTP edge, the proxy and the
// leaf-signing RPC can branch on the class and map each to its own status in one table.

import { LatticeError } from '../lib/errors.js';

/** A string that is not a SPIFFE ID of a kind Connect knows, or breaks the ID's grammar. */
export class SpiffeIdError extends LatticeError {
  override readonly name: string = 'SpiffeIdError';
  constructor(
    readonly input: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super('ERR_SPIFFE_ID', `invalid SPIFFE ID ${JSON.stringify(truncate(input))}: ${reason}`, options);
  }
}

/** The CA configuration does not meet the contract (key type and bits, TTLs, limits). */
export class CaConfigError extends LatticeError {
  override readonly name: string = 'CaConfigError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super('ERR_CA_CONFIG', `invalid CA configuration: ${problems.join('; ')}`, options);
  }
}

/** A CSR the CA refuses to sign: unparseable, a bad signature, or a URI SAN this CA may not certify. */
export class CsrRejectedError extends LatticeError {
  override readonly name: string = 'CsrRejectedError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CSR_REJECTED', message, options);
  }
}

/** PEM or DER input (certificate, key) that does not parse as what it claims to be. */
export class MalformedCertificateError extends LatticeError {
  override readonly name: string = 'MalformedCertificateError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CERT_MALFORMED', message, options);
  }
}

/** A peer's chain does not lead to any trusted root (another CA, a tampered signature, a broken chain). */
export class UnknownCaError extends LatticeError {
  override readonly name: string = 'UnknownCaError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CERT_UNKNOWN_CA', message, options);
  }
}

/** A certificate in the chain is outside its validity window at the time of the check. */
export class CertificateExpiredError extends LatticeError {
  override readonly name: string = 'CertificateExpiredError';
  constructor(
    readonly which: 'expired' | 'not-yet-valid',
    message: string,
    options?: ErrorOptions,
  ) {
    super(which === 'expired' ? 'ERR_CERT_EXPIRED' : 'ERR_CERT_NOT_YET_VALID', message, options);
  }
}

/** The chain is valid but names another service than the one the caller dialled. */
export class WrongServiceError extends LatticeError {
  override readonly name: string = 'WrongServiceError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    options?: ErrorOptions,
  ) {
    super('ERR_CERT_WRONG_SERVICE', `certificate is for ${actual}, expected ${expected}`, options);
  }
}

/** The chain is valid but its SPIFFE ID belongs to another trust domain. */
export class WrongTrustDomainError extends LatticeError {
  override readonly name: string = 'WrongTrustDomainError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    options?: ErrorOptions,
  ) {
    super('ERR_CERT_WRONG_TRUST_DOMAIN', `certificate is from trust domain ${actual}, expected ${expected}`, options);
  }
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** An intention or service-intentions entry that breaks Consul's rules; every problem is listed. */
export class IntentionValidationError extends LatticeError {
  override readonly name: string = 'IntentionValidationError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super('ERR_INTENTION_INVALID', `invalid intention: ${problems.join('; ')}`, options);
  }
}
