// Proves the DNS name grammar against tables of Consul's forms: zones (domain, alt domain, arpa, other), service,
// tag, RFC 2782, node, connect, addr and query lookups with their datacenter suffixes, and the hex and reverse
// address encodings used in SRV targets and PTR lookups.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DnsLookup,
  decodeHexAddress,
  encodeHexAddress,
  orderDomains,
  parseIpv6,
  parseLookup,
  reverseName,
  zoneOf,
} from './names.js';

const domains = orderDomains({ domain: 'consul.', altDomain: 'lattice.example.' });

function lookup(name: string, type = 'A'): DnsLookup | string {
  const zone = zoneOf(name, domains);
  return zone.zone === 'domain' ? parseLookup(zone.labels, type) : zone.zone;
}

describe('zoneOf', () => {
  const table: [string, string, string | null][] = [
    ['web.service.consul', 'domain', 'consul.'],
    ['WEB.Service.CONSUL', 'domain', 'consul.'],
    ['web.service.lattice.example', 'domain', 'lattice.example.'],
    ['consul', 'domain', 'consul.'],
    ['5.0.0.10.in-addr.arpa', 'arpa', null],
    ['example.com', 'other', null],
    ['notconsul', 'other', null],
  ];
  for (const [name, zone, domain] of table)
    it(`${name} → ${zone}`, () => {
      const result = zoneOf(name, domains);
      assert.equal(result.zone, zone);
      if (result.zone === 'domain') assert.equal(result.domain, domain);
    });
});

describe('parseLookup', () => {
  const service = (service: string, tag = '', datacenter: string | null = null, connect = false) => ({
    kind: 'service',
    service,
    tag,
    datacenter,
    connect,
  });
  const table: [string, string, unknown][] = [
    ['web.service.consul', 'A', service('web')],
    ['Web.Service.Consul', 'A', service('web')],
    ['web.service.dc2.consul', 'A', service('web', '', 'dc2')],
    ['web.service.dc2.dc.consul', 'A', service('web', '', 'dc2')],
    ['primary.web.service.consul', 'SRV', service('web', 'primary')],
    ['v1.2.web.service.consul', 'A', service('web', 'v1.2')],
    ['_web._tcp.service.consul', 'SRV', service('web')],
    ['_web._primary.service.consul', 'SRV', service('web', 'primary')],
    ['_web._tcp.consul', 'SRV', service('web')],
    ['_web._tcp.dc2.consul', 'SRV', service('web', '', 'dc2')],
    ['_web._tcp.consul', 'A', { kind: 'invalid' }],
    ['web.connect.consul', 'A', service('web', '', null, true)],
    ['db1.node.consul', 'A', { kind: 'node', node: 'db1', datacenter: null }],
    ['db1.node.dc1.consul', 'A', { kind: 'node', node: 'db1', datacenter: 'dc1' }],
    ['host.example.node.consul', 'A', { kind: 'node', node: 'host.example', datacenter: null }],
    ['0a000006.addr.dc1.consul', 'A', { kind: 'addr', address: { family: 4, ip: '10.0.0.6' } }],
    [
      '20010db8000000000000000000000001.addr.dc1.consul',
      'AAAA',
      { kind: 'addr', address: { family: 6, ip: '2001:db8::1' } },
    ],
    ['zz000006.addr.dc1.consul', 'A', { kind: 'invalid' }],
    ['a.b.addr.dc1.consul', 'A', { kind: 'invalid' }],
    ['geo.query.consul', 'A', { kind: 'query', query: 'geo', datacenter: null }],
    ['_geo._tcp.query.dc2.consul', 'SRV', { kind: 'query', query: 'geo', datacenter: 'dc2' }],
    ['web.ingress.consul', 'A', { kind: 'unsupported', what: 'ingress' }],
    ['web.virtual.consul', 'A', { kind: 'unsupported', what: 'virtual' }],
    ['web.service.a.b.c.consul', 'A', { kind: 'invalid' }],
    ['service.consul', 'A', { kind: 'invalid' }],
    ['nothing.consul', 'A', { kind: 'invalid' }],
    ['consul', 'A', { kind: 'invalid' }],
    ['web.service.lattice.example', 'A', service('web')],
  ];
  for (const [name, type, expected] of table)
    it(`${type} ${name}`, () => {
      assert.deepEqual(lookup(name, type), expected);
    });
});

describe('addresses', () => {
  const hexTable: [string, string | null][] = [
    ['10.0.0.6', '0a000006'],
    ['127.0.0.50', '7f000032'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
    ['host.example', null],
  ];
  for (const [ip, hex] of hexTable)
    it(`hex of ${ip}`, () => {
      assert.equal(encodeHexAddress(ip), hex);
      if (hex !== null) assert.equal(decodeHexAddress(hex)?.ip, ip === '::ffff:10.0.0.1' ? '::ffff:a00:1' : ip);
    });

  const reverseTable: [string, string | null][] = [
    ['10.0.0.5', '5.0.0.10.in-addr.arpa'],
    ['2001:db8::1', `1.0.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa`],
    ['not-an-ip', null],
  ];
  for (const [ip, name] of reverseTable) it(`reverse of ${ip}`, () => assert.equal(reverseName(ip), name));

  const ipv6Table: [string, number[] | null][] = [
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
    ['1:2:3', null],
    ['1::2::3', null],
    ['::g', null],
  ];
  for (const [text, groups] of ipv6Table) it(`parseIpv6 ${text}`, () => assert.deepEqual(parseIpv6(text), groups));
});
