// `lattice intention create|delete|get|list|check|match`: intentions through the agent's HTTP API with consul
// intention's arguments, output and exit codes (command/intention/*): `Created: web => db (allow)` (nothing for a
// -replace that overwrote an existing pair), `Intention deleted.`, the get table, the list table (`There are no
// intentions.` on stderr and exit 2 when there are none), `Allowed` (exit 0) / `Denied` (exit 1) for check with
// exit 2 on any error, `web => db (allow)` lines for match. SRC DST pairs use the `exact` endpoints; a single
// argument is an intention ID (the legacy ID endpoints). Lattice adds `-format json` to get and list and
// `-description` to create.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { cliErrorText } from '../error-output.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, parsed, readStdinText } from './connect-http.js';
import {
  formatIntentionDetails,
  formatIntentionList,
  type IntentionView,
  intentionString,
} from './intention-format.js';

interface CreateFlags extends HttpOptionValues {
  readonly allow?: boolean;
  readonly deny?: boolean;
  readonly replace?: boolean;
  readonly file?: boolean;
  readonly description?: string;
  readonly meta?: string[];
}

const usage = (message: string): LatticeError => new LatticeError('ERR_USAGE', message);
const failure = (message: string): LatticeError => new LatticeError('ERR_INTENTION', message);
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Consul's GetFromArgs: one argument is an ID, two are SRC DST. */
function whichIntention(args: readonly string[]): { id: string } | { source: string; destination: string } {
  if (args.length === 1) return { id: args[0] as string };
  if (args.length === 2) return { source: args[0] as string, destination: args[1] as string };
  throw usage('command requires exactly 1 or 2 arguments');
}

async function fetchOne(target: HttpClientOptions, args: readonly string[]): Promise<IntentionView> {
  const which = whichIntention(args);
  const request =
    'id' in which
      ? { path: `/v1/connect/intentions/${encodeURIComponent(which.id)}`, accept: [404] }
      : {
          path: '/v1/connect/intentions/exact',
          query: [
            ['source', which.source],
            ['destination', which.destination],
          ] as [string, string][],
          accept: [404],
        };
  const answer = await agentJson(target, 'Error reading the intention', request);
  if (answer.status === 404)
    throw failure(
      'id' in which
        ? `Intention not found with ID "${which.id}"`
        : `Intention not found with source "${which.source}" and destination "${which.destination}"`,
    );
  return parsed<IntentionView>(answer, 'Error reading the intention');
}

/**
 * Consul's ParseIntentionTarget: `[partition/][namespace/]name`. Lattice, like Consul CE, has only the default
 * namespace and partition, so those may be named and anything else is refused.
 */
export function intentionTarget(input: string, which: 'source' | 'destination'): string {
  const parts = input.split('/');
  if (parts.length > 3) throw usage(`Error: Invalid intention ${which}: input can contain at most two '/'`);
  const [name, namespace = '', partition = ''] = [...parts].reverse() as [string, string?, string?];
  if ((namespace !== '' && namespace !== 'default') || (partition !== '' && partition !== 'default'))
    throw new LatticeError(
      'ERR_NOT_IMPLEMENTED',
      `Error: Invalid intention ${which}: "${input}" names a namespace or admin partition other than "default", which are not implemented (Consul Enterprise features)`,
    );
  return name;
}

/** `-meta key=value`, repeatable (Consul's FlagMapValue). */
function metaOf(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw usage(`Invalid -meta value ${JSON.stringify(pair)}: expected key=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The intentions `create` makes: from SRC DST and the flags, or one per -file argument (`-` once for stdin). */
async function intentionsToCreate(args: readonly string[], flags: CreateFlags): Promise<Record<string, unknown>[]> {
  if (flags.file) {
    if (args.filter((arg) => arg === '-').length > 1) throw usage('Error: "-" may be given only once with -file');
    const bodies: Record<string, unknown>[] = [];
    for (const path of args) {
      const text =
        path === '-'
          ? await readStdinText()
          : await readFile(path, 'utf8').catch((error: unknown) => {
              throw failure(`Error: ${reason(error)}`);
            });
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw failure(`Error: ${path}: ${reason(error)}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw failure(`Error: ${path}: an intention must be a JSON object`);
      bodies.push(value as Record<string, unknown>);
    }
    return bodies;
  }
  // Consul's create prints every argument error as "Error: <why>" (ixnsFromArgs).
  if (args.length !== 2) throw usage('Error: Must specify two arguments: source and destination');
  const meta = metaOf(flags.meta ?? []);
  return [
    {
      SourceName: intentionTarget(args[0] as string, 'source'),
      DestinationName: intentionTarget(args[1] as string, 'destination'),
      SourceType: 'consul',
      Action: flags.deny ? 'deny' : 'allow',
      ...(flags.description ? { Description: flags.description } : {}),
      ...(Object.keys(meta).length > 0 ? { Meta: meta } : {}),
    },
  ];
}

