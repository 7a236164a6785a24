// L7 permission matching for HTTP requests (reference §5.3): each permission is compiled once into a predicate over
// method, path and headers; a list is evaluated in order and the first match gives its action. Matching follows
// Envoy's RBAC, which Consul's permissions compile to: paths are matched without the query string, regexes must match
// the whole value, several values of one header are joined by ",", and a missing header matches nothing except an
// inverted Present.

import type { IntentionAction, IntentionHttpHeaderPermission, IntentionPermission } from './model.js';

/** The request attributes permissions look at; header names in lower case, as Node delivers them. */
export interface HttpRequestAttributes {
  readonly method: string;
  /** The request target (`:path`), query string included or not. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface CompiledPermission {
  readonly action: IntentionAction;
  readonly matches: (request: HttpRequestAttributes) => boolean;
}

type Predicate = (request: HttpRequestAttributes) => boolean;

export function compilePermission(permission: IntentionPermission): CompiledPermission {
  const http = permission.HTTP ?? {};
  const predicates: Predicate[] = [];
  if (http.PathExact) {
    const exact = http.PathExact;
    predicates.push((request) => pathOf(request) === exact);
  } else if (http.PathPrefix) {
    const prefix = http.PathPrefix;
    predicates.push((request) => pathOf(request).startsWith(prefix));
  } else if (http.PathRegex) {
    const pattern = fullMatch(http.PathRegex);
    predicates.push((request) => pattern.test(pathOf(request)));
  }
  for (const header of http.Header ?? []) predicates.push(compileHeader(header));
  if (http.Methods && http.Methods.length > 0) {
    const methods = new Set(http.Methods.map((method) => method.toUpperCase()));
    predicates.push((request) => methods.has(request.method.toUpperCase()));
  }
  return { action: permission.Action, matches: (request) => predicates.every((predicate) => predicate(request)) };
}

export function compilePermissions(permissions: readonly IntentionPermission[]): CompiledPermission[] {
  return permissions.map(compilePermission);
}

export interface PermissionMatch {
  readonly action: IntentionAction;
  /** Position of the first matching permission in the intention's list. */
  readonly position: number;
}

/** The first permission matching the request, or null when none does (the caller applies the default). */
export function evaluatePermissions(
  permissions: readonly CompiledPermission[],
  request: HttpRequestAttributes,
): PermissionMatch | null {
  for (let position = 0; position < permissions.length; position++) {
    const permission = permissions[position]!;
    if (permission.matches(request)) return { action: permission.action, position };
  }
  return null;
}

function compileHeader(header: IntentionHttpHeaderPermission): Predicate {
  const name = header.Name.toLowerCase();
  const invert = header.Invert === true;
  let test: (value: string) => boolean;
  if (header.Exact) {
    const exact = header.Exact;
    test = (value) => value === exact;
  } else if (header.Prefix) {
    const prefix = header.Prefix;
    test = (value) => value.startsWith(prefix);
  } else if (header.Suffix) {
    const suffix = header.Suffix;
    test = (value) => value.endsWith(suffix);
  } else if (header.Regex) {
    const pattern = fullMatch(header.Regex);
    test = (value) => pattern.test(value);
  } else {
    test = () => true; // Present
  }
  const presentOnly = !header.Exact && !header.Prefix && !header.Suffix && !header.Regex;
  return (request) => {
    const value = headerValue(request, name);
    // Envoy: an absent header fails every matcher; only an inverted Present then matches.
    if (value === undefined) return invert && presentOnly;
    return test(value) !== invert;
  };
}

function headerValue(request: HttpRequestAttributes, name: string): string | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

function pathOf(request: HttpRequestAttributes): string {
  const query = request.path.indexOf('?');
  return query === -1 ? request.path : request.path.slice(0, query);
}

/** Envoy's safe_regex matches the whole value, so the pattern is anchored at both ends. */
function fullMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
