// The intention model in Consul's JSON shape (legacy intention objects of /v1/connect/intentions): a source and a
// destination (name and namespace, each may be the whole-value wildcard `*`), and either an L4 Action or an ordered
// list of L7 Permissions. normalizeIntention fills defaults and the read-only Precedence; validation follows
// Consul's Intention.Validate and service-intentions rules and reports every problem at once.

import { IntentionValidationError } from '../errors.js';
import { intentionPrecedence } from './precedence.js';

export const INTENTION_WILDCARD = '*';
export const INTENTION_DEFAULT_NAMESPACE = 'default';
export const INTENTION_SOURCE_TYPE = 'consul';
/** Consul's limits on opaque values (structs.metaKeyMaxLength and friends). */
export const INTENTION_META_PAIRS_MAX = 64;
export const INTENTION_META_KEY_LENGTH_MAX = 128;
export const INTENTION_META_VALUE_LENGTH_MAX = 512;
export const INTENTION_DESCRIPTION_LENGTH_MAX = 512;
/** A bound for one destination's permission list, so one entry cannot make every request walk thousands. */
export const INTENTION_PERMISSIONS_MAX = 256;
/** The methods Consul accepts in an L7 permission (isValidHTTPMethod). */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
]);

export type IntentionAction = 'allow' | 'deny';

export interface IntentionHttpHeaderPermission {
  readonly Name: string;
  readonly Present?: boolean;
  readonly Exact?: string;
  readonly Prefix?: string;
  readonly Suffix?: string;
  readonly Regex?: string;
  readonly Invert?: boolean;
}

export interface IntentionHttpPermission {
  readonly PathExact?: string;
  readonly PathPrefix?: string;
  readonly PathRegex?: string;
  readonly Header?: readonly IntentionHttpHeaderPermission[];
  readonly Methods?: readonly string[];
}

export interface IntentionPermission {
  readonly Action: IntentionAction;
  readonly HTTP?: IntentionHttpPermission;
}

