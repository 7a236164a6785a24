// `lattice agent`: loads the configuration (files, directories, flags, -hcl fragments), refuses to start on any
// error, prints Consul's startup banner, runs the agent until SIGINT or SIGTERM, then stops it and exits 0.
// A second signal while stopping exits at once with status 1. SIGHUP reloads the configuration as `lattice reload`
// does (systemd's ExecReload=kill -HUP $MAINPID); a reload that fails is logged and the agent keeps its old config.

import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { Agent } from '../../agent/agent.js';
import type { BuildInfo } from '../../agent/build-info.js';
import { type AgentFlagValues, flagsToConfig } from '../../agent/config/flags.js';
import { loadConfig } from '../../agent/config/load.js';
import { ConfigError, ProblemList } from '../../agent/config/problems.js';
import type { AgentConfig } from '../../agent/config/types.js';
import { persistNodeId } from '../../agent/node-id.js';
import { LogFanOut } from '../../agent/runtime/log-fanout.js';
import { serverControlPlane } from '../../agent/runtime/server-control-plane.js';
import { ConfigWatches } from '../../agent/watch/config-watches.js';
import { createLogger } from '../../lib/log.js';
import { releaseYoungGeneration, releaseYoungGenerationWhenBusy } from '../../lib/young-generation.js';
import { printConfigProblems } from '../config-output.js';
import { consulCompatibleVersion, latticeVersion } from '../version.js';

interface AgentCommandFlags extends AgentFlagValues {
  readonly dev?: boolean;
  readonly configFormat?: string;
  readonly hcl?: string[];
}

