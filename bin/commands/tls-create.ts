// The files `lattice tls ca create` and `lattice tls cert create` write, named and refused as Consul's
// command/tls/ca/create and command/tls/cert/create: `<domain>-agent-ca.pem` / `<domain>-agent-ca-key.pem`, refused
// when either exists; `<dc>-<kind>-<domain>-<n>.pem` / `-<n>-key.pem` with the first n (0..10000) whose two files
// are both free. Files are created exclusively, so a file that appears meanwhile is never overwritten either.

import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { LatticeError } from '../../lib/errors.js';
import { type CertificateKind, generateAgentCa, generateAgentCertificate } from './tls-certificates.js';

export type Output = (line: string) => void;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Certificates are public (0644 under the usual umask); private keys are written for their owner only. */
async function writeNew(path: string, content: string, secret: boolean): Promise<void> {
  try {
    await writeFile(path, content, { flag: 'wx', mode: secret ? 0o600 : 0o666 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LatticeError('ERR_EXISTS', `${path} already exists.`, { cause: error });
    }
    throw error;
  }
}

export interface CaCreateOptions {
  readonly directory: string;
  readonly days: number;
  readonly domain: string;
  readonly nameConstraint: boolean;
  readonly additionalNameConstraints: readonly string[];
}

export async function createCaFiles(options: CaCreateOptions, output: Output): Promise<void> {
  const certificateFile = `${options.domain}-agent-ca.pem`;
  const keyFile = `${options.domain}-agent-ca-key.pem`;
  for (const file of [certificateFile, keyFile]) {
    if (await exists(join(options.directory, file))) throw new LatticeError('ERR_EXISTS', `${file} already exists.`);
  }
  // Consul: with -name-constraint the CA may sign only for the extra constraints, the domain and localhost.
  const permittedDnsDomains = options.nameConstraint
    ? [...options.additionalNameConstraints, options.domain, 'localhost']
    : [];
  const generated = await generateAgentCa({ days: options.days, permittedDnsDomains });
  await writeNew(join(options.directory, certificateFile), generated.certificatePem, false);
  output(`==> Saved ${certificateFile}`);
  await writeNew(join(options.directory, keyFile), generated.privateKeyPem, true);
  output(`==> Saved ${keyFile}`);
}

export interface CertCreateOptions {
  readonly directory: string;
  readonly kind: CertificateKind;
  /** Paths of the CA and its key; `#DOMAIN#` is replaced by the domain, as in Consul's defaults. */
  readonly ca: string;
  readonly key: string;
  readonly node: string;
  readonly days: number;
  readonly dc: string;
  readonly domain: string;
  readonly additionalDnsNames: readonly string[];
  readonly additionalIpAddresses: readonly string[];
}

export const serverCertificateWarning = `==> WARNING: Server Certificates grants authority to become a
    server and access all state in the cluster including root keys
    and all ACL tokens. Do not distribute them to production hosts
    that are not server nodes. Store them as securely as CA keys.`;

const maxFileIndex = 10_000;

/** The names, addresses and file prefix of a certificate of this kind, in Consul's order. */
export function certificateSubject(options: CertCreateOptions): {
  name: string;
  dnsNames: string[];
  ipAddresses: string[];
  prefix: string;
} {
  const name = `${options.kind}.${options.dc}.${options.domain}`;
  const prefix = `${options.dc}-${options.kind}-${options.domain}`;
  const additionalDns = options.additionalDnsNames.map((entry) => entry.trim()).filter((entry) => entry !== '');
  const additionalIps = options.additionalIpAddresses.map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (options.kind === 'cli') return { name, dnsNames: [name, 'localhost'], ipAddresses: [], prefix };
  const nodeName = options.kind === 'server' && options.node !== '' ? [`${options.node}.${name}`] : [];
  return {
    name,
    dnsNames: [...additionalDns, ...nodeName, name, 'localhost'],
    ipAddresses: [...additionalIps, '127.0.0.1'],
    prefix,
  };
}

async function freeFileNames(directory: string, prefix: string): Promise<{ certificate: string; key: string }> {
  for (let index = 0; index <= maxFileIndex; index++) {
    const certificate = `${prefix}-${index}.pem`;
    const key = `${prefix}-${index}-key.pem`;
    if (!(await exists(join(directory, certificate))) && !(await exists(join(directory, key)))) {
      return { certificate, key };
    }
  }
  throw new LatticeError('ERR_EXISTS', "Could not find a filename that doesn't already exist");
}

async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new LatticeError('ERR_USAGE', `Error reading ${what}: ${(error as Error).message}`, { cause: error });
  }
}

export async function createCertificateFiles(options: CertCreateOptions, output: Output): Promise<void> {
  if (options.ca === '') throw new LatticeError('ERR_USAGE', 'Please provide the ca');
  if (options.key === '') throw new LatticeError('ERR_USAGE', 'Please provide the key');
  if (options.node !== '' && options.kind !== 'server') throw new LatticeError('ERR_USAGE', '-node requires -server');
  const badIp = options.additionalIpAddresses.map((entry) => entry.trim()).find((e) => e !== '' && isIP(e) === 0);
  if (badIp !== undefined) throw new LatticeError('ERR_USAGE', `-additional-ipaddress ${badIp} is not an IP address`);
  const subject = certificateSubject(options);
  const files = await freeFileNames(options.directory, subject.prefix);
  const caFile = options.ca.replace('#DOMAIN#', options.domain);
  const keyFile = options.key.replace('#DOMAIN#', options.domain);
  const caPem = await readInput(resolve(options.directory, caFile), 'CA');
  const caKeyPem = await readInput(resolve(options.directory, keyFile), 'CA key');
  if (options.kind === 'server') output(serverCertificateWarning);
  output(`==> Using ${caFile} and ${keyFile}`);
  const generated = await generateAgentCertificate({
    kind: options.kind,
    caPem,
    caKeyPem,
    name: subject.name,
    days: options.days,
    dnsNames: subject.dnsNames,
    ipAddresses: subject.ipAddresses,
  });
  await writeNew(join(options.directory, files.certificate), generated.certificatePem, false);
  output(`==> Saved ${files.certificate}`);
  await writeNew(join(options.directory, files.key), generated.privateKeyPem, true);
  output(`==> Saved ${files.key}`);
}
