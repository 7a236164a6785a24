// `lattice services register FILE...` / `deregister -id=ID | FILE...`: registers service definition files (JSON,
// HCL or YAML; `service {...}` or `services [...]`, the config-file format) with the local agent through
// /v1/agent/service/register, or removes them, as consul services does.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type ConfigFormat, formatForPath, parseConfigText } from '../../agent/config/formats.js';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest } from './catalog-http.js';

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

interface DeregisterFlags extends HttpOptionValues {
  readonly id?: string;
}

export function registerServices(program: Command): void {
  const services = program.command('services').description('Registers and deregisters services with the local agent');
  addHttpOptions(
    services
      .command('register')
      .description('Registers the services in the given definition files')
      .argument('<file...>', 'service definition files (.json, .hcl, .yaml)'),
  ).action(async (files: string[], flags: HttpOptionValues) => {
    const target = resolveHttpOptions(flags, process.env);
    for (const file of files) {
      for (const definition of definitionsInFile(file, await readFile(file, 'utf8'))) {
        const name = field(definition, 'name') ?? '?';
        await agentRequest(target, `registering service "${name}"`, {
          method: 'PUT',
          path: '/v1/agent/service/register',
          body: JSON.stringify(definition),
        });
        process.stdout.write(`Registered service: ${name}\n`);
      }
    }
  });
  addHttpOptions(
    services
      .command('deregister')
      .description('Deregisters services by -id or by the definition files that registered them')
      .argument('[file...]', 'service definition files')
      .option('--id <id>', 'the service ID to deregister'),
  ).action(async (files: string[], flags: DeregisterFlags) => {
    if (flags.id && files.length > 0) throw new LatticeError('ERR_USAGE', 'give either -id or files, not both');
    const ids: string[] = flags.id ? [flags.id] : [];
    for (const file of files)
      for (const definition of definitionsInFile(file, await readFile(file, 'utf8')))
        ids.push(field(definition, 'id') ?? field(definition, 'name') ?? '');
    if (ids.length === 0) throw new LatticeError('ERR_USAGE', 'give -id or at least one definition file');
    const target = resolveHttpOptions(flags, process.env);
    for (const id of ids) {
      await agentRequest(target, `deregistering service "${id}"`, {
        method: 'PUT',
        path: `/v1/agent/service/deregister/${encodeURIComponent(id)}`,
      });
      process.stdout.write(`Deregistered service: ${id}\n`);
    }
  });
}