/** Go's flag package accepts `-server`, `-server=true` and `-server=false`; so do we. */
function parseBool(value: string): boolean {
  if (/^(true|t|1)$/i.test(value)) return true;
  if (/^(false|f|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function buildInfo(): BuildInfo {
  // The compiled file's time stands in for a build date until releases stamp one.
  const builtAt = statSync(fileURLToPath(import.meta.url)).mtime;
  return {
    version: latticeVersion,
    consulVersion: consulCompatibleVersion,
    revision: '',
    buildDate: builtAt.toISOString(),
  };
}

function banner(config: AgentConfig): string {
  const { ports } = config;
  const lines: [string, string][] = [
    ['Version', `'${latticeVersion}' (Consul API ${consulCompatibleVersion})`],
    ['Node ID', `'${config.nodeId}'`],
    ['Node name', `'${config.nodeName}'`],
    ['Datacenter', `'${config.datacenter}' (Segment: '${config.server ? '<all>' : ''}')`],
    ['Server', `${config.server} (Bootstrap: ${config.bootstrap})`],
    [
      'Client Addr',
      // Listeners as Consul prints them; no external gRPC listener runs in Lattice, whatever ports.grpc says.
      `[${config.clientAddrs.join(' ')}] (HTTP: ${ports.http}, HTTPS: ${ports.https}, gRPC: -1, gRPC-TLS: -1, DNS: ${ports.dns})`,
    ],
    ['Cluster Addr', `${config.advertiseAddr} (LAN: ${ports.serfLan}, WAN: ${ports.serfWan})`],
    ['Gossip Encryption', String(config.encrypt !== null)],
    ['Data Dir', config.dataDir ?? '(in memory, -dev)'],
    [
      'Running',
      `HTTP API, DNS${ports.dns === -1 ? ' (off)' : ''}, LAN gossip${config.server ? `${ports.serfWan >= 0 ? ', WAN gossip' : ''}, RPC and Raft` : ', RPC client'}`,
    ],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  const body = lines.map(([label, value]) => `${label.padStart(width + 4)}: ${value}`).join('\n');
  return `==> Starting Lattice agent...\n${body}\n\n==> Log data will now stream in as it occurs:\n\n`;
}

export function registerAgent(program: Command): void {
  // -config-file and -config-dir share one list so files merge in command-line order, as in Consul.
  const configPaths: string[] = [];
  const addPath = (value: string): string[] => {
    configPaths.push(value);
    return configPaths;
  };
  program
    .command('agent')
    .description('Runs a Lattice agent (client or server); -dev runs a single in-memory server for development')
    .option('--dev [bool]', 'development mode: one self-elected server, in-memory data, UI and Connect on', parseBool)
    .option('--config-file <path>', 'a config file or directory to load (repeatable; merged in order)', addPath)
    .option('--config-dir <path>', 'a directory of config files, read in lexical order (repeatable)', addPath)
    .option('--config-format <format>', 'read every config file as json, hcl or yaml, whatever its extension')
    .option('--hcl <text>', 'an inline HCL config fragment, applied after all flags (repeatable)', collect)
    .option('--server [bool]', 'run in server mode (holds the catalog, takes part in Raft)', parseBool)
    .option('--bootstrap [bool]', 'a server that elects itself at once (single-server clusters)', parseBool)
    .option('--bootstrap-expect <count>', 'servers to wait for before the first election')
    .option('--datacenter <name>', 'datacenter of this agent (default dc1)')
    .option('--primary-datacenter <name>', 'the datacenter that owns the CA, ACLs and config entries')
    .option('--node <name>', 'node name (default: the host name)')
    .option('--node-id <uuid>', 'node ID (default: a random UUID)')
    .option('--node-meta <key:value>', 'node metadata pair (repeatable)', collect)
    .option('--bind <address>', 'address for cluster communication: gossip and RPC (default 0.0.0.0)')
    .option('--client <addresses>', 'space-separated addresses for the HTTP and DNS listeners (default 127.0.0.1)')
    .option('--advertise <address>', 'address advertised to the LAN (default: the bind address)')
    .option('--advertise-wan <address>', 'address advertised to the WAN (default: the LAN advertise address)')
    .option('--retry-join <address>', 'address to join at start, retried until it works (repeatable)', collect)
    .option('--retry-interval <duration>', 'time between join attempts (default 30s)')
    .option('--retry-max <count>', 'join attempts before giving up; 0 retries forever')
    .option('--retry-join-wan <address>', 'WAN address to join at start, retried (repeatable)', collect)
    .option('--retry-interval-wan <duration>', 'time between WAN join attempts (default 30s)')
    .option('--retry-max-wan <count>', 'WAN join attempts before giving up; 0 retries forever')
    .option('--join <address>', 'address to join once at start (deprecated in Consul; repeatable)', collect)
    .option('--join-wan <address>', 'WAN address to join once at start (repeatable)', collect)
    .option('--data-dir <path>', 'directory for state (required unless -dev)')
    .option('--pid-file <path>', 'write the process ID here at start and remove it at exit')
    .option('--ui [bool]', 'serve the web UI at /ui', parseBool)
    .option('--ui-dir <path>', 'serve the UI from this directory instead of the built-in one')
    .option('--ui-content-path <path>', 'URL path of the UI (default /ui/)')
    .option('--log-level <level>', 'TRACE, DEBUG, INFO, WARN or ERROR (default INFO; DEBUG with -dev)')
    .option('--log-json [bool]', 'log JSON lines instead of text', parseBool)
    .option('--log-file <path>', 'also write the log to this file (a directory when it ends in /: consul.log in it)')
    .option('--log-rotate-bytes <bytes>', 'rotate the log file at this size (default 0: no size limit)')
    .option('--log-rotate-duration <duration>', 'rotate the log file after this long (default 24h)')
    .option('--log-rotate-max-files <count>', 'rotated log files kept (default 0: all; -1: none)')
    .option('--encrypt <key>', 'gossip encryption key: base64 of 16, 24 or 32 bytes (lattice keygen)')
    .option('--dns-port <port>', 'DNS port (default 8600; -1 disables)')
    .option('--http-port <port>', 'HTTP API port (default 8500; -1 disables)')
    .option('--https-port <port>', 'HTTPS API port (default -1, off)')
    .option('--grpc-port <port>', 'gRPC port (default -1; 8502 with -dev)')
    .option('--serf-lan-port <port>', 'LAN gossip port (default 8301)')
    .option('--serf-wan-port <port>', 'WAN gossip port (default 8302; -1 disables)')
    .option('--serf-wan-bind <address>', 'address the WAN gossip pool binds to (servers; default: the bind address)')
    .option('--server-port <port>', 'server RPC and Raft port (default 8300)')
    .option('--domain <domain>', 'DNS domain (default consul.)')
    .option('--alt-domain <domain>', 'an alternate DNS domain also answered')
    .option('--recursor <address>', 'upstream DNS server for names outside the domain (repeatable)', collect)
    .option('--enable-script-checks [bool]', 'allow script checks from any source (security risk)', parseBool)
    .option('--enable-local-script-checks [bool]', 'allow script checks from config files only', parseBool)
    .option('--disable-host-node-id [bool]', 'do not derive the node ID from the host', parseBool)
    .addHelpText(
      'after',
      "\nFlags also take Consul's single-dash form (-dev, -config-dir=/etc/lattice.d).\n" +
        'Examples:\n  lattice agent -dev\n  lattice agent -dev -bind=127.0.0.2 -client=127.0.0.2\n' +
        '  lattice agent -config-dir=/etc/lattice.d\n',
    )
    .action(async (flags: AgentCommandFlags) => {
      await runAgent(flags, configPaths);
    });
}

async function runAgent(flags: AgentCommandFlags, configPaths: readonly string[]): Promise<void> {
  const problems = new ProblemList();
  const flagValues = flagsToConfig(flags, problems);
  const result = await loadConfig({
    configPaths,
    configFormat: flags.configFormat ?? null,
    devMode: flags.dev ?? false,
    flagValues,
    hclFragments: flags.hcl ?? [],
    problems,
  });
  printConfigProblems(result.errors, result.warnings);
  if (result.config === null) {
    process.exitCode = 1;
    return;
  }
  let config: AgentConfig;
  try {
    config = await persistNodeId(result.config);
  } catch (error) {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(banner(config));
  // Log lines go to stderr (and log_file) and to /v1/agent/monitor streams.
  let logTarget: NodeJS.WritableStream = process.stderr;
  if (config.logFile !== null) {
    const { LogFile, teeToLogFile } = await import('../../agent/runtime/log-file.js');
    try {
      logTarget = teeToLogFile(process.stderr, new LogFile(config.logFile));
    } catch (error) {
      // Consul does not start without the log file it was told to write ("Failed to setup logging").
      process.stderr.write(`Failed to setup logging: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
      return;
    }
  }
  const logs = new LogFanOut(logTarget);
  const log = createLogger({
    level: config.logLevel,
    json: config.logJson,
    colorize: process.stderr.isTTY,
    destination: logs,
  });
  // V8's young generation has been held small since start-up (bin/lattice.ts, lib/young-generation.ts): a server
  // gets V8's own sizing back now; a client agent once it has started and then allocates at a busy rate.
  if (config.server) releaseYoungGeneration();
  let requestShutdown: (reason: string, outcome: 'left' | 'failed') => void = () => undefined;
  const agent = new Agent(
    {
      log,
      build: buildInfo(),
      controlPlane: serverControlPlane(),
      logs,
      onShutdownRequested: (reason, outcome) => requestShutdown(reason, outcome),
      reloadConfig: async () => {
        const reloadProblems = new ProblemList();
        const reloaded = await loadConfig({
          configPaths,
          configFormat: flags.configFormat ?? null,
          devMode: flags.dev ?? false,
          flagValues: flagsToConfig(flags, reloadProblems),
          hclFragments: flags.hcl ?? [],
          problems: reloadProblems,
        });
        if (reloaded.config === null) throw new ConfigError(reloaded.errors, reloaded.warnings);
        return reloaded.config;
      },
      // Consul's reloadWatches: the plans of the old config stop and the new config's start.
      onConfigReloaded: (next) => watches.reload(next.watches),
    },
    config,
  );

  // A failed shutdown (retry_max exhausted) exits 1 after stopping, as Consul does.
  let exitCode = 0;
  const stopping = new Promise<NodeJS.Signals | 'requested'>((resolve) => {
    requestShutdown = (reason, outcome) => {
      if (outcome === 'failed') {
        exitCode = 1;
        log.error(`Shutting down: ${reason}`);
      } else log.info(`Shutdown requested: ${reason}`);
      resolve('requested');
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      // A second signal means "now": the operator gave up on a graceful stop.
      process.once('SIGINT', () => process.exit(1));
      process.once('SIGTERM', () => process.exit(1));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  // Node's default for SIGHUP is to exit, so the handler goes in before anything slow can happen.
  let started = false;
  let reloading: Promise<void> = Promise.resolve(); // hangups in a burst reload one after another
  const onHangup = (): void => {
    log.info('Caught signal: hangup');
    if (!started) {
      log.error('Reload config failed: cannot reload before agent started');
      return;
    }
    reloading = reloading.then(async () => {
      log.info('Reloading configuration...');
      try {
        await agent.reload();
      } catch (error) {
        // One log line per failure, as Consul's "Reload config failed" error=... is, even with several problems.
        const message = error instanceof Error ? error.message : String(error);
        log.error(`Reload config failed: ${message.replace(/:\n/, ': ').replaceAll('\n', '; ')}`);
      }
    });
  };
  process.on('SIGHUP', onHangup);

  // The `watches` config runs against the agent's own HTTP API, so it starts once the agent answers.
  const watches = new ConfigWatches({
    watches: config.watches,
    httpAddresses: () => agent.httpAddresses,
    log,
  });
  try {
    await agent.start();
    await watches.start();
    started = true;
    // Not earlier: starting (the HTTP server's set-up above all) allocates at a busy rate for a moment.
    if (!config.server)
      releaseYoungGenerationWhenBusy(() => log.debug('allocating fast: V8 may grow the young generation again'));
  } catch (error) {
    await watches.stop();
    // One clear line ("cannot listen on 127.0.0.1:8500: address already in use"); the stack only helps a developer.
    const message = `Error starting agent: ${error instanceof Error ? error.message : String(error)}`;
    // -dev's implied DEBUG level does not count: only a level the operator chose asks for the stack.
    const chosenLevel = flags.dev && flags.logLevel === undefined ? 'info' : config.logLevel;
    if (chosenLevel === 'debug' || chosenLevel === 'trace') log.error({ err: error }, message);
    else log.error(message);
    await agent.stop().catch((stopError: unknown) => log.error({ err: stopError }, 'Error stopping agent'));
    process.exit(1);
  }
  const signal = await stopping;
  if (signal !== 'requested') {
    log.info(`Caught signal: ${signal === 'SIGINT' ? 'interrupt' : 'terminated'}`);
    // Consul's policy: clients leave on both signals, servers stay members (leave_on_terminate,
    // skip_leave_on_interrupt).
    if (agent.leavesOn(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM')) await agent.gracefulLeave();
  }
  started = false; // a hangup while stopping must not reload a half-stopped agent
  log.info('Gracefully shutting down agent...');
  await watches.stop();
  try {
    await agent.stop();
  } catch (error) {
    log.error({ err: error }, 'Error stopping agent');
    process.exit(1);
  }
  process.exit(exitCode);
}
