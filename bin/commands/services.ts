// `lattice services register FILE... | -name=NAME [flags]` / `deregister -id=ID | FILE...`: registers service
// definition files (JSON, HCL or YAML; `service {...}` or `services [...]`, the config-file format) or one service
// described by flags (-name -id -address -port -tag -meta -tagged-address -kind) with the local agent through
// /v1/agent/service/register, or removes them, as consul services does. With both files and flags, a flag fills a
// field the file leaves empty, meta and tagged addresses from flags are added and tags appended (Consul's
// CombineArgs).

import { type Command, InvalidArgumentError } from 'commander';
import { type ConfigFormat, formatForPath, parseConfigText } from '../../agent/config/formats.js';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest } from './catalog-http.js';
import { readInputFile } from './read-input.js';

type Definition = Record<string, unknown>;

const asList = (value: unknown): Definition[] =>
  (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).filter(
    (item): item is Definition => typeof item === 'object' && item !== null && !Array.isArray(item),
  );

/** The service definitions in one file: `service` (one, or HCL's block list) and `services`. */
export function definitionsInFile(path: string, text: string, override: ConfigFormat | null = null): Definition[] {
  const format = override ?? formatForPath(path) ?? 'json';
  const parsed = parseConfigText(text, format);
  if (!parsed.ok) throw new LatticeError('ERR_USAGE', `${path}: ${parsed.message}`);
  const root = parsed.value as Record<string, unknown> | null;
  if (root === null || typeof root !== 'object') throw new LatticeError('ERR_USAGE', `${path}: expected an object`);
  const found = [...asList(root['service']), ...asList(root['services'])];
  if (found.length === 0) throw new LatticeError('ERR_USAGE', `${path}: no "service" or "services" block`);
  return found;
}

const field = (definition: Definition, name: string): string | undefined => {
  const entry = Object.entries(definition).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
};

/** The `-name`, `-id`, ... flags of `services register`, as commander collects them. */
export interface ServiceFlagValues {
  readonly name?: string;
  readonly id?: string;
  readonly address?: string;
  readonly port?: number;
  readonly kind?: string;
  readonly tag?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly taggedAddress?: Readonly<Record<string, string>>;
}

/** Go's `host:port` (or bare host) for a tagged address, as api.ParseServiceAddr reads it. */
function parseServiceAddress(value: string): { Address: string; Port: number } {
  const match = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:]*))(?::(?<port>\d+))?$/.exec(value);
  const host = match?.groups?.['v6'] ?? match?.groups?.['host'];
  if (!match || host === undefined) throw new LatticeError('ERR_USAGE', `Invalid Tagged Address: ${value}`);
  const port = match.groups?.['port'] === undefined ? 0 : Number(match.groups['port']);
  if (port > 65535) throw new LatticeError('ERR_USAGE', `Invalid Tagged Address: invalid port in ${value}`);
  return { Address: host, Port: port };
}

/** The definition the flags describe, with Consul's field names; empty fields are left out. */
export function definitionFromFlags(flags: ServiceFlagValues): Definition {
  const definition: Definition = {};
  if (flags.kind) definition['Kind'] = flags.kind;
  if (flags.id) definition['ID'] = flags.id;
  if (flags.name) definition['Name'] = flags.name;
  if (flags.address) definition['Address'] = flags.address;
  if (flags.port) definition['Port'] = flags.port;
  if (flags.tag && flags.tag.length > 0) definition['Tags'] = [...flags.tag];
  if (flags.meta && Object.keys(flags.meta).length > 0) definition['Meta'] = { ...flags.meta };
  if (flags.taggedAddress && Object.keys(flags.taggedAddress).length > 0)
    definition['TaggedAddresses'] = Object.fromEntries(
      Object.entries(flags.taggedAddress).map(([key, value]) => [key, parseServiceAddress(value)]),
    );
  return definition;
}

/** The key `definition` uses for a field in any spelling (Name, name; tagged_addresses, TaggedAddresses). */
function keyFor(definition: Definition, field: string): string {
  const wanted = field.toLowerCase();
  return Object.keys(definition).find((key) => key.toLowerCase().replaceAll('_', '') === wanted) ?? field;
}

