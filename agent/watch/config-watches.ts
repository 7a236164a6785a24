// The agent's `watches` config (Consul's agent/watch_handler.go and Agent.reloadWatches): each entry is a watch
// plan (types.ts) the agent runs against its own HTTP API, whose handler is a process: `args` run directly, or the
// deprecated `handler` string through the shell. Entries are checked when the config loads, with Consul's
// wording, so a bad watch stops the agent from starting instead of failing later. `handler_type = "http"` is not
// implemented in Lattice and says so. A handler that fails is logged; the watch goes on (Consul's agent does the
// same; only the CLI stops on a failed handler).

import { RealClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import type { Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import { runWatchHandler, spawnWatchHandler, type WatchHandlerCommand } from './handler.js';
import { WatchPlan } from './plan.js';
import { type WatchParams, watchSpec } from './types.js';

/** One checked `watches` entry. */
export interface ConfigWatch {
  readonly params: WatchParams;
  readonly datacenter?: string;
  readonly token?: string;
  readonly stale?: boolean;
  readonly handler: WatchHandlerCommand;
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
  const known = new Set([...stringParams, 'passingonly', 'stale', 'tag', 'handler', 'args', 'http_handler_config']);
  const unknown = Object.keys(entry).filter((name) => !known.has(name));
  if (unknown.length > 0) return `Invalid parameters: [${unknown.join(' ')}]`;

  const handlerType = (entry['handler_type'] as string | undefined) ?? 'script';
  if (handlerType === 'http' || entry['http_handler_config'] !== undefined)
    return 'handler_type "http" is not implemented in Lattice: use a script handler (args)';
  if (handlerType !== 'script') return `Unsupported handler type: ${handlerType}`;
  const handler = entry['handler'];
  const args = entry['args'];
  if (handler !== undefined && typeof handler !== 'string') return 'Watch handler must be a string';
  if (args !== undefined && !(Array.isArray(args) && args.every((arg) => typeof arg === 'string')))
    return 'Watch args must be a list of strings';
  if (handler !== undefined && args !== undefined) return 'Only one watch handler allowed';
  if (handler === undefined && (args === undefined || (args as string[]).length === 0))
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
    handler: typeof handler === 'string' ? { script: handler } : { argv: args as string[] },
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

/** Runs the configured watch plans while the agent runs. */
export class ConfigWatches implements Startable {
  private stopController = new AbortController();
  private running: Promise<void>[] = [];

  constructor(private readonly init: ConfigWatchesInit) {}

  async start(): Promise<void> {
    if (this.init.watches.length === 0) return;
    const address = this.init.httpAddresses()[0];
    if (address === undefined) throw new LatticeError('ERR_CONFIG', 'watch plans require an HTTP or HTTPS endpoint');
    const baseUrl = `http://${address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}`;
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    this.running = this.init.watches.map((watch) => this.run(watch, baseUrl, signal));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all(this.running);
    this.running = [];
  }

  private async run(watch: ConfigWatch, baseUrl: string, signal: AbortSignal): Promise<void> {
    const spec = watchSpec(watch.params);
    const log = this.init.log.child({ module: 'agent.watch', watch: spec.type });
    const plan = new WatchPlan({
      spec,
      target: { baseUrl, token: watch.token ?? null },
      clock: new RealClock(),
      ...(watch.datacenter ? { datacenter: watch.datacenter } : {}),
      ...(watch.stale ? { stale: true } : {}),
      onError: (error, retryMs) => log.error({ retryMs }, `Watch errored: ${error.message}`),
      handler: async (index, result) => {
        const child = spawnWatchHandler(watch.handler, index, 'pipe');
        const output: string[] = [];
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
        try {
          await runWatchHandler(child, result);
          log.debug({ index: index.toString(), output: output.join('') }, 'watch handler ran');
        } catch (error) {
          log.error({ index: index.toString(), output: output.join('') }, (error as Error).message);
        }
      },
    });
    await plan.run(signal);
  }
}
