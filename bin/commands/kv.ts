// `lattice kv get|put|delete|export|import`: the KV store through the agent's HTTP API, with consul kv's flags,
// output and messages (`Success! Data written to: KEY`, `Error! No key exists at: KEY`). Export writes consul kv
// export's JSON ([{key, flags, value}] with base64 values); import reads it back, printing each key and, for
// many keys, a progress line on stderr. Flags are Consul's uint64, kept exact as decimal text end to end (get
// -detailed, export, import), never through a JS number that would round them above 2^53.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { kvFlagsFromText } from '../../server/state/kv-types.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentCall, decodeValue, type KvPair, kvPath, parseJson, parseKvPairs, withExactFlags } from './kv-http.js';
import { readInputBytes } from './read-input.js';

interface GetFlags extends HttpOptionValues {
  readonly recurse?: boolean;
  readonly keys?: boolean;
  readonly separator?: string;
  readonly detailed?: boolean;
  readonly base64?: boolean;
  readonly stale?: boolean;
}

interface PutFlags extends HttpOptionValues {
  readonly cas?: boolean;
  readonly modifyIndex?: string;
  readonly flags?: string;
  readonly base64?: boolean;
  readonly acquire?: boolean;
  readonly release?: boolean;
  readonly session?: string;
}

interface DeleteFlags extends HttpOptionValues {
  readonly recurse?: boolean;
  readonly cas?: boolean;
  readonly modifyIndex?: string;
}

const usage = (message: string): LatticeError => new LatticeError('ERR_USAGE', message);

/** Consul's exported entry: lower-case names, base64 value; flags as exact decimal text (a uint64). */
export interface ExportedEntry {
  readonly key: string;
  readonly flags: string;
  readonly value: string;
}

/** Reads standard input to the end. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** consul kv put's DATA: `@file`, `-` for stdin, else the literal; base64-decoded with -base64. */
export async function dataArgument(data: string | undefined, base64: boolean): Promise<Buffer> {
  let bytes: Buffer;
  if (data === undefined) bytes = Buffer.alloc(0);
  else if (data === '-') bytes = await readStdin();
  else if (data.startsWith('@')) bytes = await readInputBytes(data.slice(1));
  else bytes = Buffer.from(data);
  if (!base64) return bytes;
  const text = bytes.toString('utf8').trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw usage('Error! Cannot base 64 decode data: illegal base64 data');
  return Buffer.from(text, 'base64');
}

/** kv put and kv import print a DATA argument they cannot read as "Error! <why>" (their dataFromArgs). */
function consulDataError(error: unknown): never {
  if (error instanceof LatticeError && /^Failed to read (file|stdin): /.test(error.message))
    throw new LatticeError(error.code, `Error! ${error.message}`, { cause: error });
  throw error;
}

/** Go's Uint64Var for -modify-index: absent is 0. */
function modifyIndexOf(flags: { readonly modifyIndex?: string }): string {
  const value = flags.modifyIndex ?? '0';
  if (!/^\d+$/.test(value) || BigInt(value) > 18_446_744_073_709_551_615n)
    throw usage(`invalid value "${value}" for flag -modify-index: parse error`);
  return BigInt(value).toString();
}

function detailed(pair: KvPair, base64: boolean): string {
  const value = base64 ? (pair.Value ?? '') : decodeValue(pair.Value).toString('utf8');
  const rows: [string, string][] = [
    ['CreateIndex', String(pair.CreateIndex)],
    ['Flags', String(pair.Flags)],
    ['Key', pair.Key],
    ['LockIndex', String(pair.LockIndex)],
    ['ModifyIndex', String(pair.ModifyIndex)],
    ['Session', pair.Session || '-'],
    ['Value', value],
  ];
  return rows.map(([name, cell]) => `${name.padEnd(16)} ${cell}`).join('\n');
}

/**
 * Consul's kv commands strip one leading "/" ("pairs cannot start with a /, but users will likely put "/" or
 * "/foo""), so `kv put /app/x` writes app/x.
 */
function withoutLeadingSlash(key: string): string {
  return key.startsWith('/') ? key.slice(1) : key;
}

