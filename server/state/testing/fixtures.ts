// Small builders for state-store tests: registration bodies in Consul's shape with sensible defaults.

import type { CheckInput, RegisterRequest, ServiceInput } from '../types.js';

export function nodeRegistration(node: string, extra: Partial<RegisterRequest> = {}): RegisterRequest {
  return { Node: node, Address: `10.0.0.${node.length}`, Datacenter: 'dc1', ...extra };
}

export function serviceRegistration(
  node: string,
  service: ServiceInput,
  checks: readonly CheckInput[] = [],
  extra: Partial<RegisterRequest> = {},
): RegisterRequest {
  return { ...nodeRegistration(node), Service: service, Checks: checks, ...extra };
}
