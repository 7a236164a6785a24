// /v1/agent/*: the local agent's own endpoints: self, members, join/leave/force-leave, reload, maintenance and
// metrics here; services (agent-services.ts) and checks (agent-checks.ts) beside. Without a running agent (the
// factory alone, in tests) only /self is served.

import type { FastifyPluginAsync } from 'fastify';
import type { SerfMember } from '../../../gossip/serf/members.js';
import { LatticeError } from '../../../lib/errors.js';
import type { AgentSelfConfigReply } from '../../../server/rpc/reply-types.js';
import type { BuildInfo, RuntimeInfo } from '../../build-info.js';
import type { AgentConfig } from '../../config/types.js';
import type { AgentHandle } from '../../runtime/handle.js';
import type { AclRequirement } from '../acl-hook.js';
import { resolveToken } from '../acl-hook.js';
import { registerRoutes } from '../consul-route.js';
import { debugConfig } from '../debug-config.js';
import { refusePartition } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { requestParams } from '../query-options.js';
import { agentCheckRoutes } from './agent-checks.js';
import { agentHostRoute } from './agent-host.js';
import { agentMonitorRoute } from './agent-monitor.js';
import { parseEnableParam } from './agent-present.js';
import { agentServiceRoutes } from './agent-services.js';

export interface AgentRouteDeps {
  readonly config: AgentConfig;
  readonly build: BuildInfo;
  readonly runtime: RuntimeInfo;
  readonly agent?: AgentHandle;
}

/** memberlist protocol range and serf delegate range, as Consul reports them (reference §3 AgentMember). */
const memberProtocol = {
  ProtocolMin: 1,
  ProtocolMax: 5,
  ProtocolCur: 2,
  DelegateMin: 2,
  DelegateMax: 5,
  DelegateCur: 4,
};
/** Serf member status 1 = alive: the agent reporting on itself is alive by definition. */
const memberStatusAlive = 1;
/** serf MemberStatus numbers (reference §3 AgentMember). */
const memberStatusCode: Readonly<Record<SerfMember['status'], number>> = { alive: 1, leaving: 2, left: 3, failed: 4 };

/** A gossip member in Consul's AgentMember shape. */
export function presentMember(member: SerfMember): Record<string, unknown> {
  const colon = member.address.lastIndexOf(':');
  const host = member.address.slice(0, colon).replace(/^\[|\]$/g, '');
  return {
    Name: member.name,
    Addr: host,
    Port: Number(member.address.slice(colon + 1)),
    Tags: { ...member.tags },
    Status: memberStatusCode[member.status],
    ...memberProtocol,
  };
}

export function memberTags(config: AgentConfig, build: BuildInfo): Record<string, string> {
  const tags: Record<string, string> = {
    role: config.server ? 'consul' : 'node',
    dc: config.datacenter,
    segment: '',
    id: config.nodeId,
    vsn: '2',
    vsn_min: '2',
    vsn_max: '3',
    build: `${build.consulVersion}:${build.revision}`,
    acls: config.aclEnabled ? '1' : '0',
    ft_fs: '1',
    ft_si: '1',
  };
  if (config.server) {
    tags['port'] = String(config.ports.server);
    tags['raft_vsn'] = '3';
    // Where other servers flood-join this one into the WAN pool; none when WAN federation is off (serf_wan = -1).
    if (config.ports.serfWan > 0) tags['wan_join_port'] = String(config.ports.serfWan);
    if (config.bootstrap) tags['bootstrap'] = '1';
    if (config.bootstrapExpect > 0) tags['expect'] = String(config.bootstrapExpect);
  }
  // Consul adds grpc_port and grpc_tls_port for its external gRPC listeners (xDS, dataplane, peering); Lattice
  // serves no external gRPC, so it advertises neither: a peer would dial a port nothing listens on.
  return tags;
}

