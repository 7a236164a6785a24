// `lattice config write|read|list|delete`: config entries through the agent's HTTP API with consul config's flags,
// output and errors (command/config/*): `Config entry written: kind/name`, pretty JSON for read, one name a line for
// list (`-filter` passed on), `Config entry deleted: kind/name`. write reads HCL, JSON or YAML (`-` for stdin);
// `-cas` checks against `-modify-index`, which defaults to 0 (write only if absent), as Consul's flag does; delete
// -cas needs an index above 0.

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
  const index = flags.modifyIndex ?? '0';
  // Go's Uint64Var.
  if (!/^\d+$/.test(index) || BigInt(index) > 18_446_744_073_709_551_615n)
    throw usage(`invalid value "${index}" for flag -modify-index: parse error`);
  return flags.cas ? [['cas', String(BigInt(index))]] : [];
}

/** Consul's wording for a failed call: `<what>: <the agent's answer>`. */
function rethrow(what: string): (error: unknown) => never {
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    throw new LatticeError('ERR_CONFIG_ENTRY', `${what}: ${message.replace(/^[^:]*: /, '')}`, { cause: error });
  };
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
      .argument('[file...]')
      .option('--cas', 'check-and-set against -modify-index (0, the default: only if absent)')
      .option('--modify-index <index>', 'the ModifyIndex the entry must have for -cas'),
  ).action(async (files: string[], flags: HttpOptionValues & CasFlags) => {
    if (files.length !== 1)
      throw usage('Must provide exactly one positional argument to specify the config entry to write');
    const query = casQuery(flags);
    const target = resolveHttpOptions(flags, process.env);
    const entry = await readConfigFile(files[0] as string).catch((error: unknown) => {
      // Consul's config write wraps LoadDataSourceNoRaw's "Failed to read file: ..." once more.
      if (error instanceof LatticeError && /^Failed to read (file|stdin): /.test(error.message))
        throw new LatticeError(error.code, `Failed to load data: ${error.message}`, { cause: error });
      throw error;
    });
    const field = (name: string): string => {
      const key = Object.keys(entry).find((item) => item.toLowerCase() === name);
      return key === undefined ? '' : String(entry[key]);
    };
    if (!Object.hasOwn(entry, 'Kind') && !Object.hasOwn(entry, 'kind'))
      throw usage('Failed to decode config entry input: Payload does not contain a kind/Kind key at the top level');
    if (typeof (entry['Kind'] ?? entry['kind']) !== 'string')
      throw usage('Failed to decode config entry input: Kind value in payload is not a string');
    const answer = await agentJson(target, 'Error writing config entry', {
      method: 'PUT',
      path: '/v1/config',
      query,
      body: entry,
    }).catch(rethrow(`Error writing config entry ${field('kind')}/${field('name')}`));
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
    }).catch(rethrow(`Error reading config entry "${kind}" / "${name}"`));
    process.stdout.write(`${JSON.stringify(parsed(answer, 'Error reading config entry'), null, 4)}\n`);
  });
  addHttpOptions(
    config
      .command('list')
      .description('Lists the names of the entries of one kind')
      .option('--kind <kind>', 'the kind')
      .option('--filter <expression>', 'a filter expression over the entries'),
  ).action(async (flags: KindNameFlags & { filter?: string }) => {
    const { kind } = kindAndName(flags, false);
    const what = `Error listing config entries for kind "${kind}"`;
    const entries = parsed<{ Name: string }[]>(
      await agentJson(resolveHttpOptions(flags, process.env), what, {
        path: `/v1/config/${encodeURIComponent(kind)}`,
        query: flags.filter ? [['filter', flags.filter]] : [],
      }).catch(rethrow(what)),
      what,
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
    const query = casQuery(flags);
    // Consul's delete validateArgs: a CAS delete needs a real index, and an index means nothing without -cas.
    const index = flags.modifyIndex === undefined ? 0n : BigInt(flags.modifyIndex);
    if (flags.cas && index === 0n) throw usage('Must specify a -modify-index greater than 0 with -cas');
    if (!flags.cas && index !== 0n) throw usage('Cannot specify -modify-index without -cas');
    const answer = await agentJson(resolveHttpOptions(flags, process.env), 'Error deleting config entry', {
      method: 'DELETE',
      path: entryPath(kind, name),
      query,
    }).catch(rethrow(`Error deleting config entry ${kind}/${name}`));
    // Without -cas Consul takes any success as deleted; with it, the answer says whether the index matched.
    if (flags.cas && parsed<boolean>(answer, 'Error deleting config entry') !== true)
      throw usage(`Config entry not deleted: ${kind}/${name}`);
    process.stdout.write(`Config entry deleted: ${kind}/${name}\n`);
  });
}
