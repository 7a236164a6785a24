// `lattice connect proxy`: the built-in L4 mTLS sidecar as its own process, as `consul connect proxy`. Three ways
// to say which proxy: `-sidecar-for <service-id>` (the one connect-proxy registered for that service on the local
// agent), `-proxy-id <id>` (a registered connect-proxy by ID), or dev mode: `-service <name>` with `-listen
// host:port` and `-service-addr host:port` for the public side and `-upstream name:port` (repeatable) for
// outbound, `-register` to register it with the agent for the proxy's lifetime. It talks to the agent over HTTP
// only (agent/connect/standalone-proxy.ts) and runs until SIGINT or SIGTERM. An agent that should not host the
// same listeners itself needs `connect { managed_proxies = false }`.

import { type Command, InvalidArgumentError } from 'commander';
import { findSidecarProxyId, StandaloneProxy, type StandaloneProxyMode } from '../../agent/connect/standalone-proxy.js';
import { RealClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { createLogger, parseLogLevel } from '../../lib/log.js';
import { randomSeed, SeededRand } from '../../lib/rand.js';
import type { ProxyRegistration, UpstreamInit } from '../../proxy/config.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';

interface ConnectProxyFlags extends HttpOptionValues {
  readonly sidecarFor?: string;
  readonly proxyId?: string;
  readonly service?: string;
  readonly serviceAddr?: HostPort;
  readonly listen?: HostPort;
  readonly upstream?: UpstreamInit[];
  readonly register?: boolean;
  readonly registerId?: string;
  readonly logLevel?: string;
  readonly logJson?: boolean;
  readonly closeRevokedConnections?: boolean;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535) throw new InvalidArgumentError(`"${text}" is not a port`);
  return port;
}

