// The agent's `watches` config (Consul's agent/watch_handler.go and Agent.reloadWatches): each entry is a watch
// plan (types.ts) the agent runs against its own HTTP API, whose handler is a process: `args` run directly, or the
// deprecated `handler` string through the shell, or with `handler_type = "http"` a request carrying the result
// (http-handler.ts). Entries are checked when the config loads, with Consul's wording, so a bad watch stops the
// agent from starting (or a reload from applying) instead of failing later. A reload stops every plan and starts
// the new list, as Consul's reloadWatches does (so each plan's handler runs again with the current data). A handler
// that fails is logged; the watch goes on (Consul's agent does the same; only the CLI stops on a failed handler).

import { RealClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import type { Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { runWatchHandler, spawnWatchHandler, type WatchHandlerCommand } from './handler.js';
import { type HttpHandlerConfig, invokeHttpHandler, parseHttpHandlerConfig } from './http-handler.js';
import { WatchPlan } from './plan.js';
import { type WatchParams, watchSpec } from './types.js';

/** One checked `watches` entry. */
export interface ConfigWatch {
  readonly params: WatchParams;
  readonly datacenter?: string;
  readonly token?: string;
  readonly stale?: boolean;
  readonly handler: WatchHandlerCommand | { readonly http: HttpHandlerConfig };
}

const stringParams = ['key', 'prefix', 'service', 'state', 'name', 'datacenter', 'token', 'type', 'handler_type'];

/** Checks one raw entry; returns it, or the reason it is refused (Consul's messages where Consul has one). */
export function parseConfigWatch(raw: unknown): ConfigWatch | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'each watch must be an object';
  const entry = raw as Record<string, unknown>;
  for (const name of stringParams)
    if (entry[name] !== undefined && typeof entry[name] !== 'string') return `Expecting ${name} to be a string`;
  for (const name of ['passingonly', 'stale'])
    if (entry[name] !== undefined && typeof entry[name] !== 'boolean') return `Expecting ${name} to be a boolean`;
  const tag = entry['tag'];
  if (tag !== undefined && typeof tag !== 'string' && !(Array.isArray(tag) && tag.every((t) => typeof t === 'string')))
    return 'Expecting tag to be a string or []string';
  const handlerType = (entry['handler_type'] as string | undefined) ?? 'script';
  if (handlerType !== 'http' && handlerType !== 'script') return `Handler type '${handlerType}' not recognized`;
  // Only the http type takes http_handler_config; for a script watch it is an unknown parameter, as in Consul.
  const known = new Set([...stringParams, 'passingonly', 'stale', 'tag', 'handler', 'args']);
  if (handlerType === 'http') known.add('http_handler_config');
  const unknown = Object.keys(entry).filter((name) => !known.has(name));
  if (unknown.length > 0) return `Invalid parameters: [${unknown.join(' ')}]`;

  let http: HttpHandlerConfig | undefined;
  if (handlerType === 'http') {
    if (entry['http_handler_config'] === undefined)
      return "Handler type 'http' requires 'http_handler_config' to be set";
    try {
      http = parseHttpHandlerConfig(entry['http_handler_config']);
    } catch (error) {
      return `Failed to parse 'http_handler_config': ${(error as Error).message}`;
    }
  }
  const handler = entry['handler'];
  const args = entry['args'];
  if (handler !== undefined && typeof handler !== 'string') return 'Watch handler must be a string';
  if (args !== undefined && !(Array.isArray(args) && args.every((arg) => typeof arg === 'string')))
    return 'Watch args must be a list of strings';
  if ((handler !== undefined ? 1 : 0) + (args !== undefined ? 1 : 0) + (http !== undefined ? 1 : 0) > 1)
    return 'Only one watch handler allowed';
  if (http === undefined && handler === undefined && (args === undefined || (args as string[]).length === 0))
    return 'Must define a watch handler';

  const params: WatchParams = {
    type: entry['type'] as string | undefined,
    key: entry['key'] as string | undefined,
    prefix: entry['prefix'] as string | undefined,
    service: entry['service'] as string | undefined,
    tag: tag as string | readonly string[] | undefined,
    passingonly: entry['passingonly'] as boolean | undefined,
    state: entry['state'] as string | undefined,
    name: entry['name'] as string | undefined,
  };
  try {
    watchSpec(params);
  } catch (error) {
    return (error as Error).message;
  }
  return {
    params,
    ...(typeof entry['datacenter'] === 'string' ? { datacenter: entry['datacenter'] } : {}),
    ...(typeof entry['token'] === 'string' ? { token: entry['token'] } : {}),
    ...(entry['stale'] === true ? { stale: true } : {}),
    handler:
      http !== undefined ? { http } : typeof handler === 'string' ? { script: handler } : { argv: args as string[] },
  };
}

/** Checks the merged `watches` list; each refused entry is reported with its position. */
export function parseConfigWatches(raw: unknown, report: (message: string) => void): readonly ConfigWatch[] {
  if (raw === undefined) return [];
  // HCL `watches { ... }` blocks and a JSON list both arrive as lists; a lone object is one watch.
  const entries = Array.isArray(raw) ? raw : [raw];
  const watches: ConfigWatch[] = [];
  entries.forEach((entry, position) => {
    const parsed = parseConfigWatch(entry);
    if (typeof parsed === 'string') report(`watch ${position + 1}: Failed to parse watch: ${parsed}`);
    else watches.push(parsed);
  });
  return Object.freeze(watches);
}

export interface ConfigWatchesInit {
  readonly watches: readonly ConfigWatch[];
  /** `host:port` of the agent's HTTP listeners once it has started; a wildcard host is reached on loopback. */
  readonly httpAddresses: () => readonly string[];
  readonly log: Logger;
}

/** Runs the configured watch plans while the agent runs; `reload` swaps them for a new list. */
export class ConfigWatches implements Startable {
  private stopController = new AbortController();
  private running: Promise<void>[] = [];
  private watches: readonly ConfigWatch[];

  constructor(private readonly init: ConfigWatchesInit) {
    this.watches = init.watches;
  }

  async start(): Promise<void> {
    if (this.watches.length === 0) return;
    const address = this.init.httpAddresses()[0];
    if (address === undefined) throw new LatticeError('ERR_CONFIG', 'watch plans require an HTTP or HTTPS endpoint');
    const baseUrl = `http://${address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}`;
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    this.running = this.watches.map((watch) => this.run(watch, baseUrl, signal));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all(this.running);
    this.running = [];
  }

  /** Consul's reloadWatches: every running plan stops, then the new list starts (empty: nothing runs). */
  async reload(watches: readonly ConfigWatch[]): Promise<void> {
    await this.stop();
    this.watches = watches;
    await this.start();
    this.init.log.info({ watches: watches.length }, 'Reloaded watches');
  }

  private async run(watch: ConfigWatch, baseUrl: string, signal: AbortSignal): Promise<void> {
    const spec = watchSpec(watch.params);
    const log = this.init.log.child({ module: 'agent.watch', watch: spec.type });
    const handler = watch.handler;
    const plan = new WatchPlan({
      spec,
      target: { baseUrl, token: watch.token ?? null },
      clock: new RealClock(),
      ...(watch.datacenter ? { datacenter: watch.datacenter } : {}),
      ...(watch.stale ? { stale: true } : {}),
      onError: (error, retryMs) => log.error({ retryMs }, `Watch errored: ${error.message}`),
      handler:
        'http' in handler
          ? (index, result) => runHttpHandler(handler.http, index, result, signal, log)
          : (index, result) => runProcessHandler(handler, index, result, log),
    });
    await plan.run(signal);
  }
}

async function runProcessHandler(
  command: WatchHandlerCommand,
  index: bigint,
  result: unknown,
  log: Logger,
): Promise<void> {
  const child = spawnWatchHandler(command, index, 'pipe');
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  try {
    await runWatchHandler(child, result);
    log.debug({ index: index.toString(), output: output.join('') }, 'watch handler ran');
  } catch (error) {
    log.error({ index: index.toString(), output: output.join('') }, (error as Error).message);
  }
}

/** Consul's makeHTTPWatchHandler: a failed request or a non-2xx answer is logged and the watch goes on. */
async function runHttpHandler(
  config: HttpHandlerConfig,
  index: bigint,
  result: unknown,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  try {
    const outcome = await invokeHttpHandler(config, index, result, signal);
    if (outcome.ok) log.trace({ watch: config.path, output: outcome.output }, 'http watch handler output');
    else
      log.error(
        { watch: config.path, status: outcome.status, output: outcome.output },
        'http watch handler failed with output',
      );
  } catch (error) {
    if (signal.aborted) return; // the watch is stopping: the request was cut on purpose
    log.error({ watch: config.path, error: (error as Error).message }, 'Failed to invoke http watch handler');
  }
}