async function kvGet(target: HttpClientOptions, key: string, flags: GetFlags): Promise<void> {
  const stale: [string, string][] = flags.stale ? [['stale', '']] : [];
  if (flags.keys) {
    const separator = flags.separator ?? '/';
    const answer = await agentCall(target, 'Error querying Consul agent', {
      path: kvPath(key),
      query: [['keys', ''], ['separator', separator], ...stale],
      accept: [404],
    });
    const keys = answer.status === 404 ? [] : parseJson<string[]>(answer, 'Error querying Consul agent');
    for (const item of keys) process.stdout.write(`${item}\n`);
    return;
  }
  if (flags.recurse) {
    const answer = await agentCall(target, 'Error querying Consul agent', {
      path: kvPath(key),
      query: [['recurse', ''], ...stale],
      accept: [404],
    });
    const pairs = answer.status === 404 ? [] : parseKvPairs(answer, 'Error querying Consul agent');
    pairs.forEach((pair, position) => {
      if (flags.detailed)
        process.stdout.write(`${detailed(pair, flags.base64 === true)}\n${position < pairs.length - 1 ? '\n' : ''}`);
      else {
        const value = flags.base64 ? (pair.Value ?? '') : decodeValue(pair.Value).toString('utf8');
        process.stdout.write(`${pair.Key}:${value}\n`);
      }
    });
    return;
  }
  if (key === '') throw usage('Error! Missing KEY argument');
  const answer = await agentCall(target, 'Error querying Consul agent', {
    path: kvPath(key),
    query: stale,
    accept: [404],
  });
  if (answer.status === 404) throw new LatticeError('ERR_NOT_FOUND', `Error! No key exists at: ${key}`);
  const [pair] = parseKvPairs(answer, 'Error querying Consul agent');
  if (pair === undefined) throw new LatticeError('ERR_NOT_FOUND', `Error! No key exists at: ${key}`);
  if (flags.detailed) process.stdout.write(`${detailed(pair, flags.base64 === true)}\n`);
  else if (flags.base64) process.stdout.write(`${pair.Value ?? ''}\n`);
  else process.stdout.write(Buffer.concat([decodeValue(pair.Value), Buffer.from('\n')]));
}

async function kvPut(target: HttpClientOptions, key: string, data: string | undefined, flags: PutFlags): Promise<void> {
  if (key === '') throw usage('Error! Missing KEY argument');
  const query: [string, string][] = [];
  if (flags.flags !== undefined) {
    const exact = kvFlagsFromText(flags.flags);
    // Go's flag package: digits past uint64 are "value out of range", anything else a "parse error".
    if (exact === undefined)
      throw usage(
        `invalid value "${flags.flags}" for flag -flags: ${/^[0-9]+$/.test(flags.flags) ? 'value out of range' : 'parse error'}`,
      );
    query.push(['flags', String(exact)]);
  }
  if ([flags.cas, flags.acquire, flags.release].filter(Boolean).length > 1)
    throw usage('Only one of -cas, -acquire and -release may be given');
  const body = await dataArgument(data, flags.base64 === true).catch(consulDataError);
  if ((flags.acquire || flags.release) && !flags.session)
    throw usage('Error! Missing -session (required with -acquire and -release)');
  // Consul's wording per operation (command/kv/put): the failed call, then the refusal.
  const index = flags.cas ? modifyIndexOf(flags) : '0';
  const [what, refused] = flags.cas
    ? [
        `Error! Did not write to ${key}`,
        index === '0'
          ? `Error! Did not write to ${key}: CAS performed with index=0 and key already exists.`
          : `Error! Did not write to ${key}: CAS failed`,
      ]
    : flags.acquire
      ? ['Error! Failed writing data', 'Error! Did not acquire lock']
      : flags.release
        ? ['Error! Failed writing data', 'Error! Did not release lock']
        : ['Error! Failed writing data', ''];
  if (flags.cas) query.push(['cas', index]);
  if (flags.acquire || flags.release) query.push([flags.acquire ? 'acquire' : 'release', flags.session ?? '']);
  const answer = await agentCall(target, what, { method: 'PUT', path: kvPath(key), query, body });
  // A plain put answers true regardless (Consul does not look at it); CAS, acquire and release say whether it took.
  if (refused !== '' && answer.body.trim() !== 'true') throw new LatticeError('ERR_KV_REFUSED', refused);
  if (flags.acquire) process.stdout.write(`Success! Lock acquired on: ${key}\n`);
  else if (flags.release) process.stdout.write(`Success! Lock released on: ${key}\n`);
  else process.stdout.write(`Success! Data written to: ${key}\n`);
}