export function agentSelf(deps: AgentRouteDeps): Record<string, unknown> {
  const { config, build, runtime } = deps;
  const services = config.services.length + config.services.filter((service) => service.sidecarService).length;
  const checks = config.checks.length + config.services.reduce((total, service) => total + service.checks.length, 0);
  return {
    Config: {
      Datacenter: config.datacenter,
      PrimaryDatacenter: config.primaryDatacenter,
      NodeName: config.nodeName,
      NodeID: config.nodeId,
      Revision: build.revision,
      Server: config.server,
      Version: build.consulVersion,
      BuildDate: build.buildDate,
    } satisfies AgentSelfConfigReply,
    DebugConfig: debugConfig(config),
    // Filled from gossip by the route when the agent runs; Consul also reports null when coordinates are off.
    Coord: null,
    Member: {
      Name: config.nodeName,
      Addr: config.advertiseAddr,
      Port: config.ports.serfLan,
      Tags: memberTags(config, build),
      Status: memberStatusAlive,
      ...memberProtocol,
    },
    // Stats values are strings in Consul (Go's map[string]map[string]string).
    Stats: {
      agent: {
        check_monitors: '0',
        check_ttls: '0',
        checks: String(checks),
        services: String(services),
      },
      build: {
        prerelease: '',
        revision: build.revision,
        version: build.consulVersion,
        version_metadata: '',
        lattice_version: build.version,
      },
      runtime: {
        arch: runtime.arch,
        os: runtime.os,
        version: runtime.nodeVersion,
        cpu_count: String(runtime.cpuCount),
        max_procs: String(runtime.cpuCount),
      },
    },
    Meta: { ...config.nodeMeta, 'consul-network-segment': '', 'consul-version': build.consulVersion },
    // xDS is left out (Consul omits it when empty): Lattice proxies are built in and speak no xDS to Envoy.
  };
}

