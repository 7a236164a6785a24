// Refuses, at config validation, every setting that would make Consul enforce security Lattice does not provide
// yet (ACLs, TLS on RPC/HTTPS/gRPC, auto-encrypt, auto-config): accepting them would start an open cluster for an
// operator who asked for a closed one. Each refusal names the key and the source that set it last, so that
// `lattice validate` and `lattice agent` fail before anything starts, listing every such key at once. The
// explicit "off" values (acl.enabled = false, verify_incoming = false, ports.https = -1, an empty file name) are
// accepted, as are settings that configure security without turning it on (a TLS version, ACL tokens).
// DESIGN §9 names the seams the real features will fill; this file then shrinks to what is still missing.

import type { MergedConfig } from './merge.js';
import type { ProblemList } from './problems.js';
import { isPlainObject } from './schema.js';

const aclsNotImplemented = 'ACLs are not implemented yet (next milestone)';
const tlsNotImplemented = 'TLS is not implemented yet (next milestone)';

/** What each kind of value needs to be to count as "off"; the message tells the operator that value. */
type OnTest = 'true' | 'non-empty' | 'port';

interface Refusal {
  readonly key: string;
  readonly on: OnTest;
  readonly reason: string;
}

const tlsStanzas = ['defaults', 'internal_rpc', 'https', 'grpc'] as const;
const tlsFileFields = ['ca_file', 'ca_path', 'cert_file', 'key_file'] as const;
const tlsSwitchFields = ['verify_incoming', 'verify_outgoing', 'verify_server_hostname', 'use_auto_cert'] as const;

/** Consul's TLS keys: the `tls` stanzas and the deprecated top-level spellings (agent/config/deprecated.go). */
const tlsRefusals: readonly Refusal[] = [
  ...tlsStanzas.flatMap((stanza) => [
    ...tlsFileFields.map((field) => ({
      key: `tls.${stanza}.${field}`,
      on: 'non-empty' as const,
      reason: tlsNotImplemented,
    })),
    ...tlsSwitchFields.map((field) => ({
      key: `tls.${stanza}.${field}`,
      on: 'true' as const,
      reason: tlsNotImplemented,
    })),
  ]),
  ...tlsFileFields.map((key) => ({ key, on: 'non-empty' as const, reason: tlsNotImplemented })),
  ...[
    'verify_incoming',
    'verify_incoming_rpc',
    'verify_incoming_https',
    'verify_outgoing',
    'verify_server_hostname',
  ].map((key) => ({ key, on: 'true' as const, reason: tlsNotImplemented })),
];

const refusals: readonly Refusal[] = [
  { key: 'acl.enabled', on: 'true', reason: aclsNotImplemented },
  // Consul: "when the acl_datacenter config is used it implicitly enables acls", whatever its value.
  {
    key: 'acl_datacenter',
    on: 'non-empty',
    reason: `${aclsNotImplemented}, and acl_datacenter turns them on (primary_datacenter names the primary datacenter)`,
  },
  ...tlsRefusals,
  { key: 'auto_encrypt.tls', on: 'true', reason: 'auto-encrypt (agent TLS certificates) is not implemented yet' },
  { key: 'auto_encrypt.allow_tls', on: 'true', reason: 'auto-encrypt (agent TLS certificates) is not implemented yet' },
  { key: 'auto_config.enabled', on: 'true', reason: 'auto-config is not implemented yet' },
  { key: 'auto_config.authorization.enabled', on: 'true', reason: 'auto-config is not implemented yet' },
  { key: 'ports.https', on: 'port', reason: 'the HTTPS listener is not implemented yet (next milestone)' },
  { key: 'ports.grpc_tls', on: 'port', reason: 'the gRPC TLS listener is not implemented yet (next milestone)' },
];

const howToTurnOff: Readonly<Record<OnTest, string>> = {
  true: 'remove it or set it to false',
  'non-empty': 'remove it',
  port: 'remove it or set it to -1',
};

function isOn(on: OnTest, value: unknown): boolean {
  switch (on) {
    case 'true':
      return value === true;
    case 'non-empty':
      return typeof value === 'string' && value.trim() !== '';
    case 'port':
      return typeof value === 'number' && value > 0;
  }
}

/** The merged value at a dotted key path, or undefined. */
function valueAt(values: Readonly<Record<string, unknown>>, key: string): unknown {
  let current: unknown = values;
  for (const part of key.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

export function refuseUnimplementedSecurity(merged: MergedConfig, problems: ProblemList): void {
  const setBy = (key: string): string => merged.setBy.get(key) ?? 'configuration';
  for (const refusal of refusals) {
    if (isOn(refusal.on, valueAt(merged.values, refusal.key)))
      problems.error(setBy(refusal.key), refusal.key, `${refusal.reason}; ${howToTurnOff[refusal.on]}`);
  }
  // A deny default with ACLs off is inert in Consul too; said out loud because the operator plainly wants ACLs.
  if (valueAt(merged.values, 'acl.enabled') === true) return;
  for (const key of ['acl.default_policy', 'acl_default_policy']) {
    const policy = valueAt(merged.values, key);
    if (typeof policy === 'string' && policy.toLowerCase() === 'deny')
      problems.warning(
        setBy(key),
        key,
        `"deny" has no effect: ACLs are off (as in Consul without acl.enabled = true), and ${aclsNotImplemented}`,
      );
  }
}
