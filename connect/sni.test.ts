// Proves every SNI form of Consul's sni.go (reference §9.1) is spelled identically, and that a gateway can read the
// target datacenter back out of a service or datacenter name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datacenterOfSni, datacenterSni, peeredServiceSni, querySni, serverSni, serviceSni } from './sni.js';

const td = '7f42f496-fbc7-8692-05ed-334aa5340c1e.consul';

describe('SNI names', () => {
  const cases: [string, string][] = [
    [serviceSni({ service: 'api', datacenter: 'dc2', trustDomain: td }), `api.default.dc2.internal.${td}`],
    [
      serviceSni({ service: 'api', datacenter: 'dc2', trustDomain: td, namespace: '' }),
      `api.default.dc2.internal.${td}`,
    ],
    [
      serviceSni({ service: 'api', subset: 'v2', datacenter: 'dc1', trustDomain: td }),
      `v2.api.default.dc1.internal.${td}`,
    ],
    [
      serviceSni({ service: 'api', datacenter: 'dc1', trustDomain: td, partition: 'p1', namespace: 'ns1' }),
      `api.ns1.p1.dc1.internal-v1.${td}`,
    ],
    [
      serviceSni({ service: 'api', subset: 'v1', datacenter: 'dc1', trustDomain: td, partition: 'p1' }),
      `v1.api.default.p1.dc1.internal-v1.${td}`,
    ],
    [querySni('api', 'dc1', td), `api.default.dc1.query.${td}`],
    [datacenterSni('dc2', td), `dc2.internal.${td}`],
    [peeredServiceSni('api', 'default', 'default', 'peer1', td), `api.default.default.peer1.external.${td}`],
    [serverSni('dc1'), 'server.dc1.consul'],
    [serverSni('dc1', 'node1'), 'node1.server.dc1.consul'],
  ];
  for (const [actual, expected] of cases) {
    it(expected, () => assert.equal(actual, expected));
  }

  it('reads the datacenter a gateway routes to', () => {
    assert.equal(datacenterOfSni(`api.default.dc2.internal.${td}`, td), 'dc2');
    assert.equal(datacenterOfSni(`v2.api.default.dc3.internal.${td}`, td), 'dc3');
    assert.equal(datacenterOfSni(`api.default.p1.dc4.internal-v1.${td}`, td), 'dc4');
    assert.equal(datacenterOfSni(`dc2.internal.${td}`, td), 'dc2');
    assert.equal(datacenterOfSni(`api.default.dc2.internal.other.consul`, td), null);
    assert.equal(datacenterOfSni(`api.default.dc1.query.${td}`, td), null);
    assert.equal(datacenterOfSni(`internal.${td}`, td), null);
  });
});
