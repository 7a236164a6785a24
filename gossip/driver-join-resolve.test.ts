// Proves a join through a host name that does not resolve fails naming the resolver's error, as Consul's
// memberlist does ("Failed to resolve nosuch.invalid: lookup nosuch.invalid: no such host"), not as a push-pull
// that never answered: on real sockets (127.37.2.x, the system resolver and the reserved .invalid domain) and on
// the in-memory transport with a fake resolver, where a name that does resolve still joins.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LookupHost } from './join-addresses.js';
import { createTestDriver } from './testing/driver-fixture.js';
import { MemoryNetwork } from './transport/memory-transport.js';

describe('GossipDriver join through host names', () => {
  it('names the DNS failure on real sockets', async () => {
    const driver = createTestDriver({ name: 'resolver', bindAddress: '127.37.2.1' });
    await driver.start();
    try {
      await assert.rejects(driver.join(['nosuch.invalid:8301']), (error: Error) => {
        assert.equal(error.name, 'JoinError');
        // ENOTFOUND on a machine with a resolver; the wording after the host is the resolver's.
        assert.match(error.message, /^Failed to resolve nosuch\.invalid:8301: lookup nosuch\.invalid: /);
        assert.doesNotMatch(error.message, /push-pull/);
        return true;
      });
    } finally {
      await driver.stop();
    }
  });

  it('joins through a name that resolves and reports the one that does not', async () => {
    const network = new MemoryNetwork();
    const lookupHost: LookupHost = async (host) => {
      if (host === 'seed.test') return ['10.2.0.1'];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    };
    const seed = createTestDriver({ name: 'seed', transport: network.createTransport('10.2.0.1:8301') });
    const joiner = createTestDriver({
      name: 'joiner',
      seed: 2,
      transport: network.createTransport('10.2.0.2:8301'),
      lookupHost,
    });
    await seed.start();
    await joiner.start();
    try {
      await assert.rejects(joiner.join(['nosuch.invalid:8301']), {
        name: 'JoinError',
        message: 'Failed to resolve nosuch.invalid:8301: lookup nosuch.invalid: no such host',
      });
      assert.equal(await joiner.join(['nosuch.invalid:8301', 'seed.test:8301']), 1);
    } finally {
      await joiner.stop();
      await seed.stop();
    }
  });
});
