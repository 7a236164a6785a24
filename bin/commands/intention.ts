// `lattice intention create|delete|get|list|check|match`: intentions through the agent's HTTP API with consul
// intention's flags and output (`Created: web => db (allow)`, `Intention deleted.`, `Allowed`/`Denied` with exit
// codes 0/2 for check, `web => db (allow)` lines for match). SRC DST pairs use the `exact` endpoints; an argument
// that is a UUID names a legacy intention by ID.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, parsed } from './connect-http.js';

interface IntentionView {
  readonly ID: string;
  readonly SourceName: string;
  readonly DestinationName: string;
  readonly Action: string;
  readonly Permissions?: readonly unknown[];
  readonly Description?: string;
  readonly Precedence: number;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
}

interface CreateFlags extends HttpOptionValues {
  readonly allow?: boolean;
  readonly deny?: boolean;
  readonly replace?: boolean;
  readonly file?: boolean;
  readonly description?: string;
  readonly meta?: string[];
}

const usage = (message: string): LatticeError => new LatticeError('ERR_USAGE', message);
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const actionOf = (intention: IntentionView): string =>
  (intention.Permissions ?? []).length > 0 ? 'L7' : intention.Action;

function pairArgs(args: readonly string[], command: string): { id: string } | { source: string; destination: string } {
  if (args.length === 1 && uuidPattern.test(args[0] as string)) return { id: args[0] as string };
  if (args.length !== 2) throw usage(`${command} requires exactly one ID or two arguments: SRC DST`);
  return { source: args[0] as string, destination: args[1] as string };
}

async function fetchOne(target: HttpClientOptions, args: readonly string[], command: string): Promise<IntentionView> {
  const which = pairArgs(args, command);
  const answer =
    'id' in which
      ? await agentJson(target, 'Error reading the intention', {
          path: `/v1/connect/intentions/${which.id}`,
          accept: [404],
        })
      : await agentJson(target, 'Error reading the intention', {
          path: '/v1/connect/intentions/exact',
          query: [
            ['source', which.source],
            ['destination', which.destination],
          ],
          accept: [404],
        });
  if (answer.status === 404) throw usage(`Error: Intention not found`);
  return parsed<IntentionView>(answer, 'Error reading the intention');
}