async function kvDelete(target: HttpClientOptions, key: string, flags: DeleteFlags): Promise<void> {
  if (!flags.recurse && key === '') throw usage('Error! Missing KEY argument');
  const index = modifyIndexOf(flags);
  // Consul's checks, in its order (command/kv/del).
  if (flags.cas && index === '0')
    throw usage('Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.');
  if (index !== '0' && !flags.cas) throw usage('Cannot specify -modify-index without -cas!');
  if (flags.recurse && flags.cas) throw usage('Cannot specify both -cas and -recurse!');
  const query: [string, string][] = [];
  if (flags.recurse) query.push(['recurse', '']);
  if (flags.cas) query.push(['cas', index]);
  const what = flags.recurse
    ? `Error! Did not delete prefix ${key}`
    : flags.cas
      ? `Error! Did not delete key ${key}`
      : `Error deleting key ${key}`;
  const answer = await agentCall(target, what, { method: 'DELETE', path: kvPath(key), query });
  if (answer.body.trim() !== 'true')
    throw new LatticeError('ERR_KV_REFUSED', `Error! Did not delete key ${key}: CAS failed`);
  process.stdout.write(
    flags.recurse ? `Success! Deleted keys with prefix: ${key}\n` : `Success! Deleted key: ${key}\n`,
  );
}

async function kvExport(target: HttpClientOptions, prefix: string): Promise<void> {
  const answer = await agentCall(target, 'Error querying Consul agent', {
    path: kvPath(prefix),
    query: [['recurse', '']],
    accept: [404],
  });
  const pairs = answer.status === 404 ? [] : parseKvPairs(answer, 'Error querying Consul agent');
  const exported: ExportedEntry[] = pairs.map((pair) => ({
    key: pair.Key,
    flags: String(pair.Flags),
    value: pair.Value ?? '',
  }));
  process.stdout.write(`${exportJson(exported)}\n`);
}

/**
 * consul kv export's document (json.MarshalIndent with a tab): flags as a bare JSON number of exact digits, which
 * JSON.stringify cannot write for a value above 2^53, so each quoted flags text is unquoted after stringifying (a
 * quote inside a key is escaped, so only the member itself matches).
 */
export function exportJson(entries: readonly ExportedEntry[]): string {
  return JSON.stringify(entries, null, '\t').replace(/"flags": "(\d+)"/g, '"flags": $1');
}

/** Go's base64.StdEncoding alphabet with its padding: Node's decoder would skip what does not fit instead. */
const standardBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses consul kv export's JSON, refusing anything else with a clear message before anything is written; flags
 * stay exact (uint64) and values must be standard base64, as consul kv import decodes them.
 */
export function parseExport(text: string): ExportedEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(withExactFlags(text, 'flags'));
  } catch (error) {
    throw new LatticeError('ERR_USAGE', `Cannot unmarshal data: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new LatticeError('ERR_USAGE', 'Cannot unmarshal data: expected a JSON array');
  return parsed.map((entry, position) => {
    const item = entry as { key?: unknown; flags?: unknown; value?: unknown } | null;
    if (typeof item?.key !== 'string') throw new LatticeError('ERR_USAGE', `entry ${position} has no "key"`);
    const flagsText = item.flags === undefined || item.flags === null ? '0' : String(item.flags);
    const flags = kvFlagsFromText(flagsText);
    if (flags === undefined)
      throw new LatticeError(
        'ERR_USAGE',
        `Cannot unmarshal data: entry ${position} ("${item.key}"): flags ${JSON.stringify(item.flags)} is not a uint64`,
      );
    const value = typeof item.value === 'string' ? item.value : '';
    if (!standardBase64.test(value))
      throw new LatticeError('ERR_USAGE', `Error base 64 decoding value for key ${item.key}: illegal base64 data`);
    return { key: item.key, flags: String(flags), value };
  });
}

/** Writes in parallel, this many at a time: enough to hide the round trip, few enough to be polite. */
const importParallelism = 16;
/** Below this many keys no progress line is drawn. */
const progressKeysMin = 50;

async function kvImport(target: HttpClientOptions, data: string | undefined, prefix: string): Promise<void> {
  const entries = parseExport((await dataArgument(data, false).catch(consulDataError)).toString('utf8'));
  let done = 0;
  const showProgress = entries.length >= progressKeysMin && process.stderr.isTTY === true;
  const progress = (): void => {
    if (!showProgress) return;
    const width = 30;
    const filled = Math.round((done / entries.length) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${entries.length} keys`);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const entry = entries[next++] as ExportedEntry;
      const key = `${prefix}${entry.key}`;
      await agentCall(target, `Error! Failed writing data for key ${key}`, {
        method: 'PUT',
        path: kvPath(key),
        query: [['flags', entry.flags]],
        body: Buffer.from(entry.value, 'base64'),
      });
      done++;
      process.stdout.write(`Imported: ${key}\n`);
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.min(importParallelism, entries.length) }, worker));
  if (showProgress) process.stderr.write('\n');
}

