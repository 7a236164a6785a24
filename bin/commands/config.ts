// `lattice config write|read|list|delete`: config entries through the agent's HTTP API with consul config's flags
// and output (`Config entry written: kind/name`, pretty JSON for read, one name a line for list,
// `Config entry deleted: kind/name`). write reads HCL, JSON or YAML (`-` for stdin); -cas with -modify-index.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, parsed, readConfigFile } from './connect-http.js';

interface KindNameFlags extends HttpOptionValues {
  readonly kind?: string;
  readonly name?: string;
}

interface CasFlags {
  readonly cas?: boolean;
  readonly modifyIndex?: string;
}

const usage = (message: string): LatticeError => new LatticeError('ERR_USAGE', message);

function casQuery(flags: CasFlags): [string, string][] {
  if (!flags.cas) return [];
  if (!/^\d+$/.test(flags.modifyIndex ?? '')) throw usage('Must specify a -modify-index with -cas!');
  return [['cas', String(flags.modifyIndex)]];
}

function kindAndName(flags: KindNameFlags, needName: boolean): { kind: string; name: string } {
  if (!flags.kind) throw usage('Must specify the -kind parameter');
  if (needName && !flags.name) throw usage('Must specify the -name parameter');
  return { kind: flags.kind, name: flags.name ?? '' };
}

const entryPath = (kind: string, name: string): string =>
  `/v1/config/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Writes, reads, lists and deletes config entries');
  addHttpOptions(
    config
      .command('write')
      .description('Writes the config entry in FILE (HCL or JSON; - for standard input)')
      .argument('<file>')
      .option('--cas', 'check-and-set against -modify-index (0: only if absent)')
      .option('--modify-index <index>', 'the ModifyIndex the entry must have for -cas'),
  ).action(async (file: string, flags: HttpOptionValues & CasFlags) => {
    const target = resolveHttpOptions(flags, process.env);
    const entry = await readConfigFile(file);
    const field = (name: string): string => {
      const key = Object.keys(entry).find((item) => item.toLowerCase() === name);
      return key === undefined ? '' : String(entry[key]);
    };
    const answer = await agentJson(target, 'Error writing config entry', {
      method: 'PUT',
      path: '/v1/config',
      query: casQuery(flags),
      body: entry,
    });
    if (parsed<boolean>(answer, 'Error writing config entry') !== true)
      throw usage(`Config entry not updated: ${field('kind')}/${field('name')}`);
    process.stdout.write(`Config entry written: ${field('kind')}/${field('name')}\n`);
  });
  addHttpOptions(
    config
      .command('read')
      .description('Prints one config entry as JSON')
      .option('--kind <kind>', 'the entry kind')
      .option('--name <name>', 'the entry name'),
  ).action(async (flags: KindNameFlags) => {
    const { kind, name } = kindAndName(flags, true);
    const answer = await agentJson(resolveHttpOptions(flags, process.env), 'Error reading config entry', {
      path: entryPath(kind, name),
      accept: [404],
    });
    if (answer.status === 404) throw usage(`Error reading config entry ${kind}/${name}: ${answer.body.trim()}`);
    process.stdout.write(`${JSON.stringify(parsed(answer, 'Error reading config entry'), null, 4)}\n`);
  });
  addHttpOptions(
    config
      .command('list')
      .description('Lists the names of the entries of one kind')
      .option('--kind <kind>', 'the kind'),
  ).action(async (flags: KindNameFlags) => {
    const { kind } = kindAndName(flags, false);
    const entries = parsed<{ Name: string }[]>(
      await agentJson(resolveHttpOptions(flags, process.env), 'Error listing config entries', {
        path: `/v1/config/${encodeURIComponent(kind)}`,
      }),
      'Error listing config entries',
    );
    for (const entry of entries) process.stdout.write(`${entry.Name}\n`);
  });
  addHttpOptions(
    config
      .command('delete')
      .description('Deletes one config entry')
      .option('--kind <kind>', 'the entry kind')
      .option('--name <name>', 'the entry name')
      .option('--cas', 'check-and-set against -modify-index')
      .option('--modify-index <index>', 'the ModifyIndex the entry must have for -cas'),
  ).action(async (flags: KindNameFlags & CasFlags) => {
    const { kind, name } = kindAndName(flags, true);
    const answer = await agentJson(resolveHttpOptions(flags, process.env), 'Error deleting config entry', {
      method: 'DELETE',
      path: entryPath(kind, name),
      query: casQuery(flags),
    });
    if (parsed<boolean>(answer, 'Error deleting config entry') !== true)
      throw usage(`Config entry not deleted: ${kind}/${name}`);
    process.stdout.write(`Config entry deleted: ${kind}/${name}\n`);
  });
}
