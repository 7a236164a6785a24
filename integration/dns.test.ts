// Proves the DNS interface through the real binary: `lattice agent -dev` on 127.0.0.50 (DNS on 8600, UDP and
// TCP), services registered over HTTP (catalog and agent endpoints), then `dig` (Debian bind9-dnsutils) asks for
// A, SRV (node and addr targets with glue), tag, node, PTR and the servers' NS, sees NXDOMAIN with the SOA and
// REFUSED outside the domain, and a 40-instance answer that is cut over UDP (without TC: enable_truncate is off by
// default, as in Consul) and complete over TCP.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { defaultDeadlineMs, type LatticeProcess, startLattice, waitFor } from './helpers/lattice-process.js';

const address = '127.0.0.50';
const base = `http://${address}:8500`;
const bigCount = 40;
const digPath = ['/usr/bin/dig', '/bin/dig'].find((path) => existsSync(path));
let agent: LatticeProcess | null = null;

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      digPath!,
      [`@${address}`, '-p', '8600', '+tries=1', '+time=3', ...args],
      { timeout: defaultDeadlineMs },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

async function put(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

const sortedLines = (text: string) => text.trim().split('\n').sort();

describe('DNS through a -dev agent', { skip: digPath === undefined ? 'dig is not installed' : false }, () => {
  before(async () => {
    agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, '-dns-port=8600']);
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await fetch(`${base}/v1/status/leader`).catch(() => null);
        return response?.ok && (await response.json()) !== '';
      },
      { what: 'a -dev agent with a leader' },
    );
    for (let position = 1; position <= 3; position++)
      await put('/v1/catalog/register', {
        Node: `web-host-${position}`,
        Address: `10.30.0.${position}`,
        NodeMeta: { rack: `r${position}` },
        Service: { ID: 'web', Service: 'web', Tags: position === 1 ? ['primary'] : [], Port: 8080 },
      });
    for (let position = 1; position <= bigCount; position++)
      await put('/v1/catalog/register', {
        Node: `big-host-${position}`,
        Address: `10.31.0.${position}`,
        Service: { ID: 'big', Service: 'big', Port: 80 },
      });
    await put('/v1/agent/service/register', { Name: 'api', Port: 9000, Address: '10.40.0.1' });
    // The agent's own service reaches the catalog through anti-entropy: wait until DNS sees it.
    await waitFor(async () => (await dig('+short', 'api.service.consul')).trim() === '10.40.0.1', {
      what: 'api.service.consul in DNS',
    });
  });

  after(() => agent?.kill());

  it('answers A, SRV, tag and RFC 2782 lookups', async () => {
    assert.deepEqual(sortedLines(await dig('+short', 'web.service.consul')), ['10.30.0.1', '10.30.0.2', '10.30.0.3']);
    assert.deepEqual(sortedLines(await dig('+short', 'web.service.consul', 'SRV')), [
      '1 1 8080 web-host-1.node.dc1.consul.',
      '1 1 8080 web-host-2.node.dc1.consul.',
      '1 1 8080 web-host-3.node.dc1.consul.',
    ]);
    assert.equal((await dig('+short', 'primary.web.service.consul')).trim(), '10.30.0.1');
    assert.equal(
      (await dig('+short', '_web._primary.service.consul', 'SRV')).trim(),
      '1 1 8080 web-host-1.node.dc1.consul.',
    );
    const api = await dig('api.service.consul', 'SRV');
    assert.match(api, /flags: qr aa rd;/);
    assert.match(api, /api\.service\.consul\.\s+0\s+IN\s+SRV\s+1 1 9000 0a280001\.addr\.dc1\.consul\./);
    assert.match(api, /0a280001\.addr\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.40\.0\.1/);
  });

  it('answers node, TXT meta, PTR and NS lookups', async () => {
    assert.equal((await dig('+short', 'web-host-2.node.consul')).trim(), '10.30.0.2');
    assert.equal((await dig('+short', 'web-host-2.node.dc1.consul', 'TXT')).trim(), '"rack=r2"');
    assert.equal((await dig('+short', '-x', '10.30.0.3')).trim(), 'web-host-3.node.dc1.consul.');
    const ns = await dig('consul', 'NS');
    assert.match(ns, /consul\.\s+0\s+IN\s+NS\s+\S+\.node\.dc1\.consul\./);
    assert.match(ns, /ADDITIONAL SECTION:\n\S+\.node\.dc1\.consul\.\s+0\s+IN\s+A\s+127\.0\.0\.50/);
  });

  it('answers NXDOMAIN with the SOA for unknown names and REFUSED outside the domain', async () => {
    const missing = await dig('nothing-here.service.consul');
    assert.match(missing, /status: NXDOMAIN/);
    assert.match(missing, /consul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\. \d+ 3600 600 86400 0/);
    assert.match(await dig('web.service.nowhere.consul'), /status: NXDOMAIN/);
    assert.match(await dig('example.com'), /status: REFUSED/);
  });

  it('cuts a large answer over UDP without TC (enable_truncate off) and gives all of it over TCP', async () => {
    const plain = await dig('+notcp', '+noedns', 'big.service.consul');
    assert.match(plain, /flags: qr aa rd;/);
    assert.match(plain, /ANSWER: 3,/);
    // The QA report's case: dig's default EDNS0 size (1232) holds fewer than 40 A records; Consul cuts them
    // silently unless dns_config.enable_truncate is set.
    const edns = await dig('+notcp', 'big.service.consul', 'A');
    assert.match(edns, /flags: qr aa rd;/);
    const ednsCount = Number(/ANSWER: (\d+)/.exec(edns)?.[1]);
    assert.ok(ednsCount > 3 && ednsCount < bigCount, `UDP carried ${ednsCount} answers`);
    const udp = await dig('+notcp', 'big.service.consul', 'SRV');
    assert.doesNotMatch(udp, /flags: [^;]*tc/);
    const udpCount = Number(/ANSWER: (\d+)/.exec(udp)?.[1]);
    assert.ok(udpCount >= 1 && udpCount < bigCount, `UDP carried ${udpCount} answers`);
    const tcp = await dig('+tcp', 'big.service.consul', 'SRV');
    assert.match(tcp, new RegExp(`ANSWER: ${bigCount},`));
    assert.match(tcp, new RegExp(`ADDITIONAL: ${bigCount + 1}\\b`)); // glue for each target, plus OPT
    assert.doesNotMatch(tcp, /flags: [^;]*tc/);
  });
});
