// Proves Consul's DNS-name warnings at validation: a node name or a config-file service name with characters DNS
// cannot carry, or longer than one 63-byte label, is named with its file and key in Consul's words, the agent still
// starts (warnings, not errors), and a host name used as the node name says so. Also the even bootstrap_expect
// warnings and retry_join's cloud auto-join syntax, refused as not implemented instead of dialled as a host name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsLabelProblem } from './dns-name-warnings.js';
import { checkLanJoinAddress } from './field-checks.js';
import { formatProblem } from './problems.js';
import { testEnvironment } from './testing.js';
import { type ConfigInit, validateConfig } from './validate.js';

const base: ConfigInit = { sourceName: 'base.json', values: { data_dir: '/var/lib/lattice' } };

function validate(inits: ConfigInit[], environment = testEnvironment) {
  const result = validateConfig(inits, { devMode: false, environment });
  return { ...result, messages: result.errors.map(formatProblem), warningMessages: result.warnings.map(formatProblem) };
}

describe('DNS label rule', () => {
  it("takes letters, digits and dashes up to 63 bytes, as Consul's dns.InvalidNameRe and MaxLabelLength", () => {
    for (const good of ['web', 'Web-2', 'a'.repeat(63)]) assert.equal(dnsLabelProblem(good), null, good);
    for (const bad of ['my_service', 'host.local', 'thing/other', '🐼', 'a b'])
      assert.match(dnsLabelProblem(bad) ?? 'accepted', /invalid characters/, bad);
    assert.match(dnsLabelProblem('a'.repeat(64)) ?? 'accepted', /too long\. Valid lengths are between 1 and 63 bytes/);
  });
});

describe('DNS name warnings', () => {
  it('warns about a node name DNS cannot serve, naming the file', () => {
    const result = validate([base, { sourceName: 'n.json', values: { node_name: 'db_1.local' } }]);
    assert.deepEqual(result.messages, []);
    assert.ok(result.config, 'a warning, not an error');
    assert.deepEqual(result.warningMessages, [
      'n.json: node_name: Node name "db_1.local" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.',
    ]);
  });

  it('says when the node name is the host name', () => {
    const result = validate([base], { ...testEnvironment, hostname: 'laptop.local' });
    assert.deepEqual(result.warningMessages, [
      'host name: node_name: Node name "laptop.local" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes. (node_name is not set: it is the host name)',
    ]);
  });

  it('warns about a too-long node name', () => {
    const result = validate([base, { sourceName: 'n.json', values: { node_name: 'n'.repeat(64) } }]);
    assert.match(
      result.warningMessages[0] ?? '',
      /^n\.json: node_name: Node name "n+" will not be discoverable via DNS due to it being too long/,
    );
  });

  it('warns about each config-file service name DNS cannot serve, with its position', () => {
    const result = validate([
      base,
      { sourceName: 's.json', values: { services: [{ name: 'web' }, { name: 'billing_api', port: 80 }] } },
      { sourceName: 't.hcl', values: { service: { name: 'cache.v2' } } },
    ]);
    assert.deepEqual(result.messages, []);
    assert.ok(result.config);
    assert.deepEqual(result.warningMessages, [
      's.json: services[1].name: Service name "billing_api" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.',
      't.hcl: service.name: Service name "cache.v2" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.',
    ]);
  });
});

describe('bootstrap_expect warnings', () => {
  const server = (bootstrapExpect: number): ConfigInit => ({
    sourceName: 's.json',
    values: { server: true, bootstrap_expect: bootstrapExpect },
  });

  it("gives Consul's warning for 2 servers", () => {
    assert.deepEqual(validate([base, server(2)]).warningMessages, [
      's.json: bootstrap_expect: 2 servers: A cluster with 2 servers will provide no failure tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table',
    ]);
  });

  it("gives Consul's warning for an even number above 2", () => {
    assert.deepEqual(validate([base, server(4)]).warningMessages, [
      's.json: bootstrap_expect: 4 is an even number: A cluster with an even number of servers does not achieve optimum fault tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table',
    ]);
  });

  it('says nothing for an odd number', () => {
    for (const odd of [1, 3, 5]) assert.deepEqual(validate([base, server(odd)]).warningMessages, [], String(odd));
  });
});

describe('retry_join and start_join addresses', () => {
  it('refuses cloud auto-join as not implemented, naming the key and file', () => {
    const result = validate([
      base,
      { sourceName: 'j.json', values: { retry_join: ['10.0.0.1', 'provider=aws tag_key=consul tag_value=server'] } },
      { sourceName: 'k.json', values: { start_join: ['region=eu provider=gce'] } },
    ]);
    assert.deepEqual(result.messages, [
      `j.json: retry_join[1]: cloud auto-join (provider=...) is not implemented yet; list the servers' addresses instead, got "provider=aws tag_key=consul tag_value=server"`,
      `k.json: start_join[0]: cloud auto-join (provider=...) is not implemented yet; list the servers' addresses instead, got "region=eu provider=gce"`,
    ]);
  });

  it('still takes any host name Consul would dial, underscores included', () => {
    for (const good of ['10.0.0.1', 'consul_server_1', 'consul.service.internal:8301', '[::1]:8301'])
      assert.equal(checkLanJoinAddress(good), null, good);
    assert.match(checkLanJoinAddress('{{ GetPrivateIP }}') ?? 'accepted', /templates are not supported yet/);
    assert.equal(checkLanJoinAddress(' '), 'must not be empty');
    assert.equal(checkLanJoinAddress('::1'), null, 'a bare IPv6 address');
  });

  it('refuses a host:port whose port is not one (it would be dialled as a host name forever)', () => {
    for (const bad of ['127.0.0.2:notaport', 'consul:0', 'consul:70000', 'consul:'])
      assert.match(checkLanJoinAddress(bad) ?? 'accepted', /expected a port from 1 to 65535 after the colon/, bad);
  });
});
