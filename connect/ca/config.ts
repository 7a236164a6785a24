// The built-in CA's configuration (`connect.ca_config` and `/v1/connect/ca/configuration` Config), with Consul's
// defaults and bounds. validateCaConfig accepts Consul's spellings (PascalCase from the API, snake_case from agent
// files), reports every problem at once, and checks the relations between TTLs as Consul does.

import { parseDurationField } from '../../lib/duration.js';
import { CaConfigError } from '../errors.js';
import type { PrivateKeyType } from './keys.js';

const hourMs = 3_600_000;

export interface CaConfig {
  readonly privateKeyType: PrivateKeyType;
  readonly privateKeyBits: number;
  readonly leafCertTtlMs: number;
  readonly rootCertTtlMs: number;
  readonly intermediateCertTtlMs: number;
  /** Token-bucket rate for leaf signing; 0 means unlimited. Ignored when csrMaxConcurrent > 0, as in Consul. */
  readonly csrMaxPerSecond: number;
  /** Leaf signings in flight at once; 0 turns this limit off. */
  readonly csrMaxConcurrent: number;
}

export const CA_CONFIG_DEFAULTS: CaConfig = Object.freeze({
  privateKeyType: 'ec', // EC P-256: small keys, ~7× faster to sign than RSA-2048 here
  privateKeyBits: 256,
  leafCertTtlMs: 72 * hourMs, // Consul's LeafCertTTL: short enough that a stolen key ages out in days
  rootCertTtlMs: 87_600 * hourMs, // 10 years: roots change by rotation, not by expiry
  intermediateCertTtlMs: 8_760 * hourMs, // 1 year, for secondary datacenters
  csrMaxPerSecond: 50, // Consul's default; a root change re-issues every leaf and must not flood the leader
  csrMaxConcurrent: 0,
});

/** Consul: leaf TTL at least 1h and at most 1 year. */
export const LEAF_CERT_TTL_MS_MIN = hourMs;
export const LEAF_CERT_TTL_MS_MAX = 8_760 * hourMs;
/** Supported sizes; Consul also allows EC 224, which WebCrypto does not implement. */
const allowedBits: Readonly<Record<PrivateKeyType, readonly number[]>> = { ec: [256, 384, 521], rsa: [2048, 4096] };

const fieldNames: Readonly<Record<keyof CaConfig, readonly string[]>> = {
  privateKeyType: ['PrivateKeyType', 'private_key_type'],
  privateKeyBits: ['PrivateKeyBits', 'private_key_bits'],
  leafCertTtlMs: ['LeafCertTTL', 'leaf_cert_ttl'],
  rootCertTtlMs: ['RootCertTTL', 'root_cert_ttl'],
  intermediateCertTtlMs: ['IntermediateCertTTL', 'intermediate_cert_ttl'],
  csrMaxPerSecond: ['CSRMaxPerSecond', 'csr_max_per_second'],
  csrMaxConcurrent: ['CSRMaxConcurrent', 'csr_max_concurrent'],
};

/** Validates a Consul-style CA config map; unknown keys (PrivateKey, RootCert, provider extras) are left alone. */
export function validateCaConfig(init: Readonly<Record<string, unknown>> = {}): CaConfig {
  const problems: string[] = [];
  const read = (field: keyof CaConfig): unknown => {
    for (const name of fieldNames[field]) if (init[name] !== undefined) return init[name];
    return undefined;
  };
  const duration = (field: 'leafCertTtlMs' | 'rootCertTtlMs' | 'intermediateCertTtlMs'): number => {
    const value = read(field);
    if (value === undefined) return CA_CONFIG_DEFAULTS[field];
    try {
      return parseDurationField(value);
    } catch (error) {
      problems.push(`${fieldNames[field][0]}: ${(error as Error).message}`);
      return CA_CONFIG_DEFAULTS[field];
    }
  };
  const count = (field: 'privateKeyBits' | 'csrMaxPerSecond' | 'csrMaxConcurrent'): number => {
    const value = read(field);
    if (value === undefined) return CA_CONFIG_DEFAULTS[field];
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
      problems.push(`${fieldNames[field][0]}: expected a non-negative number, got ${JSON.stringify(value)}`);
      return CA_CONFIG_DEFAULTS[field];
    }
    return number;
  };

  const typeValue = read('privateKeyType') ?? CA_CONFIG_DEFAULTS.privateKeyType;
  let privateKeyType: PrivateKeyType = CA_CONFIG_DEFAULTS.privateKeyType;
  if (typeValue === 'ec' || typeValue === 'rsa') privateKeyType = typeValue;
  else problems.push(`PrivateKeyType: must be "ec" or "rsa", got ${JSON.stringify(typeValue)}`);
  const bitsGiven = read('privateKeyBits') !== undefined;
  const privateKeyBits = bitsGiven ? count('privateKeyBits') : privateKeyType === 'rsa' ? 2048 : 256;
  if (!allowedBits[privateKeyType].includes(privateKeyBits)) {
    problems.push(`PrivateKeyBits: ${privateKeyType} keys must be ${allowedBits[privateKeyType].join(', ')} bits`);
  }

  const leafCertTtlMs = duration('leafCertTtlMs');
  const rootCertTtlMs = duration('rootCertTtlMs');
  const intermediateCertTtlMs = duration('intermediateCertTtlMs');
  if (leafCertTtlMs < LEAF_CERT_TTL_MS_MIN || leafCertTtlMs > LEAF_CERT_TTL_MS_MAX) {
    problems.push('LeafCertTTL: must be at least 1h and at most 8760h');
  }
  // Consul: an intermediate must outlive several leaves, or renewals would chase it.
  if (intermediateCertTtlMs < 3 * leafCertTtlMs) {
    problems.push('IntermediateCertTTL: must be at least 3 × LeafCertTTL');
  }
  if (rootCertTtlMs < intermediateCertTtlMs) problems.push('RootCertTTL: must be at least IntermediateCertTTL');

  const csrMaxPerSecond = count('csrMaxPerSecond');
  const csrMaxConcurrent = count('csrMaxConcurrent');
  if (!Number.isInteger(csrMaxConcurrent)) problems.push('CSRMaxConcurrent: must be an integer');

  if (problems.length > 0) throw new CaConfigError(problems);
  return Object.freeze({
    privateKeyType,
    privateKeyBits,
    leafCertTtlMs,
    rootCertTtlMs,
    intermediateCertTtlMs,
    csrMaxPerSecond,
    csrMaxConcurrent,
  });
}
