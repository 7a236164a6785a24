// The precompiled intention decision table for the proxy hot path (DESIGN §7): every intention is indexed by its
// exact (source ns, source name, destination ns, destination name) key, so a decision is at most nine map lookups
// in precedence order, the first hit wins, and L7 permissions are compiled to predicates once. The caller builds a
// new table when intentions change and swaps its reference; a table never changes after construction.

import { type CompiledPermission, compilePermissions, evaluatePermissions, type HttpRequestAttributes } from './l7.js';
import { INTENTION_DEFAULT_NAMESPACE, INTENTION_WILDCARD, type Intention, intentionSummary } from './model.js';

export interface ServiceRef {
  readonly name: string;
  readonly namespace?: string;
}

/** Where the default decision came from; it picks the reason text authorize reports (reference §6). */
export type DefaultSource = 'acl' | 'intention-policy';

export interface IntentionTableOptions {
  readonly defaultAllow: boolean;
  readonly defaultSource?: DefaultSource;
}

export type DecisionKind = 'allow' | 'deny' | 'l7' | 'default';

export interface IntentionDecision {
  /** `l7`: the connection may proceed and each request is decided by the intention's permissions. */
  readonly kind: DecisionKind;
  /** The L4 answer (authorize, check): an L7 intention counts as deny, no match gives the default. */
  readonly allowed: boolean;
  readonly intention: Intention | null;
  readonly reason: string;
}

export interface RequestDecision {
  readonly allowed: boolean;
  readonly intention: Intention | null;
  /** The matching permission's position in the intention, or null (L4 intention, default, no permission matched). */
  readonly permissionPosition: number | null;
  readonly reason: string;
}

interface CompiledIntention {
  readonly intention: Intention;
  readonly kind: 'allow' | 'deny' | 'l7';
  readonly permissions: readonly CompiledPermission[];
  readonly decision: IntentionDecision;
}

export interface IntentionTable {
  readonly defaultAllow: boolean;
  readonly size: number;
  decide(source: ServiceRef | string, destination: ServiceRef | string): IntentionDecision;
  decideRequest(
    source: ServiceRef | string,
    destination: ServiceRef | string,
    request: HttpRequestAttributes,
  ): RequestDecision;
}

/** Ties on one key (only possible with imported duplicates) resolve deny-first, then L7, then allow. */
const kindRank: Readonly<Record<CompiledIntention['kind'], number>> = { deny: 3, l7: 2, allow: 1 };
const separator = '\u0000';

/** `options` may be just the default decision (`true` = allow), as the ACL default policy gives it. */
export function compileIntentionTable(
  intentions: readonly Intention[],
  optionsOrDefaultAllow: IntentionTableOptions | boolean,
): IntentionTable {
  const options =
    typeof optionsOrDefaultAllow === 'boolean' ? { defaultAllow: optionsOrDefaultAllow } : optionsOrDefaultAllow;
  const byKey = new Map<string, CompiledIntention>();
  for (const intention of intentions) {
    // Peered sources name services of another cluster; local SPIFFE IDs never match them.
    if (intention.SourcePeer) continue;
    const compiled = compileIntention(intention);
    const key = tableKey(intention.SourceNS, intention.SourceName, intention.DestinationNS, intention.DestinationName);
    const held = byKey.get(key);
    if (!held || kindRank[compiled.kind] > kindRank[held.kind]) byKey.set(key, compiled);
  }
  const defaultDecision: IntentionDecision = {
    kind: 'default',
    allowed: options.defaultAllow,
    intention: null,
    reason:
      options.defaultSource === 'intention-policy' ? 'Default intention policy' : 'Default behavior configured by ACLs',
  };

  const lookup = (source: ServiceRef | string, destination: ServiceRef | string): CompiledIntention | null => {
    const [sourceNs, sourceName] = refParts(source);
    const [destinationNs, destinationName] = refParts(destination);
    // Destination outer, source inner: the visiting order is precedence 9, 8, 7, 6, … 1.
    for (const [dns, dname] of candidates(destinationNs, destinationName)) {
      for (const [sns, sname] of candidates(sourceNs, sourceName)) {
        const hit = byKey.get(tableKey(sns, sname, dns, dname));
        if (hit) return hit;
      }
    }
    return null;
  };

  return {
    defaultAllow: options.defaultAllow,
    size: byKey.size,
    decide(source, destination) {
      return lookup(source, destination)?.decision ?? defaultDecision;
    },
    decideRequest(source, destination, request) {
      const hit = lookup(source, destination);
      if (!hit)
        return {
          allowed: options.defaultAllow,
          intention: null,
          permissionPosition: null,
          reason: defaultDecision.reason,
        };
      if (hit.kind !== 'l7') {
        return {
          allowed: hit.kind === 'allow',
          intention: hit.intention,
          permissionPosition: null,
          reason: hit.decision.reason,
        };
      }
      const match = evaluatePermissions(hit.permissions, request);
      if (!match) {
        // Reference §5.3: a request matching no permission falls through to the default decision.
        return {
          allowed: options.defaultAllow,
          intention: hit.intention,
          permissionPosition: null,
          reason: `No L7 permission matched in intention ${intentionSummary(hit.intention)}; ${defaultDecision.reason}`,
        };
      }
      return {
        allowed: match.action === 'allow',
        intention: hit.intention,
        permissionPosition: match.position,
        reason: `Matched L7 permission ${match.position} of intention ${intentionSummary(hit.intention)}`,
      };
    },
  };
}

function compileIntention(intention: Intention): CompiledIntention {
  const permissions = intention.Permissions ?? [];
  const kind = permissions.length > 0 ? 'l7' : intention.Action === 'allow' ? 'allow' : 'deny';
  const decision: IntentionDecision =
    kind === 'l7'
      ? { kind, allowed: false, intention, reason: `Matched L7 intention: ${intentionSummary(intention)}` }
      : { kind, allowed: kind === 'allow', intention, reason: `Matched L4 intention: ${intentionSummary(intention)}` };
  return { intention, kind, permissions: compilePermissions(permissions), decision };
}

function refParts(ref: ServiceRef | string): [string, string] {
  if (typeof ref === 'string') return [INTENTION_DEFAULT_NAMESPACE, ref];
  return [ref.namespace || INTENTION_DEFAULT_NAMESPACE, ref.name];
}

/** The (namespace, name) values an intention side may hold to match this service, most specific first. */
function candidates(namespace: string, name: string): [string, string][] {
  return [
    [namespace, name],
    [namespace, INTENTION_WILDCARD],
    [INTENTION_WILDCARD, INTENTION_WILDCARD],
  ];
}

function tableKey(sourceNs: string, sourceName: string, destinationNs: string, destinationName: string): string {
  return sourceNs + separator + sourceName + separator + destinationNs + separator + destinationName;
}
