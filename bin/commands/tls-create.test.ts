// Proves `lattice tls ca create` / `tls cert create` as Consul's command/tls: file names, the CA's flags and
// validity, each kind's SANs and key usages, that certificates verify against the CA (checked with Node's own
// X509Certificate, not the library that made them), name constraints, and that nothing is ever overwritten.

import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registerCommands } from './index.js';
import {
  type CertCreateOptions,
  createCaFiles,
  createCertificateFiles,
  serverCertificateWarning,
} from './tls-create.js';

const dayMs = 86_400_000;

function certOptions(directory: string, overrides: Partial<CertCreateOptions>): CertCreateOptions {
  return {
    directory,
    kind: 'server',
    ca: '#DOMAIN#-agent-ca.pem',
    key: '#DOMAIN#-agent-ca-key.pem',
    node: '',
    days: 365,
    dc: 'dc1',
    domain: 'consul',
    additionalDnsNames: [],
    additionalIpAddresses: [],
    ...overrides,
  };
}

const caOptions = (directory: string) => ({
  directory,
  days: 1825,
  domain: 'consul',
  nameConstraint: false,
  additionalNameConstraints: [],
});

async function readCertificate(path: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(path));
}

describe('lattice tls', () => {
  let directory = '';
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'lattice-tls-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('registers tls ca create and tls cert create', async () => {
    const { Command } = await import('commander');
    const program = new Command('lattice');
    await registerCommands(program, ['tls']);
    const tls = program.commands.find((command) => command.name() === 'tls');
    assert.ok(tls, 'tls is a command');
    assert.deepEqual(
      tls.commands.map((command) => `${command.name()} ${command.commands.map((sub) => sub.name()).join(',')}`),
      ['ca create', 'cert create'],
    );
  });

  it('creates a self-signed EC P-256 CA valid for 1825 days, and refuses to overwrite it', async () => {
    const lines: string[] = [];
    const before = Date.now();
    await createCaFiles(caOptions(directory), (line) => lines.push(line));
    assert.deepEqual(lines, ['==> Saved consul-agent-ca.pem', '==> Saved consul-agent-ca-key.pem']);
    const ca = await readCertificate(join(directory, 'consul-agent-ca.pem'));
    assert.equal(ca.ca, true);
    assert.ok(ca.checkIssued(ca), 'self-issued');
    assert.ok(ca.verify(ca.publicKey), 'self-signed');
    assert.match(ca.subject, /CN=Consul Agent CA \d+/);
    assert.match(ca.subject, /O=HashiCorp Inc\./);
    const days = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / dayMs;
    assert.ok(days >= 1824.9 && days <= 1826.1, `valid ${days} days`);
    assert.ok(Date.parse(ca.validFrom) <= before + 1000);
    const key = createPrivateKey(await readFile(join(directory, 'consul-agent-ca-key.pem')));
    assert.equal(key.asymmetricKeyType, 'ec');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(await readFile(join(directory, 'consul-agent-ca-key.pem'), 'utf8'), /BEGIN EC PRIVATE KEY/);
    assert.ok(ca.checkPrivateKey(key), 'the key file holds the CA key');

    const caBytes = await readFile(join(directory, 'consul-agent-ca.pem'));
    await assert.rejects(
      createCaFiles(caOptions(directory), () => {}),
      { message: 'consul-agent-ca.pem already exists.' },
    );
    assert.deepEqual(await readFile(join(directory, 'consul-agent-ca.pem')), caBytes, 'unchanged');
  });

  it('refuses a CA when only its key file exists', async () => {
    const other = await mkdtemp(join(tmpdir(), 'lattice-tls-key-'));
    try {
      await writeFile(join(other, 'consul-agent-ca-key.pem'), 'mine');
      await assert.rejects(
        createCaFiles(caOptions(other), () => {}),
        {
          message: 'consul-agent-ca-key.pem already exists.',
        },
      );
      assert.deepEqual(await readdir(other), ['consul-agent-ca-key.pem']);
      assert.equal(await readFile(join(other, 'consul-agent-ca-key.pem'), 'utf8'), 'mine');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('creates server certificates with Consul SANs and usages, verified by the CA, numbered without overwriting', async () => {
    const lines: string[] = [];
    await createCertificateFiles(
      certOptions(directory, {
        node: 'n1',
        additionalDnsNames: ['extra.example'],
        additionalIpAddresses: ['10.0.0.9'],
      }),
      (line) => lines.push(line),
    );
    assert.deepEqual(lines, [
      serverCertificateWarning,
      '==> Using consul-agent-ca.pem and consul-agent-ca-key.pem',
      '==> Saved dc1-server-consul-0.pem',
      '==> Saved dc1-server-consul-0-key.pem',
    ]);
    const ca = await readCertificate(join(directory, 'consul-agent-ca.pem'));
    const first = await readCertificate(join(directory, 'dc1-server-consul-0.pem'));
    assert.equal(first.subject, 'CN=server.dc1.consul');
    assert.equal(first.ca, false);
    assert.ok(first.checkIssued(ca), 'issued by the CA');
    assert.ok(first.verify(ca.publicKey), 'signed by the CA');
    assert.equal(
      first.subjectAltName,
      'DNS:extra.example, DNS:n1.server.dc1.consul, DNS:server.dc1.consul, DNS:localhost, IP Address:10.0.0.9, IP Address:127.0.0.1',
    );
    assert.deepEqual(first.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const days = (Date.parse(first.validTo) - Date.parse(first.validFrom)) / dayMs;
    assert.ok(days >= 364.9 && days <= 365.1, `valid ${days} days`);
    const key = createPrivateKey(await readFile(join(directory, 'dc1-server-consul-0-key.pem')));
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(first.checkPrivateKey(key), 'the key file matches the certificate');
    assert.equal((await stat(join(directory, 'dc1-server-consul-0-key.pem'))).mode & 0o077, 0, 'key is private');

    const firstBytes = await readFile(join(directory, 'dc1-server-consul-0.pem'));
    const again: string[] = [];
    await createCertificateFiles(certOptions(directory, {}), (line) => again.push(line));
    assert.deepEqual(again.slice(-2), ['==> Saved dc1-server-consul-1.pem', '==> Saved dc1-server-consul-1-key.pem']);
    assert.deepEqual(await readFile(join(directory, 'dc1-server-consul-0.pem')), firstBytes, 'the first is kept');
    const second = await readCertificate(join(directory, 'dc1-server-consul-1.pem'));
    assert.equal(second.subjectAltName, 'DNS:server.dc1.consul, DNS:localhost, IP Address:127.0.0.1');
  });

  it('creates client and cli certificates for their datacenter', async () => {
    const ca = await readCertificate(join(directory, 'consul-agent-ca.pem'));
    await createCertificateFiles(certOptions(directory, { kind: 'client', dc: 'dc2', days: 30 }), () => {});
    const client = await readCertificate(join(directory, 'dc2-client-consul-0.pem'));
    assert.equal(client.subject, 'CN=client.dc2.consul');
    assert.equal(client.subjectAltName, 'DNS:client.dc2.consul, DNS:localhost, IP Address:127.0.0.1');
    assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
    assert.ok(client.verify(ca.publicKey));
    const days = (Date.parse(client.validTo) - Date.parse(client.validFrom)) / dayMs;
    assert.ok(days >= 29.9 && days <= 30.1);

    await createCertificateFiles(
      certOptions(directory, { kind: 'cli', additionalIpAddresses: ['10.1.1.1'] }),
      () => {},
    );
    const cli = await readCertificate(join(directory, 'dc1-cli-consul-0.pem'));
    assert.equal(cli.subject, 'CN=cli.dc1.consul');
    assert.equal(cli.subjectAltName, 'DNS:cli.dc1.consul, DNS:localhost', 'cli certificates take no extra names');
    assert.ok(cli.verify(ca.publicKey));
  });

  it('refuses bad input before writing anything', async () => {
    const beforeFiles = (await readdir(directory)).sort();
    await assert.rejects(
      createCertificateFiles(certOptions(directory, { kind: 'client', node: 'n1' }), () => {}),
      {
        message: '-node requires -server',
      },
    );
    await assert.rejects(
      createCertificateFiles(certOptions(directory, { additionalIpAddresses: ['not-an-ip'] }), () => {}),
      /not-an-ip is not an IP address/,
    );
    await assert.rejects(
      createCertificateFiles(certOptions(directory, { domain: 'other' }), () => {}),
      { message: /^Error reading CA: / },
    );
    const stranger = await mkdtemp(join(tmpdir(), 'lattice-tls-other-'));
    try {
      await createCaFiles(caOptions(stranger), () => {});
      // The right CA with another CA's key: Consul's Verify step refuses it.
      await assert.rejects(
        createCertificateFiles(certOptions(directory, { key: join(stranger, 'consul-agent-ca-key.pem') }), () => {}),
        /signed by unknown authority/,
      );
    } finally {
      await rm(stranger, { recursive: true, force: true });
    }
    assert.deepEqual((await readdir(directory)).sort(), beforeFiles);
  });

  it('puts -domain in the CA file names and, with -name-constraint, permits only the domain, localhost and extras', async () => {
    const other = await mkdtemp(join(tmpdir(), 'lattice-tls-nc-'));
    try {
      await createCaFiles(
        { ...caOptions(other), domain: 'lattice', nameConstraint: true, additionalNameConstraints: ['ui.example'] },
        () => {},
      );
      assert.deepEqual((await readdir(other)).sort(), ['lattice-agent-ca-key.pem', 'lattice-agent-ca.pem']);
      const ca = await readCertificate(join(other, 'lattice-agent-ca.pem'));
      const der = Buffer.from(ca.raw);
      // NameConstraints (2.5.29.30), critical, permitting ui.example, lattice, localhost in that order.
      const constraint = Buffer.concat([Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x1e, 0x01, 0x01, 0xff])]);
      const at = der.indexOf(constraint);
      assert.ok(at > 0, 'a critical name constraints extension');
      const tail = der.subarray(at).toString('latin1');
      assert.ok(
        tail.indexOf('ui.example') < tail.indexOf('lattice') && tail.indexOf('lattice') < tail.indexOf('localhost'),
      );
      await createCertificateFiles(certOptions(other, { domain: 'lattice' }), () => {});
      const server = await readCertificate(join(other, 'dc1-server-lattice-0.pem'));
      assert.equal(server.subjectAltName, 'DNS:server.dc1.lattice, DNS:localhost, IP Address:127.0.0.1');
      assert.ok(server.verify(ca.publicKey));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