/**
 * consul kv's own count of its words, in place of commander's (`[key]` and `[data]` are declared optional and
 * extra words allowed, so that these texts are the ones a script sees). `words` are every operand given.
 */
function checkWordCount(words: readonly string[], max: number, tooMany: (count: number) => string): void {
  if (words.length > max) throw usage(tooMany(words.length));
}

export function registerKv(program: Command): void {
  const kv = program.command('kv').description('Reads, writes and deletes keys in the KV store');
  addHttpOptions(
    kv
      .command('get')
      .description('Reads the value of a key, or the keys under a prefix')
      .argument('[key]', 'the key or prefix', '')
      .option('--recurse', 'every key under the prefix, as key:value lines')
      .option('--keys', 'only the key names under the prefix')
      .option('--separator <separator>', 'with -keys: list only up to this separator', '/')
      .option('--detailed', 'every field of the entry')
      .option('--base64', 'prints values base64-encoded')
      .option('--stale', 'lets any server answer')
      .allowExcessArguments(),
  ).action(async (key: string, flags: GetFlags, command: Command) => {
    checkWordCount(command.args, 1, (count) => `Too many arguments (expected 1, got ${count})`);
    await kvGet(resolveHttpOptions(flags, process.env), withoutLeadingSlash(key), flags);
  });
  addHttpOptions(
    kv
      .command('put')
      .description('Writes DATA (a literal, @file, or - for stdin) to KEY')
      .argument('[key]', 'the key', '')
      .argument('[data]', 'the value: literal, @path, or - for standard input')
      .option('--cas', 'check-and-set against -modify-index (0: only if absent)')
      .option('--modify-index <index>', 'the ModifyIndex the key must have for -cas')
      .option('--flags <flags>', 'unsigned integer flags stored with the key')
      .option('--base64', 'DATA is base64-encoded')
      .option('--acquire', 'acquires the lock on KEY with -session')
      .option('--release', 'releases the lock on KEY held by -session')
      .option('--session <id>', 'the session for -acquire or -release')
      .allowExcessArguments(),
  ).action(async (key: string, data: string | undefined, flags: PutFlags, command: Command) => {
    if (command.args.length === 0) throw usage('Error! Missing KEY argument');
    checkWordCount(command.args, 2, (count) => `Error! Too many arguments (expected 1 or 2, got ${count})`);
    await kvPut(resolveHttpOptions(flags, process.env), withoutLeadingSlash(key), data, flags);
  });
  addHttpOptions(
    kv
      .command('delete')
      .description('Deletes KEY, or every key under the prefix with -recurse')
      .argument('[key]', 'the key or prefix', '')
      .option('--recurse', 'deletes every key under the prefix')
      .option('--cas', 'deletes only if the key has -modify-index')
      .option('--modify-index <index>', 'the ModifyIndex for -cas')
      .allowExcessArguments(),
  ).action(async (key: string, flags: DeleteFlags, command: Command) => {
    checkWordCount(command.args, 1, (count) => `Too many arguments (expected 1, got ${count})`);
    await kvDelete(resolveHttpOptions(flags, process.env), withoutLeadingSlash(key), flags);
  });
  addHttpOptions(
    kv
      .command('export')
      .description("Prints the keys under PREFIX as JSON, in consul kv export's format")
      .argument('[prefix]', 'the prefix', '')
      .allowExcessArguments(),
  ).action(async (prefix: string, flags: HttpOptionValues, command: Command) => {
    checkWordCount(command.args, 1, (count) => `Too many arguments (expected 1, got ${count})`);
    await kvExport(resolveHttpOptions(flags, process.env), withoutLeadingSlash(prefix));
  });
  addHttpOptions(
    kv
      .command('import')
      .description('Writes the entries of a consul kv export document (@file, - for stdin, or the JSON itself)')
      .argument('[data]', 'the JSON: literal, @path, or - for standard input')
      .option('--prefix <prefix>', 'prepended to every imported key', '')
      .allowExcessArguments(),
  ).action(
    async (data: string | undefined, flags: HttpOptionValues & { readonly prefix: string }, command: Command) => {
      checkWordCount(command.args, 1, (count) => `Error! Too many arguments (expected 1, got ${count})`);
      // consul kv import's dataFromArgs: standard input only for an explicit `-`, so a forgotten argument fails
      // at once instead of hanging on a terminal.
      if (data === undefined) throw usage('Error! Missing DATA argument');
      if (data === '') throw usage('Error! Empty DATA argument');
      await kvImport(resolveHttpOptions(flags, process.env), data, flags.prefix);
    },
  );
}
