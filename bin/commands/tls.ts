// `lattice tls ca create` and `lattice tls cert create`: a CA and agent certificates for Consul's agent TLS, with
// Consul's flags, defaults, file names and messages (command/tls). The certificate code (and @peculiar/x509 with
// it) is imported only when one of these commands runs, never when the command table is merely registered.

import { type Command, InvalidArgumentError } from 'commander';
import { LatticeError } from '../../lib/errors.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseDays(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError('expected a number of days >= 1');
  return Number(value);
}

const writeLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

interface CaFlags {
  days: number;
  domain: string;
  nameConstraint?: boolean;
  additionalNameConstraint?: string[];
}

interface CertFlags {
  ca: string;
  key: string;
  server?: boolean;
  client?: boolean;
  cli?: boolean;
  node: string;
  days: number;
  dc: string;
  domain: string;
  additionalDnsname?: string[];
  additionalIpaddress?: string[];
}

export function registerTls(program: Command): void {
  const tls = program.command('tls').description('Builtin helpers for creating CAs and certificates');
  const ca = tls.command('ca').description('Helpers for CAs');
  ca.command('create')
    .description('Create a new consul CA')
    .option('--days <days>', 'number of days the CA is valid for from now on', parseDays, 1825)
    .option('--domain <domain>', 'domain of the consul cluster (file names; with -name-constraint)', 'consul')
    .option('--name-constraint', 'add name constraints: the CA signs only for -domain, localhost and the extras')
    .option('--additional-name-constraint <dns>', 'an extra permitted DNS name (repeatable)', collect)
    .action(async (flags: CaFlags) => {
      const { createCaFiles } = await import('./tls-create.js');
      await createCaFiles(
        {
          directory: process.cwd(),
          days: flags.days,
          domain: flags.domain,
          nameConstraint: flags.nameConstraint === true,
          additionalNameConstraints: flags.additionalNameConstraint ?? [],
        },
        writeLine,
      );
    });

  const cert = tls.command('cert').description('Helpers for certificates');
  cert
    .command('create')
    .description('Create a new certificate')
    .option('--ca <file>', 'path to the CA', '#DOMAIN#-agent-ca.pem')
    .option('--key <file>', "path to the CA's key", '#DOMAIN#-agent-ca-key.pem')
    .option('--server', 'generate a server certificate')
    .option('--client', 'generate a client certificate')
    .option('--cli', 'generate a cli certificate')
    .option('--node <name>', 'with -server: adds the DNS name <node>.server.<dc>.<domain>', '')
    .option('--days <days>', 'number of days the certificate is valid for from now on', parseDays, 365)
    .option('--dc <dc>', 'the datacenter', 'dc1')
    .option('--domain <domain>', 'the domain', 'consul')
    .option('--additional-dnsname <name>', 'an extra DNS SAN; localhost is always included (repeatable)', collect)
    .option('--additional-ipaddress <ip>', 'an extra IP SAN; 127.0.0.1 is always included (repeatable)', collect)
    .action(async (flags: CertFlags) => {
      const kinds = (['server', 'client', 'cli'] as const).filter((kind) => flags[kind] === true);
      const kind = kinds[0];
      if (kinds.length !== 1 || kind === undefined) {
        throw new LatticeError('ERR_USAGE', 'Please provide either -server, -client, or -cli');
      }
      const { createCertificateFiles } = await import('./tls-create.js');
      await createCertificateFiles(
        {
          directory: process.cwd(),
          kind,
          ca: flags.ca,
          key: flags.key,
          node: flags.node,
          days: flags.days,
          dc: flags.dc,
          domain: flags.domain,
          additionalDnsNames: flags.additionalDnsname ?? [],
          additionalIpAddresses: flags.additionalIpaddress ?? [],
        },
        writeLine,
      );
    });
}
