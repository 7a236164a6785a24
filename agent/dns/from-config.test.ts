// Proves the assembly from agent configuration on a real socket (127.0.0.63, a free port): `domain` and
// `alt_domain` as written in config (any case, with or without the dot) both answer, `recursors` turn RA on,
// `dns_config` limits reach the handler (udp_answer_limit, enable_truncate), and invalid recursor addresses are
// left out with a warning rather than failing the agent.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { testEnvironment } from '../config/testing.js';
import type { AgentConfig } from '../config/types.js';
import { validateConfig } from '../config/validate.js';
import { createDnsInterface, type DnsInterface } from './from-config.js';
import { FakeCatalog, fakeInstance, fakeNode } from './testing/fake-catalog.js';

const address = '127.0.0.63';
let dns: DnsInterface;
let port = 0;

before(async () => {
  const result = validateConfig(
    [
      {
        sourceName: 'test',
        values: {
          client_addr: address,
          domain: 'Lattice',
          alt_domain: 'example.internal.',
          recursors: ['127.0.0.63:9', 'not an address'],
          // Nothing answers on port 9: forwarding gives up after recursor_timeout and answers SERVFAIL.
          dns_config: { udp_answer_limit: 2, enable_truncate: true, recursor_timeout: '200ms' },
        },
      },
    ],
    { devMode: true, environment: testEnvironment },
  );
  assert.deepEqual(result.errors, []);
  const config: AgentConfig = { ...result.config!, ports: { ...result.config!.ports, dns: 0 } };
  const catalog = new FakeCatalog();
  for (let position = 1; position <= 5; position++)
    catalog.entries.push(fakeInstance(fakeNode(`n${position}`, `10.0.0.${position}`), 'web'));
  dns = createDnsInterface(
    { rpc: catalog, clock: new RealClock(), rand: new SeededRand(5), log: silentLogger() },
    config,
  );
  await dns.server.start();
  port = dns.server.boundAddresses[0]!.port;
});

after(async () => {
  await dns.server.stop();
});

function ask(name: string): Promise<DecodedPacket & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no reply before the deadline'));
    }, 5_000);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(reply));
    });
    socket.send(dnsPacket.encode({ type: 'query', id: 3, questions: [{ name, type: 'A' }] }), port, address);
  });
}

describe('createDnsInterface', () => {
  it('answers both domains with the configured limits, RA on for recursors', async () => {
    for (const name of ['web.service.lattice', 'web.service.example.internal']) {
      const reply = await ask(name);
      assert.equal(reply.rcode, 'NOERROR', name);
      assert.equal(reply.answers?.length, 2, name);
      assert.deepEqual([reply.flag_tc, reply.flag_ra, reply.flag_aa], [true, true, true], name);
    }
    // consul. is not our domain here: the question goes to the (silent) recursor and fails.
    assert.equal((await ask('web.service.consul')).rcode, 'SERVFAIL');
    assert.equal(dns.counters.snapshot().truncated, 2);
  });
});
