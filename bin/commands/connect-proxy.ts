// `lattice connect proxy`: the built-in L4 mTLS sidecar as its own process, as `consul connect proxy`. Three ways
// to say which proxy: `-sidecar-for <service-id>` (the one connect-proxy registered for that service on the local
// agent), `-proxy-id <id>` (a registered connect-proxy by ID), or dev mode: `-service <name>` with
// `-upstream name:port` (repeatable) for outbound listeners and, optionally, `-listen host:port` with
// `-service-addr host:port` for the public side; `-register` (needs `-listen`) registers it with the agent for the
// proxy's lifetime. Without `-listen` the proxy has upstream listeners only, as in Consul. CONNECT_PROXY_ID and
// CONNECT_SIDECAR_FOR stand in for the flags when none of the three is given. It talks to the agent over HTTP only
// (agent/connect/standalone-proxy.ts) and runs until SIGINT or SIGTERM. An agent that should not host a
// registered sidecar's listeners itself needs `connect { managed_proxies = false }`.

import { type Command, InvalidArgumentError } from 'commander';
import { selfRegistrationId } from '../../agent/connect/proxy-self-registration.js';
import { findSidecarProxyId, StandaloneProxy, type StandaloneProxyMode } from '../../agent/connect/standalone-proxy.js';
import { RealClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { createLogger, parseLogLevel } from '../../lib/log.js';
import { randomSeed, SeededRand } from '../../lib/rand.js';
import { type UpstreamInit, validateProxyRegistration } from '../../proxy/config.js';
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
  readonly pprofAddr?: string;
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

/** `host:port` (IPv6 in brackets); the host may be empty, as in Consul's `-listen ':8443'` (Go's SplitHostPort). */
export function parseHostPort(value: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected host:port, got "${value}"`);
  return { host: (match[1] ?? match[2]) as string, port: parsePort(match[3] as string) };
}

/**
 * Consul's `-upstream name:port` (bound on 127.0.0.1) or `name:host:port`, repeatable; a name may carry Consul's
 * type suffix `.service`. A later -upstream for the same name replaces the earlier one, as Consul's flag map does.
 */
export function parseUpstream(value: string, previous: UpstreamInit[] = []): UpstreamInit[] {
  const colon = value.indexOf(':');
  if (colon === -1) throw new InvalidArgumentError(`Upstream value should be name:addr in "${value}"`);
  let name = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  const dot = name.indexOf('.');
  if (dot !== -1) {
    const type = name.slice(dot + 1);
    name = name.slice(0, dot);
    if (type === 'query')
      throw new InvalidArgumentError(
        `prepared-query upstreams ("${value}") are not implemented: the built-in proxy dials services only`,
      );
    if (type !== '' && type !== 'service')
      throw new InvalidArgumentError(`Upstream type must be blank, 'service', or 'query'. Got: "${type}"`);
  }
  if (name === '' || rest === '') throw new InvalidArgumentError(`expected name:port, got "${value}"`);
  const bind = /^\d+$/.test(rest) ? { host: '', port: parsePort(rest) } : parseHostPort(rest);
  const upstream = { DestinationName: name, LocalBindAddress: bind.host || '127.0.0.1', LocalBindPort: bind.port };
  return [...previous.filter((entry) => entry.DestinationName !== name), upstream];
}

function parseBool(value: string): boolean {
  if (/^(true|t|1)$/i.test(value)) return true;
  if (/^(false|f|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}

/** CONNECT_PROXY_ID and CONNECT_SIDECAR_FOR, as Consul reads them, when no flag names the proxy. */
export function withProxyEnv(flags: ConnectProxyFlags, env: NodeJS.ProcessEnv): ConnectProxyFlags {
  if (flags.sidecarFor !== undefined || flags.proxyId !== undefined || flags.service !== undefined) return flags;
  const proxyId = env['CONNECT_PROXY_ID'] || undefined;
  const sidecarFor = env['CONNECT_SIDECAR_FOR'] || undefined;
  // Consul gives the proxy ID precedence over -sidecar-for.
  if (proxyId !== undefined) return { ...flags, proxyId };
  if (sidecarFor !== undefined) return { ...flags, sidecarFor };
  return flags;
}

/** Which proxy the flags ask for; every contradiction is a usage error, before anything is contacted. */
export function proxyModeOf(flags: ConnectProxyFlags): StandaloneProxyMode | { readonly sidecarFor: string } {
  const usage = (message: string) => new LatticeError('ERR_USAGE', message);
  if (flags.pprofAddr !== undefined)
    throw new LatticeError(
      'ERR_NOT_IMPLEMENTED',
      "-pprof-addr (Go's pprof endpoints) is not implemented; profile the proxy with node --cpu-prof instead",
    );
  const chosen = [flags.sidecarFor, flags.proxyId, flags.service].filter((value) => value !== undefined);
  if (chosen.length === 0)
    throw usage('-service or -proxy-id must be specified so that proxy can configure itself (or -sidecar-for)');
  if (chosen.length > 1) throw usage('Only one of -sidecar-for, -proxy-id and -service may be set');
  const devOnly =
    flags.listen || flags.serviceAddr || (flags.upstream?.length ?? 0) > 0 || flags.register || flags.registerId;
  if (flags.service === undefined && devOnly)
    throw usage('-listen, -service-addr, -upstream, -register and -register-id only apply with -service (dev mode)');
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
  // Consul's words for both.
  if (flags.listen && !flags.serviceAddr)
    throw usage('-service-addr must be specified with -listen so the proxy knows the backend service address.');
  if (flags.register && !flags.listen) throw usage('-register may only be specified with -service and -listen');
  if (flags.registerId !== undefined && !flags.register) throw usage('-register-id needs -register');
  if (!flags.listen && (flags.upstream?.length ?? 0) === 0)
    throw usage('a dev-mode proxy needs -upstream name:port, or -listen and -service-addr, or both');
  const mode = devModeOf(service, flags);
  try {
    // What the proxy would refuse later (two upstreams on one address) is refused now, not retried forever.
    validateProxyRegistration(mode.registration);
  } catch (error) {
    throw usage((error as Error).message);
  }
  return mode;
}

/** The registration (and self-registration) of a dev-mode proxy whose flags were checked by proxyModeOf. */
function devModeOf(service: string, flags: ConnectProxyFlags): Extract<StandaloneProxyMode, { kind: 'flags' }> {
  const upstreams = flags.upstream ?? [];
  const id = selfRegistrationId(service, flags.registerId);
  if (!flags.listen) {
    // Consul's "Public listener: Disabled": outbound listeners only.
    return {
      kind: 'flags',
      registration: {
        ID: id,
        PublicListener: false,
        Port: 0,
        Proxy: { DestinationServiceName: service, LocalServicePort: 0, Upstreams: upstreams },
      },
      register: null,
    };
  }
  const serviceAddr = flags.serviceAddr as HostPort;
  return {
    kind: 'flags',
    registration: {
      ID: id,
      // An empty -listen host binds every interface, as Go's listener on ":port" does.
      Address: flags.listen.host || '0.0.0.0',
      Port: flags.listen.port,
      Proxy: {
        DestinationServiceName: service,
        // Go dials ":port" on the local host.
        LocalServiceAddress: serviceAddr.host || '127.0.0.1',
        LocalServicePort: serviceAddr.port,
        Upstreams: upstreams,
      },
    },
    register: flags.register
      ? {
          service,
          ...(flags.registerId ? { idSuffix: flags.registerId } : {}),
          address: flags.listen.host,
          port: flags.listen.port,
        }
      : null,
  };
}

/** Consul's start-up summary of a proxy read from the agent (-proxy-id, -sidecar-for). */
export function agentModeSummary(proxyId: string, sidecarFor?: string): string {
  const lines = ['Configuration mode: Agent API'];
  if (sidecarFor !== undefined) lines.push(`    Sidecar for ID: ${sidecarFor}`);
  lines.push(`          Proxy ID: ${proxyId}`);
  return lines.map((line) => `    ${line}\n`).join('');
}

/** Consul's start-up summary of a dev-mode proxy (command/connect/proxy/proxy.go configWatcher). */
export function devModeSummary(mode: Extract<StandaloneProxyMode, { kind: 'flags' }>): string {
  const registration = mode.registration;
  const proxy = registration.Proxy;
  const lines = ['Configuration mode: Flags', `           Service: ${proxy.DestinationServiceName}`];
  const upstreams = [...(proxy.Upstreams ?? [])].sort((a, b) => a.DestinationName.localeCompare(b.DestinationName));
  for (const upstream of upstreams)
    lines.push(
      `          Upstream: ${upstream.DestinationName} => ${upstream.LocalBindAddress}:${upstream.LocalBindPort}`,
    );
  lines.push(
    registration.PublicListener === false
      ? '   Public listener: Disabled'
      : `   Public listener: ${registration.Address}:${registration.Port} => ${proxy.LocalServiceAddress}:${proxy.LocalServicePort}`,
  );
  return lines.map((line) => `    ${line}\n`).join('');
}

export function registerConnectProxy(connect: Command): void {
  addHttpOptions(
    connect
      .command('proxy')
      .description('Runs the built-in mTLS sidecar proxy for a service in its own process')
      .option('--sidecar-for <service-id>', 'run the sidecar registered for this service instance ID')
      .option('--proxy-id <id>', 'run the connect-proxy service registered with this ID')
      .option('--service <name>', 'dev mode: the service this proxy represents (its certificate identity)')
      .option(
        '--service-addr <host:port>',
        'dev mode: the local application behind the public listener (only with -listen)',
        parseHostPort,
      )
      .option('--listen <host:port>', 'dev mode: the public mTLS listener (needs -service-addr)', parseHostPort)
      .option(
        '--upstream <name:port>',
        'dev mode: an upstream on 127.0.0.1:port (or name:host:port); repeatable',
        parseUpstream,
      )
      .option('--register', 'dev mode: register the proxy with the agent while it runs (needs -listen)')
      .option('--register-id <suffix>', 'dev mode: appended to the registered ID (<service>-proxy-<suffix>)')
      .option('--pprof-addr <host:port>', "Consul's Go pprof endpoints: not implemented")
      .option(
        '--close-revoked-connections <bool>',
        'a new deny intention closes open connections (default true)',
        parseBool,
      )
      .option('--log-level <level>', 'TRACE, DEBUG, INFO, WARN or ERROR (default INFO)')
      .option('--log-json', 'log JSON lines'),
  ).action(async (given: ConnectProxyFlags) => {
    const flags = withProxyEnv(given, process.env);
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
    process.stdout.write('==> Lattice Connect proxy starting...\n');
    process.stdout.write(
      proxyMode.kind === 'flags'
        ? devModeSummary(proxyMode)
        : agentModeSummary(proxyMode.proxyId, 'sidecarFor' in mode ? mode.sidecarFor : undefined),
    );
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
