// Proves the small pure pieces of config checking: CamelCase to snake_case, gossip-key and address checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGossipKey, checkIpAddressList } from './field-checks.js';
import { toSnakeCase } from './schema.js';

describe('toSnakeCase', () => {
  const cases: [string, string][] = [
    ['DeregisterCriticalServiceAfter', 'deregister_critical_service_after'],
    ['ID', 'id'],
    ['TTL', 'ttl'],
    ['TLSSkipVerify', 'tls_skip_verify'],
    ['GRPCUseTLS', 'grpc_use_tls'],
    ['H2PingUseTLS', 'h2ping_use_tls'],
    ['DockerContainerID', 'docker_container_id'],
    ['already_snake', 'already_snake'],
  ];
  for (const [input, expected] of cases) it(`${input} → ${expected}`, () => assert.equal(toSnakeCase(input), expected));
});

describe('checkGossipKey', () => {
  it('accepts 16, 24 and 32 byte keys', () => {
    for (const size of [16, 24, 32]) assert.equal(checkGossipKey(Buffer.alloc(size, 7).toString('base64')), null);
  });
  it('refuses other sizes and non-base64 text', () => {
    assert.equal(
      checkGossipKey(Buffer.alloc(20).toString('base64')),
      'expected a key of 16, 24 or 32 bytes, got 20 bytes',
    );
    assert.equal(checkGossipKey('***'), 'expected a base64-encoded key');
  });
});

describe('checkIpAddressList', () => {
  it('takes space-separated IPs and refuses templates and names', () => {
    assert.equal(checkIpAddressList('127.0.0.1 ::1'), null);
    assert.equal(checkIpAddressList('localhost'), 'expected an IP address, got "localhost"');
    assert.match(checkIpAddressList('{{ GetPrivateIP }}') ?? '', /templates are not supported/);
  });
});
