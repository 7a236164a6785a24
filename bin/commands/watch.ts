// `lattice watch -type=TYPE [params] [handler...]`, as `consul watch`: follows one blocking query (agent/watch/
// plan.ts and types.ts). With a handler, runs it on every change with the result as JSON on stdin and
// CONSUL_INDEX / LATTICE_INDEX in its environment (through `$SHELL -c` unless -shell=false; handler.ts), until
// interrupted; a handler that fails ends the watch with status 1, as Consul's does. Without one, prints the first
// result and exits. Handler arguments that look like flags go after `--`: `lattice watch -type=key -key=k -- tee -a log`.

import type { ChildProcess } from 'node:child_process';
import type { Command } from 'commander';
import { runWatchHandler, spawnWatchHandler } from '../../agent/watch/handler.js';
import { WatchPlan } from '../../agent/watch/plan.js';
import { type WatchParams, watchSpec, watchTypes } from '../../agent/watch/types.js';
import { RealClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { goFlagSubcommand } from '../go-flag-command.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { AgentRequestError, agentRequest } from './catalog-http.js';

interface WatchFlags extends HttpOptionValues {
  readonly type?: string;
  readonly key?: string;
  readonly prefix?: string;
  readonly service?: string;
  readonly tag?: string;
  readonly passingonly?: string;
  readonly state?: string;
  readonly name?: string;
  readonly shell: string;
  readonly datacenter?: string;
  readonly stale?: string | boolean;
}

/** Go's strconv.ParseBool, which Consul's `-passingonly`, `-shell` and `-stale` values go through. */
export function parseGoBool(value: string, flag: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new LatticeError('ERR_USAGE', `Failed to parse ${flag} flag: invalid syntax: "${value}"`);
}

function paramsFrom(flags: WatchFlags): WatchParams {
  return {
    type: flags.type,
    key: flags.key || undefined,
    prefix: flags.prefix || undefined,
    service: flags.service || undefined,
    tag: flags.tag || undefined,
    passingonly: flags.passingonly ? parseGoBool(flags.passingonly, 'passingonly') : undefined,
    state: flags.state || undefined,
    name: flags.name || undefined,
  };
}

async function checkAgent(target: HttpClientOptions): Promise<void> {
  try {
    await agentRequest(target, 'querying the agent', { path: '/v1/agent/self' });
  } catch (error) {
    if (!(error instanceof AgentRequestError)) throw error;
    throw new LatticeError('ERR_AGENT', `Error querying Consul agent: ${error.message}`);
  }
}

async function watch(handlerArgs: string[], flags: WatchFlags): Promise<void> {
  const spec = watchSpec(paramsFrom(flags));
  const shell = parseGoBool(flags.shell, 'shell');
  const stale = flags.stale === true || (typeof flags.stale === 'string' && parseGoBool(flags.stale, 'stale'));
  const target = resolveHttpOptions(flags, process.env);
  await checkAgent(target);

  const stop = new AbortController();
  let running: ChildProcess | null = null;
  // Ctrl-C ends the watch with status 0 (Consul's shutdownCh); a running handler gets the signal too.
  const onSignal = (signal: NodeJS.Signals): void => {
    running?.kill(signal);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const plan = new WatchPlan({
    spec,
    target,
    clock: new RealClock(),
    ...(flags.datacenter ? { datacenter: flags.datacenter } : {}),
    stale,
    onError: (error, retryMs) =>
      process.stderr.write(`[ERR] watch (type: ${spec.type}) errored: ${error.message}, retry in ${retryMs / 1000}s\n`),
    handler: async (index, result) => {
      if (handlerArgs.length === 0) {
        process.stdout.write(`${JSON.stringify(result === undefined ? null : result, null, 4)}\n`);
        stop.abort();
        return;
      }
      running = spawnWatchHandler(shell ? { script: handlerArgs.join(' ') } : { argv: handlerArgs }, index, 'inherit');
      try {
        await runWatchHandler(running, result);
      } catch (error) {
        // A handler cut short by our own Ctrl-C is the watch stopping, not failing (Consul exits 0 then too).
        if (!stop.signal.aborted) throw error;
      } finally {
        running = null;
      }
    },
  });
  try {
    await plan.run(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerWatch(program: Command): void {
  addHttpOptions(
    goFlagSubcommand(program, 'watch')
      .description(
        'Watches a view of the catalog, KV or events; runs HANDLER with the JSON on stdin on each change, or prints it once',
      )
      .argument('[handler...]', 'the command to run on each change, with its own flags')
      .option('--type <type>', `the watch type: ${watchTypes.join(', ')}`)
      .option('--key <key>', "the key to watch ('key' type)")
      .option('--prefix <prefix>', "the key prefix to watch ('keyprefix' type)")
      .option('--service <service>', "the service to watch ('service' type; optional for 'checks')")
      .option('--tag <tag>', "only instances with this tag ('service' type)")
      .option('--passingonly <bool>', "only instances passing all checks ('service' type): true or false")
      .option('--state <state>', "the check state to watch ('checks' type): any, passing, warning, critical")
      .option('--name <name>', "the event name to watch ('event' type)")
      .option('--shell <bool>', 'run the handler through $SHELL -c (default true)', 'true')
      .option('--datacenter <dc>', 'the datacenter to query (default: the agent’s)')
      .option('--stale [bool]', 'allow any server to answer, not only the leader'),
  ).action(async (handler: string[], flags: WatchFlags) => {
    try {
      await watch(handler, flags);
    } catch (error) {
      if (!(error instanceof LatticeError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    }
  });
}