export interface Intention {
  readonly ID: string;
  readonly Description: string;
  readonly SourcePeer?: string;
  readonly SourcePartition?: string;
  readonly SourceNS: string;
  readonly SourceName: string;
  readonly DestinationPartition?: string;
  readonly DestinationNS: string;
  readonly DestinationName: string;
  readonly SourceType: string;
  /** `allow` or `deny` for an L4 intention; empty when Permissions are given. */
  readonly Action: IntentionAction | '';
  readonly Permissions?: readonly IntentionPermission[];
  readonly Meta: Readonly<Record<string, string>>;
  /** Read-only, recomputed by normalizeIntention. */
  readonly Precedence: number;
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
  readonly LegacyID?: string;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

/** What a caller writes: names required, everything else defaulted. */
export type IntentionInit = Partial<Intention> & { readonly SourceName: string; readonly DestinationName: string };

/** Fills Consul's defaults (namespaces, SourceType, Meta), upper-cases methods and computes Precedence. */
export function normalizeIntention(init: IntentionInit): Intention {
  // An empty Permissions list is dropped, as Consul's omitempty does, so "has permissions" has one meaning.
  const { Permissions: given, ...rest } = init;
  const permissions = given && given.length > 0 ? given.map(normalizePermission) : undefined;
  const base = {
    ...rest,
    ID: init.ID ?? '',
    Description: init.Description ?? '',
    SourceNS: init.SourceNS || INTENTION_DEFAULT_NAMESPACE,
    DestinationNS: init.DestinationNS || INTENTION_DEFAULT_NAMESPACE,
    SourceType: init.SourceType || INTENTION_SOURCE_TYPE,
    Action: init.Action ?? '',
    Meta: init.Meta ?? {},
    ...(permissions ? { Permissions: permissions } : {}),
  };
  return { ...base, Precedence: intentionPrecedence(base) };
}

function normalizePermission(permission: IntentionPermission): IntentionPermission {
  if (!permission.HTTP?.Methods) return permission;
  return { ...permission, HTTP: { ...permission.HTTP, Methods: permission.HTTP.Methods.map((m) => m.toUpperCase()) } };
}

/** Throws IntentionValidationError listing every problem of a normalized intention. */
export function validateIntention(intention: Intention): void {
  const problems = intentionProblems(intention);
  if (problems.length > 0) throw new IntentionValidationError(problems);
}

export function intentionProblems(intention: Intention): string[] {
  const problems: string[] = [];
  problems.push(...nameProblems('Source', intention.SourceNS, intention.SourceName));
  problems.push(...nameProblems('Destination', intention.DestinationNS, intention.DestinationName));
  if (intention.Description.length > INTENTION_DESCRIPTION_LENGTH_MAX) {
    problems.push(`Description exceeds maximum length ${INTENTION_DESCRIPTION_LENGTH_MAX}`);
  }
  problems.push(...metaProblems(intention.Meta));
  if (intention.SourceType !== INTENTION_SOURCE_TYPE) problems.push("SourceType must be set to 'consul'");
  const permissions = intention.Permissions ?? [];
  if (permissions.length === 0) {
    if (intention.Action !== 'allow' && intention.Action !== 'deny') {
      problems.push("Action must be set to 'allow' or 'deny'");
    }
  } else {
    if (intention.Action !== '') problems.push('Action must be omitted if Permissions are specified');
    if (intention.DestinationName === INTENTION_WILDCARD || intention.DestinationNS === INTENTION_WILDCARD) {
      problems.push('Permissions cannot be specified on intentions with wildcarded destinations');
    }
    if (permissions.length > INTENTION_PERMISSIONS_MAX) {
      problems.push(`Permissions exceeds maximum count ${INTENTION_PERMISSIONS_MAX}`);
    }
    permissions.forEach((permission, position) => {
      problems.push(...permissionProblems(permission, `Permissions[${position}]`));
    });
  }
  return problems;
}

function nameProblems(side: 'Source' | 'Destination', namespace: string, name: string): string[] {
  const problems: string[] = [];
  if (!name) problems.push(`${side}Name must be set`);
  if (!namespace) problems.push(`${side}NS must be set`);
  if (namespace !== INTENTION_WILDCARD && namespace.includes(INTENTION_WILDCARD)) {
    problems.push(`${side}NS: wildcard character '*' cannot be used with partial values`);
  }
  if (name !== INTENTION_WILDCARD) {
    if (name.includes(INTENTION_WILDCARD)) {
      problems.push(`${side}Name: wildcard character '*' cannot be used with partial values`);
    }
    if (namespace === INTENTION_WILDCARD) problems.push(`${side}Name: exact value cannot follow wildcard namespace`);
  }
  return problems;
}

function metaProblems(meta: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(meta);
  if (entries.length > INTENTION_META_PAIRS_MAX) {
    problems.push(`Meta exceeds maximum element count ${INTENTION_META_PAIRS_MAX}`);
  }
  for (const [key, value] of entries) {
    if (key.length > INTENTION_META_KEY_LENGTH_MAX) {
      problems.push(`Meta key "${key.slice(0, 40)}" exceeds maximum length ${INTENTION_META_KEY_LENGTH_MAX}`);
    }
    if (typeof value !== 'string' || value.length > INTENTION_META_VALUE_LENGTH_MAX) {
      problems.push(
        `Meta value for key "${key.slice(0, 40)}" exceeds maximum length ${INTENTION_META_VALUE_LENGTH_MAX}`,
      );
    }
  }
  return problems;
}

/** Consul's service-intentions permission rules, plus a check that every regex compiles. */
export function permissionProblems(permission: IntentionPermission, where: string): string[] {
  const problems: string[] = [];
  if (permission.Action !== 'allow' && permission.Action !== 'deny') {
    problems.push(`${where}.Action must be set to 'allow' or 'deny'`);
  }
  const http = permission.HTTP;
  if (!http) {
    problems.push(`${where}.HTTP field is required`);
    return problems;
  }
  const paths = [http.PathExact, http.PathPrefix, http.PathRegex].filter((path) => path);
  if (paths.length > 1)
    problems.push(`${where}.HTTP should only contain at most one of PathExact, PathPrefix, or PathRegex`);
  if (http.PathExact && !http.PathExact.startsWith('/'))
    problems.push(`${where}.HTTP.PathExact doesn't start with '/'`);
  if (http.PathPrefix && !http.PathPrefix.startsWith('/'))
    problems.push(`${where}.HTTP.PathPrefix doesn't start with '/'`);
  if (http.PathRegex && !compiles(http.PathRegex)) problems.push(`${where}.HTTP.PathRegex does not compile`);
  const headers = http.Header ?? [];
  headers.forEach((header, position) => {
    const at = `${where}.HTTP.Header[${position}]`;
    if (!header.Name) problems.push(`${at} missing required Name field`);
    const parts = [header.Present, header.Exact, header.Prefix, header.Suffix, header.Regex].filter((part) => part);
    if (parts.length !== 1) problems.push(`${at} should only contain one of Present, Exact, Prefix, Suffix, or Regex`);
    if (header.Regex && !compiles(header.Regex)) problems.push(`${at}.Regex does not compile`);
  });
  const methods = http.Methods ?? [];
  const seen = new Set<string>();
  for (const method of methods) {
    if (!HTTP_METHODS.has(method)) problems.push(`${where}.HTTP.Methods contains an invalid method "${method}"`);
    if (seen.has(method)) problems.push(`${where}.HTTP.Methods contains "${method}" more than once`);
    seen.add(method);
  }
  if (paths.length + headers.length + (methods.length > 0 ? 1 : 0) === 0) {
    problems.push(`${where}.HTTP should not be empty`);
  }
  return problems;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** `web => db`, with namespaces when either side is outside the default one. */
export function intentionSummary(intention: Intention): string {
  const side = (namespace: string, name: string) =>
    namespace === INTENTION_DEFAULT_NAMESPACE ? name : `${namespace}/${name}`;
  return `${side(intention.SourceNS, intention.SourceName)} => ${side(intention.DestinationNS, intention.DestinationName)} (ID: ${intention.ID || 'none'}, Precedence: ${intention.Precedence})`;
}
