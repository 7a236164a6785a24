// `lattice exec [options] [-|command...]`: Consul's remote execution (command/exec/exec.go). A session owns the job
// spec written to `<prefix>/<session>/job`; a `_rexec` user event (with the node/service/tag filters) tells the
// agents; each agent that matches and has disable_remote_exec = false (the default is true: it ignores the event)
// runs the command and writes ack, output chunks and its exit code under `<prefix>/<session>/<node>/`. This
// command prints each node's output prefixed with its name, then "N / M node(s) completed / acknowledged" once no
// result came for -wait, destroys the session and deletes the job's keys. Exit status: 0, 2 when a node failed or
// never finished, 1 when the job could not be started. Flags stop at the first word of the command, as Go's do.

import { Command } from 'commander';
import { remoteExecPrefixDefault } from '../../agent/remote-exec/wire.js';
import { parseDuration } from '../../lib/duration.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { AgentRequestError } from './catalog-http.js';
import { rewriteGoBooleanFlags } from './exec-argv.js';
import { buildExecJob, ExecUsageError } from './exec-config.js';
import { streamResults } from './exec-results.js';
import { type ForeignDatacenter, RemoteExecJobSession } from './exec-session.js';
import { waitForJob } from './exec-wait.js';
import { agentCall, parseJson } from './kv-http.js';

interface ExecFlags extends HttpOptionValues {
  readonly node?: string;
  readonly service?: string;
  readonly tag?: string;
  readonly prefix: string;
  /** Undefined unless -shell / -shell=BOOL / -no-shell was given: then true, as Consul's default. */
  readonly shell?: boolean;
  readonly wait: string;
  readonly waitRepl: string;
  readonly verbose?: boolean;
}

/** `exec` with Go's reading of its boolean flags (exec-argv.ts) before commander's. */
class ExecCommand extends Command {
  override parseOptions(argv: string[]): ReturnType<Command['parseOptions']> {
    const takesValue = (longName: string): boolean =>
      this.options.some((option) => option.long === longName && option.required);
    return super.parseOptions(rewriteGoBooleanFlags(argv, { booleans: ['--shell', '--verbose'], takesValue }));
  }
}

function durationFlag(text: string, flag: string): number {
  let durationMs: number;
  try {
    durationMs = parseDuration(text);
  } catch (error) {
    throw new ExecUsageError(`invalid value "${text}" for flag -${flag}: ${(error as Error).message}`);
  }
  if (durationMs < 0) throw new ExecUsageError(`invalid value "${text}" for flag -${flag}: must not be negative`);
  return durationMs;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The command words as typed. The CLI rewrites single-dash long flags (`-la` to `--la`, bin/argv.ts) before
 * commander sees them, position for position; the words are the tail of argv, so the raw tail is what was typed.
 */
function typedWords(words: readonly string[]): string[] {
  const raw = process.argv.slice(2);
  return words.length === 0 ? [] : raw.slice(raw.length - words.length);
}

interface AgentSelf {
  readonly Config: { readonly Datacenter: string; readonly NodeName: string };
}

async function foreignDatacenter(target: HttpClientOptions): Promise<ForeignDatacenter | null> {
  const answer = await agentCall(target, 'Error querying Consul agent', { path: '/v1/agent/self' });
  const self = parseJson<AgentSelf>(answer, 'Error querying Consul agent');
  if (target.datacenter === undefined || target.datacenter === self.Config.Datacenter) return null;
  return { localNode: self.Config.NodeName, localDatacenter: self.Config.Datacenter, datacenter: target.datacenter };
}

function pause(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, delayMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function exec(words: string[], given: ExecFlags, help: () => string): Promise<number> {
  const flags = { ...given, shell: given.shell ?? true, verbose: given.verbose ?? false };
  const out = (text: string): void => void process.stdout.write(text);
  const info = (line: string): void => (flags.verbose ? out(`${line}\n`) : undefined);
  const fail = (line: string): number => {
    process.stderr.write(`${line}\n`);
    return 1;
  };
  const waitMs = durationFlag(flags.wait, 'wait');
  const replicationWaitMs = durationFlag(flags.waitRepl, 'wait-repl');
  const filters = { node: flags.node ?? '', service: flags.service ?? '', tag: flags.tag ?? '' };
  const job = await buildExecJob({ ...flags, ...filters, words: typedWords(words), waitMs, readStdin }).catch(
    (error) => {
      if (error instanceof ExecUsageError && error.withHelp) throw new ExecUsageError(`${error.message}\n\n${help()}`);
      throw error;
    },
  );
  const target = resolveHttpOptions(flags, process.env);
  const foreign = await foreignDatacenter(target);
  if (foreign !== null) info('Remote exec in foreign datacenter, using Session TTL');
  const interrupted = new AbortController();
  const interrupt = (): void => interrupted.abort();
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  const session = await RemoteExecJobSession.create(target, flags.prefix, foreign, {
    info,
    warn: (line) => process.stderr.write(`${line}\n`),
  });
  let uploaded = false;
  try {
    info(`Created remote execution session: ${session.id}`);
    await session.upload(job);
    uploaded = true;
    info('Uploaded remote execution spec');
    // Consul's replication wait: agents read the job with a stale read first, so give followers a moment.
    await pause(replicationWaitMs, interrupted.signal);
    if (interrupted.signal.aborted) return 1;
    const eventId = await session.fire(filters);
    info(`Fired remote execution event: ${eventId}`);
    return await waitForJob({
      quietWaitMs: waitMs,
      verbose: flags.verbose,
      write: out,
      writeError: (text) => process.stderr.write(text),
      stream: (sink, signal) => streamResults(target, session.directory, waitMs, signal, sink),
      interrupted: interrupted.signal,
    });
  } catch (error) {
    if (error instanceof AgentRequestError) return fail(error.message);
    throw error;
  } finally {
    await session.cleanup(uploaded);
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
  }
}

export function registerExec(program: Command): void {
  // Go's flag package stops at the first non-flag word: `lattice exec ls -la` runs `ls -la`.
  program.enablePositionalOptions();
  const command = new ExecCommand('exec');
  program.addCommand(command);
  addHttpOptions(
    command
      .description(
        'Evaluates a command on remote nodes, filtered by node name, service and tag (regular expressions). ' +
          "A command of '-' reads a script from stdin. Agents run it only with disable_remote_exec = false " +
          '(the default, true, ignores it)',
      )
      .usage('[options] [-|command...]')
      .argument('[command...]', 'the command to run on each node')
      .option('--node <regex>', 'regular expression to filter on node names')
      .option('--service <regex>', 'regular expression to filter on service instances')
      .option('--tag <regex>', 'regular expression to filter on service tags; must be used with -service')
      .option('--prefix <prefix>', 'prefix in the KV store to use for request data', remoteExecPrefixDefault)
      .option('--shell', 'use a shell to run the command (the default; -shell=false runs it directly)')
      .option('--no-shell', 'run the command directly, without a shell (as -shell=false)')
      .option('--wait <duration>', 'period to wait with no responses before terminating execution', '2s')
      .option('--wait-repl <duration>', 'period to wait for replication before firing the event', '200ms')
      .option('--verbose', 'enables verbose output (-verbose=false turns it off)')
      .option('--no-verbose', 'no verbose output (the default)')
      .passThroughOptions(),
  );
  command.action(async (words: string[], flags: ExecFlags) => {
    try {
      process.exitCode = await exec(words, flags, () => command.helpInformation());
    } catch (error) {
      if (!(error instanceof ExecUsageError || error instanceof AgentRequestError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    }
  });
}