async function create(target: HttpClientOptions, args: readonly string[], flags: CreateFlags): Promise<void> {
  if (flags.allow && flags.deny) throw usage('Only one of -allow or -deny may be specified');
  let bodies: Record<string, unknown>[];
  if (flags.file) {
    bodies = [];
    for (const path of args) {
      const value = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      bodies.push(value);
    }
  } else {
    if (args.length !== 2) throw usage('Must specify two arguments: source and destination');
    const meta = Object.fromEntries(
      (flags.meta ?? []).map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) throw usage(`Invalid -meta value ${JSON.stringify(pair)}: expected key=value`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
    bodies = [
      {
        SourceName: args[0],
        DestinationName: args[1],
        Action: flags.deny ? 'deny' : 'allow',
        ...(flags.description ? { Description: flags.description } : {}),
        ...(Object.keys(meta).length > 0 ? { Meta: meta } : {}),
      },
    ];
  }
  for (const body of bodies) {
    const source = String(body['SourceName'] ?? '');
    const destination = String(body['DestinationName'] ?? '');
    if (flags.replace) {
      await agentJson(target, 'Error creating intention', {
        method: 'PUT',
        path: '/v1/connect/intentions/exact',
        query: [
          ['source', source],
          ['destination', destination],
        ],
        body,
      });
    } else {
      await agentJson(target, 'Error creating intention', { method: 'POST', path: '/v1/connect/intentions', body });
    }
    process.stdout.write(`Created: ${source} => ${destination} (${String(body['Action'] ?? 'L7')})\n`);
  }
}

async function remove(target: HttpClientOptions, args: readonly string[]): Promise<void> {
  const which = pairArgs(args, 'delete');
  if ('id' in which)
    await agentJson(target, 'Error deleting intention', {
      method: 'DELETE',
      path: `/v1/connect/intentions/${which.id}`,
    });
  else
    await agentJson(target, 'Error deleting intention', {
      method: 'DELETE',
      path: '/v1/connect/intentions/exact',
      query: [
        ['source', which.source],
        ['destination', which.destination],
      ],
    });
  process.stdout.write('Intention deleted.\n');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 2)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

async function get(target: HttpClientOptions, args: readonly string[], json: boolean): Promise<void> {
  const intention = await fetchOne(target, args, 'get');
  if (json) {
    process.stdout.write(`${JSON.stringify(intention, null, 2)}\n`);
    return;
  }
  const rows: string[][] = [
    ['Source:', intention.SourceName],
    ['Destination:', intention.DestinationName],
    ['Action:', actionOf(intention)],
  ];
  if (intention.ID) rows.push(['ID:', intention.ID]);
  if (intention.Description) rows.push(['Description:', intention.Description]);
  for (const [key, value] of Object.entries(intention.Meta ?? {})) rows.push([`Meta[${key}]:`, value]);
  if (intention.CreatedAt) rows.push(['Created At:', intention.CreatedAt]);
  process.stdout.write(`${table(rows)}\n`);
}

async function list(target: HttpClientOptions, json: boolean): Promise<void> {
  const intentions = parsed<IntentionView[]>(
    await agentJson(target, 'Error listing intentions', { path: '/v1/connect/intentions' }),
    'Error listing intentions',
  );
  if (json) {
    process.stdout.write(`${JSON.stringify(intentions, null, 2)}\n`);
    return;
  }
  if (intentions.length === 0) {
    process.stdout.write('There are no intentions.\n');
    return;
  }
  const rows = [
    ['ID', 'Source', 'Action', 'Destination', 'Precedence'],
    ...intentions.map((item) => [
      item.ID,
      item.SourceName,
      actionOf(item),
      item.DestinationName,
      String(item.Precedence),
    ]),
  ];
  process.stdout.write(`${table(rows)}\n`);
}

async function check(target: HttpClientOptions, args: readonly string[]): Promise<void> {
  if (args.length !== 2) throw usage('Must specify two arguments: source and destination');
  const answer = parsed<{ Allowed: boolean }>(
    await agentJson(target, 'Error checking the connection', {
      path: '/v1/connect/intentions/check',
      query: [
        ['source', args[0] as string],
        ['destination', args[1] as string],
      ],
    }),
    'Error checking the connection',
  );
  process.stdout.write(answer.Allowed ? 'Allowed\n' : 'Denied\n');
  if (!answer.Allowed) process.exitCode = 2;
}

async function match(
  target: HttpClientOptions,
  name: string,
  flags: { readonly source?: boolean; readonly destination?: boolean },
): Promise<void> {
  if (flags.source && flags.destination) throw usage('Only one of -source or -destination may be specified');
  const by = flags.source ? 'source' : 'destination';
  const answer = parsed<Record<string, IntentionView[]>>(
    await agentJson(target, 'Error matching the connection', {
      path: '/v1/connect/intentions/match',
      query: [
        ['by', by],
        ['name', name],
      ],
    }),
    'Error matching the connection',
  );
  for (const item of answer[name] ?? [])
    process.stdout.write(`${item.SourceName} => ${item.DestinationName} (${actionOf(item)})\n`);
}

export function registerIntention(program: Command): void {
  const intention = program.command('intention').description('Creates and inspects Connect intentions');
  addHttpOptions(
    intention
      .command('create')
      .description('Creates an intention from SRC to DST (allow unless -deny), or from JSON files with -file')
      .argument('<args...>', 'SRC DST, or files with -file')
      .option('--allow', 'allow the connection (the default)')
      .option('--deny', 'deny the connection')
      .option('--replace', 'replace an existing intention for the same pair')
      .option('--file', 'the arguments are files holding intention JSON')
      .option('--description <text>', 'a description of the intention')
      .option('--meta <key=value>', 'metadata, repeatable', (value: string, previous: string[] = []) => [
        ...previous,
        value,
      ]),
  ).action(async (args: string[], flags: CreateFlags) => create(resolveHttpOptions(flags, process.env), args, flags));
  addHttpOptions(
    intention.command('delete').description('Deletes the intention SRC DST (or by ID)').argument('<args...>'),
  ).action(async (args: string[], flags: HttpOptionValues) => remove(resolveHttpOptions(flags, process.env), args));
  addHttpOptions(
    intention
      .command('get')
      .description('Shows the intention SRC DST (or by ID)')
      .argument('<args...>')
      .option('--format <format>', 'pretty or json', 'pretty'),
  ).action(async (args: string[], flags: HttpOptionValues & { format: string }) =>
    get(resolveHttpOptions(flags, process.env), args, flags.format === 'json'),
  );
  addHttpOptions(
    intention
      .command('list')
      .description('Lists every intention')
      .option('--format <format>', 'pretty or json', 'pretty'),
  ).action(async (flags: HttpOptionValues & { format: string }) =>
    list(resolveHttpOptions(flags, process.env), flags.format === 'json'),
  );
  addHttpOptions(
    intention
      .command('check')
      .description('Whether SRC may connect to DST (exit 0 allowed, 2 denied)')
      .argument('<source>')
      .argument('<destination>'),
  ).action(async (source: string, destination: string, flags: HttpOptionValues) =>
    check(resolveHttpOptions(flags, process.env), [source, destination]),
  );
  addHttpOptions(
    intention
      .command('match')
      .description('Lists the intentions matching a source or destination, most specific first')
      .argument('<name>')
      .option('--source', 'match by source')
      .option('--destination', 'match by destination (the default)'),
  ).action(async (name: string, flags: HttpOptionValues & { source?: boolean; destination?: boolean }) =>
    match(resolveHttpOptions(flags, process.env), name, flags),
  );
}
