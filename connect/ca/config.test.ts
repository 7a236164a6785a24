// Proves the CA config takes Consul's defaults, both spellings of its keys, and reports every problem at once,
// including the relations between TTLs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaConfigError } from '../errors.js';
import { CA_CONFIG_DEFAULTS, validateCaConfig } from './config.js';

describe('CA config', () => {
  it('defaults to EC P-256, 72h leaves, 10y roots and 50 CSR/s', () => {
    assert.deepEqual(validateCaConfig({}), CA_CONFIG_DEFAULTS);
    assert.equal(CA_CONFIG_DEFAULTS.leafCertTtlMs, 72 * 3_600_000);
    assert.equal(CA_CONFIG_DEFAULTS.rootCertTtlMs, 87_600 * 3_600_000);
    assert.equal(CA_CONFIG_DEFAULTS.csrMaxPerSecond, 50);
    assert.equal(CA_CONFIG_DEFAULTS.csrMaxConcurrent, 0);
  });

  it('reads API (PascalCase) and agent-file (snake_case) keys', () => {
    const api = validateCaConfig({
      PrivateKeyType: 'rsa',
      PrivateKeyBits: 4096,
      LeafCertTTL: '24h',
      CSRMaxPerSecond: 0,
    });
    assert.equal(api.privateKeyType, 'rsa');
    assert.equal(api.privateKeyBits, 4096);
    assert.equal(api.leafCertTtlMs, 24 * 3_600_000);
    assert.equal(api.csrMaxPerSecond, 0);
    const file = validateCaConfig({ private_key_type: 'ec', private_key_bits: 384, csr_max_concurrent: 2 });
    assert.equal(file.privateKeyBits, 384);
    assert.equal(file.csrMaxConcurrent, 2);
  });

  it('picks 2048 bits for RSA when no size is given', () => {
    assert.equal(validateCaConfig({ PrivateKeyType: 'rsa' }).privateKeyBits, 2048);
  });

  it('reports every problem in one error', () => {
    try {
      validateCaConfig({ PrivateKeyType: 'dsa', LeafCertTTL: '10m', CSRMaxPerSecond: -1, RootCertTTL: 'soon' });
      assert.fail('expected a CaConfigError');
    } catch (error) {
      assert.ok(error instanceof CaConfigError);
      assert.equal(error.problems.length, 4, error.problems.join('\n'));
    }
  });

  const rejects: Record<string, unknown>[] = [
    { PrivateKeyType: 'ec', PrivateKeyBits: 224 },
    { PrivateKeyType: 'rsa', PrivateKeyBits: 1024 },
    { LeafCertTTL: '8761h' },
    { LeafCertTTL: '2000h', IntermediateCertTTL: '5000h' },
    { IntermediateCertTTL: '87601h' },
    { CSRMaxConcurrent: 1.5 },
  ];
  for (const init of rejects) {
    it(`rejects ${JSON.stringify(init)}`, () => assert.throws(() => validateCaConfig(init), CaConfigError));
  }
});