async function create(target: HttpClientOptions, args: readonly string[], flags: CreateFlags): Promise<void> {
  if (flags.allow && flags.deny) throw usage('Only one of -allow or -deny may be specified.');
  const bodies = await intentionsToCreate(args, flags);
  for (const body of bodies) {
    const view = {
      SourceName: String(body['SourceName'] ?? ''),
      DestinationName: String(body['DestinationName'] ?? ''),
      Action: typeof body['Action'] === 'string' ? body['Action'] : '',
      Permissions: Array.isArray(body['Permissions']) ? (body['Permissions'] as unknown[]) : [],
    };
    const pair = `with source "${view.SourceName}" and destination "${view.DestinationName}"`;
    // Consul's -replace: look the pair up; an existing intention is overwritten by ID (IntentionUpdate, the legacy
    // PUT /v1/connect/intentions/:id, which keeps Meta) and nothing is printed (command/intention/create skips its
    // "Created:" line); a missing one is created as without -replace.
    if (flags.replace) {
      const existing = await agentJson(target, 'Error looking up intention', {
        path: '/v1/connect/intentions/exact',
        query: [
          ['source', view.SourceName],
          ['destination', view.DestinationName],
        ],
        accept: [404],
      }).catch((error: unknown) => {
        throw failure(
          `Error looking up intention for replacement ${pair}: ${reason(error).replace(/^Error looking up intention: /, '')}`,
        );
      });
      if (existing.status !== 404) {
        const id = parsed<{ ID?: string }>(existing, 'Error looking up intention').ID ?? '';
        // One written through the exact endpoint or a service-intentions entry has no ID to update by (Consul's
        // update would fail on it): it is replaced through the exact endpoint instead.
        const request =
          id === ''
            ? {
                path: '/v1/connect/intentions/exact',
                query: [
                  ['source', view.SourceName],
                  ['destination', view.DestinationName],
                ] as [string, string][],
                body,
              }
            : { path: `/v1/connect/intentions/${encodeURIComponent(id)}`, body: { ...body, ID: id } };
        await agentJson(target, 'Error replacing intention', { method: 'PUT', ...request }).catch((error: unknown) => {
          throw failure(
            `Error replacing intention ${pair}: ${reason(error).replace(/^Error replacing intention: /, '')}`,
          );
        });
        continue;
      }
    }
    await agentJson(target, 'Error creating intention', {
      method: 'POST',
      path: '/v1/connect/intentions',
      body,
    }).catch((error: unknown) => {
      throw failure(
        `Error creating intention "${intentionString(view)}": ${reason(error).replace(/^Error creating intention: /, '')}`,
      );
    });
    process.stdout.write(`Created: ${intentionString(view)}\n`);
  }
}

async function remove(target: HttpClientOptions, args: readonly string[]): Promise<void> {
  const which = whichIntention(args);
  const what = 'Error deleting the intention';
  if ('id' in which)
    await agentJson(target, what, { method: 'DELETE', path: `/v1/connect/intentions/${encodeURIComponent(which.id)}` });
  else
    await agentJson(target, what, {
      method: 'DELETE',
      path: '/v1/connect/intentions/exact',
      query: [
        ['source', which.source],
        ['destination', which.destination],
      ],
    });
  process.stdout.write('Intention deleted.\n');
}

async function get(target: HttpClientOptions, args: readonly string[], json: boolean): Promise<void> {
  const intention = await fetchOne(target, args);
  process.stdout.write(json ? `${JSON.stringify(intention, null, 2)}\n` : formatIntentionDetails(intention));
}

async function list(target: HttpClientOptions, json: boolean): Promise<void> {
  const what = 'Failed to retrieve the intentions list';
  const intentions = parsed<IntentionView[]>(await agentJson(target, what, { path: '/v1/connect/intentions' }), what);
  if (json) {
    process.stdout.write(`${JSON.stringify(intentions, null, 2)}\n`);
    return;
  }
  if (intentions.length === 0) {
    // Consul's answer for an empty list: on stderr, exit code 2.
    process.stderr.write('There are no intentions.\n');
    process.exitCode = 2;
    return;
  }
  process.stdout.write(formatIntentionList(intentions));
}

const sourceTypes = ['consul', 'external-trust-domain', 'external-uri'];

