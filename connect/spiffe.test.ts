// Proves SPIFFE IDs format exactly as Consul writes them, round-trip through parse, and that parse rejects garbage
// with SpiffeIdError instead of guessing: table tests over every shape and a list of malformed inputs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpiffeIdError } from './errors.js';
import {
  agentSpiffeId,
  clusterIdOfTrustDomain,
  formatSpiffeId,
  parseServiceSpiffeId,
  parseSpiffeId,
  type SpiffeId,
  serviceSpiffeId,
  signingSpiffeId,
  trustDomainForClusterId,
} from './spiffe.js';

const td = '7f42f496-fbc7-8692-05ed-334aa5340c1e.consul';

describe('SPIFFE IDs', () => {
  const cases: [SpiffeId, string][] = [
    [serviceSpiffeId(td, 'dc1', 'web'), `spiffe://${td}/ns/default/dc/dc1/svc/web`],
    [serviceSpiffeId(td, 'dc2', 'api', 'team-a'), `spiffe://${td}/ns/team-a/dc/dc2/svc/api`],
    [serviceSpiffeId(td, 'dc1', 'web', 'default', 'part1'), `spiffe://${td}/ap/part1/ns/default/dc/dc1/svc/web`],
    [agentSpiffeId(td, 'dc1', 'node-1'), `spiffe://${td}/agent/client/dc/dc1/id/node-1`],
    [
      agentSpiffeId(td, 'dc1', '11111111-2222-3333-4444-555555555555'),
      `spiffe://${td}/agent/client/dc/dc1/id/11111111-2222-3333-4444-555555555555`,
    ],
    [{ kind: 'server', trustDomain: td, datacenter: 'dc1' }, `spiffe://${td}/agent/server/dc/dc1`],
    [
      { kind: 'mesh-gateway', trustDomain: td, partition: 'default', datacenter: 'dc3' },
      `spiffe://${td}/gateway/mesh/dc/dc3`,
    ],
    [signingSpiffeId(td), `spiffe://${td}`],
    [serviceSpiffeId(td, 'dc1', 'we b'), `spiffe://${td}/ns/default/dc/dc1/svc/we%20b`],
  ];
  for (const [id, text] of cases) {
    it(`formats and parses ${text}`, () => {
      assert.equal(formatSpiffeId(id), text);
      assert.deepEqual(parseSpiffeId(text), id);
    });
  }

  it('lowercases the trust domain and the scheme', () => {
    assert.deepEqual(
      parseSpiffeId(`SPIFFE://${td.toUpperCase()}/ns/default/dc/dc1/svc/web`),
      serviceSpiffeId(td, 'dc1', 'web'),
    );
  });

  const rejects = [
    '',
    'web',
    `https://${td}/ns/default/dc/dc1/svc/web`,
    'spiffe://',
    'spiffe:///ns/default/dc/dc1/svc/web',
    `spiffe://${td}/`,
    `spiffe://${td}/ns/default/dc/dc1/svc/`,
    `spiffe://${td}/ns/default/dc/dc1/svc/web/extra`,
    `spiffe://${td}/ns//dc/dc1/svc/web`,
    `spiffe://${td}/ns/default/dc/dc1/service/web`,
    `spiffe://${td}/ns/default/dc/dc1/svc/web?x=1`,
    `spiffe://${td}/ns/default/dc/dc1/svc/web#frag`,
    `spiffe://user@${td}/ns/default/dc/dc1/svc/web`,
    `spiffe://${td}:8443/ns/default/dc/dc1/svc/web`,
    `spiffe://${td}/ns/default/dc/dc1/svc/a%2Fb`,
    `spiffe://${td}/ns/default/dc/dc1/svc/a%00b`,
    `spiffe://${td}/ns/default/dc/dc1/svc/%zz`,
    `spiffe://${td}/agent/other/dc/dc1/id/n`,
    `spiffe://${td}/agent/client/dc/dc1`,
    `spiffe://${td}/gateway/ingress/dc/dc1`,
    `spiffe://bad_host!/ns/default/dc/dc1/svc/web`,
    `spiffe://${td}/ns/default/dc/dc1/svc/${'a'.repeat(3000)}`,
  ];
  for (const input of rejects) {
    it(`rejects ${JSON.stringify(input.slice(0, 80))}`, () => {
      assert.throws(() => parseSpiffeId(input), SpiffeIdError);
    });
  }

  it('parseServiceSpiffeId refuses other kinds', () => {
    assert.throws(() => parseServiceSpiffeId(`spiffe://${td}/agent/client/dc/dc1/id/n`), SpiffeIdError);
    assert.equal(parseServiceSpiffeId(`spiffe://${td}/ns/default/dc/dc1/svc/web`).service, 'web');
  });

  it('derives the trust domain from a UUID cluster ID and back', () => {
    assert.equal(trustDomainForClusterId('7F42F496-FBC7-8692-05ED-334AA5340C1E'), td);
    assert.equal(clusterIdOfTrustDomain(td), '7f42f496-fbc7-8692-05ed-334aa5340c1e');
    assert.throws(() => trustDomainForClusterId('not-a-uuid'), SpiffeIdError);
    assert.throws(() => clusterIdOfTrustDomain('example.org'), SpiffeIdError);
  });
});