/** `host:port` (IPv6 in brackets). */
export function parseHostPort(value: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected host:port, got "${value}"`);
  return { host: (match[1] ?? match[2]) as string, port: parsePort(match[3] as string) };
}

/** Consul's `-upstream name:port` (bound on 127.0.0.1), or `name:host:port`; repeatable. */
export function parseUpstream(value: string, previous: UpstreamInit[] = []): UpstreamInit[] {
  const colon = value.indexOf(':');
  const name = colon > 0 ? value.slice(0, colon) : '';
  const rest = colon > 0 ? value.slice(colon + 1) : '';
  if (name === '' || rest === '') throw new InvalidArgumentError(`expected name:port, got "${value}"`);
  const bind = /^\d+$/.test(rest) ? { host: '127.0.0.1', port: parsePort(rest) } : parseHostPort(rest);
  return [...previous, { DestinationName: name, LocalBindAddress: bind.host, LocalBindPort: bind.port }];
}

function parseBool(value: string): boolean {
  if (/^(true|t|1)$/i.test(value)) return true;
  if (/^(false|f|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}

/** Which proxy the flags ask for; every contradiction is a usage error, before anything is contacted. */
export function proxyModeOf(flags: ConnectProxyFlags): StandaloneProxyMode | { readonly sidecarFor: string } {
  const usage = (message: string) => new LatticeError('ERR_USAGE', message);
  const chosen = [flags.sidecarFor, flags.proxyId, flags.service].filter((value) => value !== undefined);
  if (chosen.length === 0) throw usage('One of -sidecar-for, -proxy-id or -service must be set');
  if (chosen.length > 1) throw usage('Only one of -sidecar-for, -proxy-id and -service may be set');
  const devOnly = flags.listen || flags.serviceAddr || (flags.upstream?.length ?? 0) > 0 || flags.register;
  if (flags.service === undefined && devOnly)
    throw usage('-listen, -service-addr, -upstream and -register only apply with -service (dev mode)');
  if (flags.sidecarFor !== undefined) {
    if (flags.sidecarFor === '') throw usage('-sidecar-for must not be empty');
    return { sidecarFor: flags.sidecarFor };
  }
  if (flags.proxyId !== undefined) {
    if (flags.proxyId === '') throw usage('-proxy-id must not be empty');
    return { kind: 'registered', proxyId: flags.proxyId };
  }
  const service = flags.service as string;
  if (service === '') throw usage('-service must not be empty');
  if (!flags.listen || !flags.serviceAddr)
    throw new LatticeError(
      'ERR_NOT_IMPLEMENTED',
      'a dev-mode proxy without -listen and -service-addr (upstreams only) is not implemented: the built-in proxy always runs a public listener; give both',
    );
  if (flags.registerId !== undefined && !flags.register) throw usage('-register-id needs -register');
  const registration: ProxyRegistration = {
    ID: flags.registerId || `${service}-proxy`,
    Address: flags.listen.host,
    Port: flags.listen.port,
    Proxy: {
      DestinationServiceName: service,
      LocalServiceAddress: flags.serviceAddr.host,
      LocalServicePort: flags.serviceAddr.port,
      Upstreams: flags.upstream ?? [],
    },
  };
  return { kind: 'flags', registration, register: flags.register ?? false };
}

export function registerConnectProxy(connect: Command): void {
  addHttpOptions(
    connect
      .command('proxy')
      .description('Runs the built-in mTLS sidecar proxy for a service in its own process')
      .option('--sidecar-for <service-id>', 'run the sidecar registered for this service instance ID')
      .option('--proxy-id <id>', 'run the connect-proxy service registered with this ID')
      .option('--service <name>', 'dev mode: the service this proxy represents (its certificate identity)')
      .option('--service-addr <host:port>', 'dev mode: the local application behind the public listener', parseHostPort)
      .option('--listen <host:port>', 'dev mode: the public mTLS listener', parseHostPort)
      .option(
        '--upstream <name:port>',
        'dev mode: an upstream on 127.0.0.1:port (or name:host:port); repeatable',
        parseUpstream,
      )
      .option('--register', 'dev mode: register the proxy with the agent while it runs')
      .option('--register-id <id>', 'dev mode: the ID to register under (default <service>-proxy)')
      .option(
        '--close-revoked-connections <bool>',
        'a new deny intention closes open connections (default true)',
        parseBool,
      )
      .option('--log-level <level>', 'TRACE, DEBUG, INFO, WARN or ERROR (default INFO)')
      .option('--log-json', 'log JSON lines'),
  ).action(async (flags: ConnectProxyFlags) => {
    const mode = proxyModeOf(flags);
    const target = resolveHttpOptions(flags, process.env);
    const log = createLogger({
      level: parseLogLevel(flags.logLevel ?? 'INFO'),
      json: flags.logJson ?? false,
    }).child({ module: 'proxy' });
    const proxyMode: StandaloneProxyMode =
      'sidecarFor' in mode
        ? {
            kind: 'registered',
            proxyId: await findSidecarProxyId(target, mode.sidecarFor),
          }
        : mode;
    const proxy = new StandaloneProxy(
      { target, clock: new RealClock(), rand: new SeededRand(randomSeed()), log },
      {
        mode: proxyMode,
        ...(flags.closeRevokedConnections === undefined
          ? {}
          : { closeRevokedConnections: flags.closeRevokedConnections }),
      },
    );
    const stopping = new Promise<NodeJS.Signals>((resolve) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        // A second signal means "now".
        process.once('SIGINT', () => process.exit(1));
        process.once('SIGTERM', () => process.exit(1));
        resolve(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    const proxyId = proxyMode.kind === 'registered' ? proxyMode.proxyId : proxyMode.registration.ID;
    await proxy.start();
    log.info({ proxy: proxyId, agent: target.baseUrl }, 'Proxy running; waiting for its certificate and listeners');
    const signal = await stopping;
    log.info(`Caught signal: ${signal === 'SIGINT' ? 'interrupt' : 'terminated'}; stopping the proxy`);
    try {
      await proxy.stop();
    } catch (error) {
      log.error({ err: error }, 'Error stopping the proxy');
      process.exit(1);
    }
    log.info('Proxy stopped');
    // Idle keep-alive sockets to the agent would hold the process for a few more seconds.
    process.exit(0);
  });
}