/** `consul intention check`: exit 0 allowed, 1 denied, 2 for every error (usage ones included). */
async function check(target: () => HttpClientOptions, args: readonly string[], sourceType: string): Promise<void> {
  try {
    if (args.length !== 2) throw usage('Error: command requires exactly two arguments: src and dst');
    if (!sourceTypes.includes(sourceType))
      throw usage(
        `-source-type "${sourceType}" is not supported: must be set to ${sourceTypes.join(', ').replace(/, ([^,]*)$/, ' or $1')}`,
      );
    if (sourceType !== 'consul')
      throw new LatticeError(
        'ERR_NOT_IMPLEMENTED',
        `-source-type ${sourceType}: sources outside the mesh's own trust domain are not implemented`,
      );
    const what = 'Error checking the connection';
    const answer = parsed<{ Allowed: boolean }>(
      await agentJson(target(), what, {
        path: '/v1/connect/intentions/check',
        query: [
          ['source', args[0] as string],
          ['destination', args[1] as string],
        ],
      }),
      what,
    );
    process.stdout.write(answer.Allowed ? 'Allowed\n' : 'Denied\n');
    if (!answer.Allowed) process.exitCode = 1;
  } catch (error) {
    process.stderr.write(`${cliErrorText(error)}\n`);
    process.exitCode = 2;
  }
}

async function match(
  target: HttpClientOptions,
  args: readonly string[],
  flags: { readonly source?: boolean; readonly destination?: boolean },
): Promise<void> {
  if (args.length !== 1) throw usage('Error: command requires exactly one argument: src or dst');
  if (flags.source && flags.destination) throw usage('Error: only one of -source or -destination may be specified');
  const name = args[0] as string;
  const what = 'Error matching the connection';
  const answer = parsed<Record<string, IntentionView[]>>(
    await agentJson(target, what, {
      path: '/v1/connect/intentions/match',
      query: [
        ['by', flags.source ? 'source' : 'destination'],
        ['name', name],
      ],
    }),
    what,
  );
  for (const item of answer[name] ?? []) process.stdout.write(`${intentionString(item)}\n`);
}

const formatOption = ['--format <format>', 'pretty or json (Lattice)', 'pretty'] as const;

function jsonFormat(format: string): boolean {
  if (format !== 'pretty' && format !== 'json') throw usage(`-format must be pretty or json, not "${format}"`);
  return format === 'json';
}

export function registerIntention(program: Command): void {
  const intention = program.command('intention').description('Creates and inspects Connect intentions');
  addHttpOptions(
    intention
      .command('create')
      .description('Creates an intention from SRC to DST (allow unless -deny), or from JSON files with -file')
      .argument('[args...]', 'SRC DST, or files with -file (- once for standard input)')
      .option('--allow', 'allow the connection (the default)')
      .option('--deny', 'deny the connection')
      .option('--replace', 'replace an existing intention for the same pair')
      .option('--file', 'the arguments are files holding intention JSON')
      .option('--description <text>', 'a description of the intention (Lattice)')
      .option('--meta <key=value>', 'metadata, repeatable', (value: string, previous: string[] = []) => [
        ...previous,
        value,
      ]),
  ).action(async (args: string[], flags: CreateFlags) => create(resolveHttpOptions(flags, process.env), args, flags));
  addHttpOptions(
    intention.command('delete').description('Deletes the intention SRC DST (or by ID)').argument('[args...]'),
  ).action(async (args: string[], flags: HttpOptionValues) => remove(resolveHttpOptions(flags, process.env), args));
  addHttpOptions(
    intention
      .command('get')
      .description('Shows the intention SRC DST (or by ID)')
      .argument('[args...]')
      .option(...formatOption),
  ).action(async (args: string[], flags: HttpOptionValues & { format: string }) =>
    get(resolveHttpOptions(flags, process.env), args, jsonFormat(flags.format)),
  );
  addHttpOptions(
    intention
      .command('list')
      .description('Lists every intention')
      .option(...formatOption),
  ).action(async (flags: HttpOptionValues & { format: string }) =>
    list(resolveHttpOptions(flags, process.env), jsonFormat(flags.format)),
  );
  addHttpOptions(
    intention
      .command('check')
      .description('Whether SRC may connect to DST (exit 0 allowed, 1 denied, 2 error)')
      .argument('[args...]', 'SRC DST')
      .option('--source-type <type>', 'type of SRC: consul (default), external-trust-domain or external-uri', 'consul'),
  ).action(async (args: string[], flags: HttpOptionValues & { sourceType: string }) =>
    check(() => resolveHttpOptions(flags, process.env), args, flags.sourceType),
  );
  addHttpOptions(
    intention
      .command('match')
      .description('Lists the intentions matching a source or destination, in evaluation order')
      .argument('[args...]', 'SRC or DST')
      .option('--source', 'match by source')
      .option('--destination', 'match by destination (the default)'),
  ).action(async (args: string[], flags: HttpOptionValues & { source?: boolean; destination?: boolean }) =>
    match(resolveHttpOptions(flags, process.env), args, flags),
  );
}
