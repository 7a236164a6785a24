// Consul's warnings for names that DNS cannot serve (agent/config/builder.go for the node name, agent.go
// validateService for services): the agent still starts, but `NAME.node.consul` / `NAME.service.consul` will not
// resolve. Same rule as Consul's dns.InvalidNameRe (letters, digits and dashes) and its 63-byte label limit.

import type { MergedConfig } from './merge.js';
import type { ProblemList } from './problems.js';
import { isPlainObject, type Located, locationKey } from './schema.js';
import type { AgentConfig } from './types.js';

const invalidDnsCharacters = /[^A-Za-z0-9-]/;
/** RFC 1035 label limit, Consul's dns.MaxLabelLength. */
export const dnsLabelBytesMax = 63;

/** Why `name` cannot be one DNS label, in Consul's words after "will not be discoverable via DNS", or null. */
export function dnsLabelProblem(name: string): string | null {
  if (invalidDnsCharacters.test(name))
    return 'due to invalid characters. Valid characters include all alpha-numerics and dashes.';
  if (Buffer.byteLength(name) > dnsLabelBytesMax)
    return `due to it being too long. Valid lengths are between 1 and ${dnsLabelBytesMax} bytes.`;
  return null;
}

export function warnDnsNames(config: AgentConfig, merged: MergedConfig, problems: ProblemList): void {
  const nodeProblem = dnsLabelProblem(config.nodeName);
  if (nodeProblem !== null) {
    const source = merged.setBy.get('node_name');
    problems.warning(
      source ?? 'host name',
      'node_name',
      `Node name ${JSON.stringify(config.nodeName)} will not be discoverable via DNS ${nodeProblem}` +
        (source === undefined ? ' (node_name is not set: it is the host name)' : ''),
    );
  }
  const services = merged.values['services'];
  if (!Array.isArray(services)) return;
  for (const service of services as unknown[]) {
    if (!isPlainObject(service)) continue;
    const name = service['name'];
    if (typeof name !== 'string' || name === '') continue;
    const serviceProblem = dnsLabelProblem(name);
    if (serviceProblem === null) continue;
    const location = (service as Located)[locationKey];
    problems.warning(
      location?.sourceName ?? 'configuration',
      location === undefined || location.key === '' ? 'name' : `${location.key}.name`,
      `Service name ${JSON.stringify(name)} will not be discoverable via DNS ${serviceProblem}`,
    );
  }
}