export const agentRoutes =
  (deps: AgentRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const readAgent: AclRequirement = { resource: 'agent', access: 'read', name: () => deps.config.nodeName };
    const writeAgent: AclRequirement = { resource: 'agent', access: 'write', name: () => deps.config.nodeName };
    const operatorWrite: AclRequirement = { resource: 'operator', access: 'write', name: () => '' };
    const self = agentSelf(deps);
    const agent = deps.agent;
    if (!agent) {
      scope.get('/self', { config: { acl: readAgent } }, async () => self);
      return;
    }
    const { config } = deps;
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/self',
        acl: readAgent,
        handler: async () => {
          const member = agent.members().find((each) => each.name === config.nodeName);
          const checks = agent.state.checks();
          const stats = self['Stats'] as Record<string, Record<string, string>>;
          return {
            ...self,
            Stats: {
              ...stats,
              agent: {
                check_monitors: String(checks.filter((check) => check.definition?.intervalMs).length),
                check_ttls: String(checks.filter((check) => check.definition?.kind === 'ttl').length),
                checks: String(checks.length),
                services: String(agent.state.services().length),
              },
              serf_lan: { members: String(agent.members().length) },
              ...(config.server ? { serf_wan: { members: String(agent.wanMembers().length) } } : {}),
              // consul (leader, known_servers, acl...) and a server's raft section, as Consul's delegate Stats().
              ...agent.controlPlaneStats?.(),
            },
            Coord: agent.coordinate(),
            ...(member ? { Member: presentMember(member) } : {}),
          };
        },
      },
      {
        method: 'GET',
        url: '/members',
        acl: readAgent,
        handler: async (request) => {
          const params = requestParams(request);
          const segment = params.get('segment');
          // `?wan` with any non-empty value asks for the WAN pool: servers of every datacenter ("<node>.<dc>"); a
          // client agent has none (empty list). A segment other than "" or _all does not apply to the WAN.
          const wan = (params.get('wan') ?? '') !== '';
          if (wan && segment !== null && segment !== '' && segment !== '_all')
            throw new BadRequestError('Cannot provide a segment with wan=true');
          // Consul's AgentMembers then reads the partition (not a namespace) for the LAN filter.
          refusePartition(request);
          if (wan) return agent.wanMembers().map(presentMember);
          if (segment !== null && segment !== '' && segment !== '_all')
            throw new BadRequestError(`Network segments are not supported (segment "${segment}")`);
          return agent.members().map(presentMember);
        },
      },
      {
        method: 'PUT',
        url: '/join/*',
        acl: writeAgent,
        handler: async (request, reply) => {
          // Consul's AgentJoin reads the partition (not a namespace) after its ACL check.
          refusePartition(request);
          const address = (request.params as Record<string, string>)['*'] ?? '';
          const wan = (requestParams(request).get('wan') ?? '') !== '';
          if (address === '') throw new BadRequestError('Missing address to join');
          try {
            await (wan ? agent.joinWan(address) : agent.join(address));
          } catch (error) {
            // A client agent asked to join the WAN gets Consul's "Must be a server to join WAN cluster" as it is.
            if (error instanceof LatticeError && error.code === 'ERR_WAN_UNAVAILABLE') throw error;
            throw new JoinFailedError(address, error);
          }
          return reply.code(200).send('');
        },
      },
      {
        method: 'PUT',
        url: '/leave',
        acl: writeAgent,
        handler: async (_request, reply) => {
          await agent.leave();
          return reply.code(200).send('');
        },
      },
      {
        method: 'PUT',
        url: '/force-leave/*',
        // Consul's AgentForceLeave asks for operator:write.
        acl: operatorWrite,
        handler: async (request, reply) => {
          // Consul's AgentForceLeave reads the partition (not a namespace) after its ACL check.
          refusePartition(request);
          const node = (request.params as Record<string, string>)['*'] ?? '';
          const params = requestParams(request);
          // Consul reads `wan` here by presence (bare ?wan counts), unlike /members and /join.
          if (params.has('wan')) {
            try {
              await agent.forceLeaveWan(node, { prune: params.has('prune') });
            } catch (error) {
              if (error instanceof LatticeError && error.code === 'ERR_GOSSIP_UNKNOWN_MEMBER')
                throw new ForceLeaveError(node);
              throw error;
            }
            return reply.code(200).send('');
          }
          // agent.go ForceLeave: the name must be a member (in any status) before the intent is sent.
          if (!agent.members().some((member) => member.name === node)) throw new ForceLeaveError(node);
          await agent.forceLeave(node, { prune: params.has('prune') });
          return reply.code(200).send('');
        },
      },
      {
        method: 'PUT',
        url: '/reload',
        acl: writeAgent,
        handler: async (_request, reply) => {
          await agent.reload();
          return reply.code(200).send('');
        },
      },
      {
        method: 'PUT',
        url: '/maintenance',
        acl: writeAgent,
        handler: async (request, reply) => {
          const params = requestParams(request);
          const enable = parseEnableParam(params);
          if (enable) agent.registrar.enableNodeMaintenance(params.get('reason') ?? '', resolveToken(request) ?? '');
          else agent.registrar.disableNodeMaintenance();
          return reply.code(200).send('');
        },
      },
      {
        method: 'GET',
        url: '/metrics',
        acl: readAgent,
        handler: async (request, reply) => {
          const format = requestParams(request).get('format');
          const accept = request.headers.accept ?? '';
          if (format === 'prometheus' || /openmetrics-text|text\/plain;\s*version=0\.0?\.?4/.test(accept)) {
            return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await agent.metrics.prometheusText());
          }
          return agent.metrics.consulJson(Date.now());
        },
      },
      agentMonitorRoute(agent, readAgent),
      agentHostRoute(),
      {
        // Consul's /v1/agent/version (no ACL): the build, as `consul version` reports it.
        method: 'GET',
        url: '/version',
        acl: null,
        handler: async () => ({
          SHA: deps.build.revision,
          BuildDate: deps.build.buildDate,
          HumanVersion: deps.build.consulVersion,
          FIPS: '',
        }),
      },
      ...agentServiceRoutes({
        agent,
        datacenter: config.datacenter,
        nodeName: config.nodeName,
        defaultQueryTimeMs: config.defaultQueryTimeMs,
        maxQueryTimeMs: config.maxQueryTimeMs,
      }),
      ...agentCheckRoutes({ agent, nodeName: config.nodeName }),
    ]);
  };

/** Consul answers force-leave of a name that is not a member with 500 and this text. */
class ForceLeaveError extends LatticeError {
  override readonly name = 'ForceLeaveError';
  constructor(node: string) {
    super('ERR_FORCE_LEAVE_NO_NODE', `agent: No node found with name '${node}'`);
  }
}

/** Consul answers a failed join with 500 and the gossip error. */
class JoinFailedError extends LatticeError {
  override readonly name = 'JoinFailedError';
  constructor(address: string, cause: unknown) {
    super('ERR_JOIN_FAILED', `Error joining ${address}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
