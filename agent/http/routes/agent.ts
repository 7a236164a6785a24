// /v1/agent/*: the local agent's own endpoints. Only /v1/agent/self exists so far; the rest answer 501 through
// the root not-found handler until their subsystems are built.

import type { FastifyPluginAsync } from 'fastify';
import type { BuildInfo, RuntimeInfo } from '../../build-info.js';
import type { AgentConfig } from '../../config/types.js';
import type { AclRequirement } from '../acl-hook.js';
import { debugConfig } from '../debug-config.js';

export interface AgentRouteDeps {
  readonly config: AgentConfig;
  readonly build: BuildInfo;
  readonly runtime: RuntimeInfo;
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
    tags['wan_join_port'] = String(config.ports.serfWan);
    if (config.bootstrap) tags['bootstrap'] = '1';
    if (config.bootstrapExpect > 0) tags['expect'] = String(config.bootstrapExpect);
  }
  if (config.ports.grpc > 0) tags['grpc_port'] = String(config.ports.grpc);
  if (config.ports.grpcTls > 0) tags['grpc_tls_port'] = String(config.ports.grpcTls);
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
    },
    DebugConfig: debugConfig(config),
    // No network coordinates until gossip runs; Consul also reports null when coordinates are off.
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
    const self = agentSelf(deps);
    scope.get('/self', { config: { acl: readAgent } }, async () => self);
  };