/** Consul's CombineArgs: flags fill empty scalar fields, add meta and tagged addresses, and append tags. */
export function combineWithFlags(fromFile: Definition, fromFlags: Definition): Definition {
  const combined: Definition = { ...fromFile };
  for (const field of ['ID', 'Name', 'Address', 'Port', 'Kind']) {
    const key = keyFor(combined, field);
    const current = combined[key];
    if (fromFlags[field] !== undefined && (current === undefined || current === '' || current === 0))
      combined[key] = fromFlags[field];
  }
  for (const field of ['Meta', 'TaggedAddresses']) {
    if (fromFlags[field] === undefined) continue;
    const key = keyFor(combined, field);
    const current = combined[key];
    // HCL's `meta = {...}` arrives as a one-element list of objects; merge whatever form the file used.
    const existing = Array.isArray(current) ? Object.assign({}, ...current) : current;
    combined[key] = {
      ...(typeof existing === 'object' && existing !== null ? existing : {}),
      ...(fromFlags[field] as object),
    };
  }
  if (fromFlags['Tags'] !== undefined) {
    const key = keyFor(combined, 'Tags');
    const current = combined[key];
    combined[key] = [...(Array.isArray(current) ? current : []), ...(fromFlags['Tags'] as string[])];
  }
  return combined;
}

/** The definitions `services register` sends: the files' (combined with the flags) or the flags' one. */
export async function definitionsToRegister(files: readonly string[], flags: ServiceFlagValues): Promise<Definition[]> {
  if (files.length === 0 && !flags.name)
    throw new LatticeError('ERR_USAGE', 'Service registration requires at least one argument or flags.');
  if (files.length > 0 && flags.name)
    throw new LatticeError('ERR_USAGE', 'Service registration requires arguments or -id, not both.');
  const fromFlags = definitionFromFlags(flags);
  if (files.length === 0) return [fromFlags];
  return (await definitionsInFiles(files)).map((definition) => combineWithFlags(definition, fromFlags));
}

/** Every definition in the files; a file that cannot be read or parsed is Consul's "Error: <why>". */
async function definitionsInFiles(files: readonly string[]): Promise<Definition[]> {
  const definitions: Definition[] = [];
  for (const file of files) {
    try {
      definitions.push(...definitionsInFile(file, await readInputFile(file)));
    } catch (error) {
      if (!(error instanceof LatticeError)) throw error;
      throw new LatticeError(error.code, `Error: ${error.message}`, { cause: error });
    }
  }
  return definitions;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return port;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Go's FlagMapValue: `key=value`, repeatable; a later key wins. */
function collectPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 0) throw new InvalidArgumentError(`missing "=" value in argument: ${value}`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export interface Output {
  write(text: string): unknown;
}

interface DeregisterFlags extends HttpOptionValues {
  readonly id?: string;
}

export function registerServices(program: Command, output: Output = process.stdout): void {
  const services = program.command('services').description('Registers and deregisters services with the local agent');
  addHttpOptions(
    services
      .command('register')
      .description('Registers the services in the given definition files, or one service described by flags')
      .argument('[file...]', 'service definition files (.json, .hcl, .yaml)')
      .option('--name <name>', 'name of the service to register for flag-based registration')
      .option('--id <id>', 'ID of the service (default: the -name value)')
      .option('--address <address>', 'address of the service')
      .option('--port <port>', 'port of the service', parsePort)
      .option('--tag <tag>', 'tag to add to the service (repeatable)', collect)
      .option('--meta <key=value>', 'metadata to set on the service (repeatable)', collectPair)
      .option(
        '--tagged-address <key=addr>',
        'tagged address to set on the service, key=host:port (repeatable)',
        collectPair,
      )
      .option('--kind <kind>', "the service's kind (connect-proxy, mesh-gateway, ...)"),
  ).action(async (files: string[], flags: HttpOptionValues & ServiceFlagValues) => {
    const definitions = await definitionsToRegister(files, flags);
    const target = resolveHttpOptions(flags, process.env);
    for (const definition of definitions) {
      const name = field(definition, 'name') ?? '';
      await agentRequest(target, `Error registering service "${name}"`, {
        method: 'PUT',
        path: '/v1/agent/service/register',
        body: JSON.stringify(definition),
      });
      output.write(`Registered service: ${name}\n`);
    }
  });
  addHttpOptions(
    services
      .command('deregister')
      .description('Deregisters services by -id or by the definition files that registered them')
      .argument('[file...]', 'service definition files')
      .option('--id <id>', 'the service ID to deregister'),
  ).action(async (files: string[], flags: DeregisterFlags) => {
    if (files.length === 0 && !flags.id)
      throw new LatticeError('ERR_USAGE', 'Service deregistration requires at least one argument or -id.');
    if (flags.id && files.length > 0)
      throw new LatticeError('ERR_USAGE', 'Service deregistration requires arguments or -id, not both.');
    const ids: string[] = flags.id ? [flags.id] : [];
    for (const definition of await definitionsInFiles(files))
      ids.push(field(definition, 'id') ?? field(definition, 'name') ?? '');
    const target = resolveHttpOptions(flags, process.env);
    for (const id of ids) {
      await agentRequest(target, `Error deregistering service "${id}"`, {
        method: 'PUT',
        path: `/v1/agent/service/deregister/${encodeURIComponent(id)}`,
      });
      output.write(`Deregistered service: ${id}\n`);
    }
  });
}
