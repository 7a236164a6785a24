// Lenient decoding of registration bodies (reference §1.3): keys match case-insensitively and in snake_case,
// durations come as Go strings or nanosecond numbers, unknown fields are ignored. The body is first reshaped
// onto the config-file schema, then checked and built by the same code as service definition files, so the HTTP
// API and config files accept the same things and fill the same defaults.

import { ValidationError } from '../../lib/errors.js';
import { ownValue } from '../../lib/records.js';
import { formatProblem, ProblemList } from '../config/problems.js';
import { checkValue, isPlainObject, type Located, type Spec } from '../config/schema.js';
import { checkSpec, serviceSpec } from '../config/schema-service.js';
import type { CheckDefinition, ServiceDefinition } from '../config/types.js';
import { buildCheck, buildService } from '../config/validate-services.js';

const sourceName = 'request body';

/** Names Consul's API uses that do not follow from the config key (Go struct aliases). */
const extraAliases: Readonly<Record<string, string>> = {
  scriptargs: 'args',
  intervalduration: 'interval',
  timeoutduration: 'timeout',
  deregistercriticalserviceafterduration: 'deregister_critical_service_after',
  checkid: 'id',
};

const squash = (name: string): string => name.replace(/[_-]/g, '').toLowerCase();

/** Rewrites `value` so its keys are the spec's field names and numeric durations are duration strings. */
export function reshapeForSpec(spec: Spec, value: unknown): unknown {
  switch (spec.kind) {
    case 'object': {
      // HCL renders a block as a one-element list; the schema unwraps it too.
      if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return reshapeForSpec(spec, value[0]);
      if (!isPlainObject(value)) return value;
      const byKey = new Map<string, string>();
      for (const field of Object.keys(spec.fields)) byKey.set(squash(field), field);
      for (const [alias, field] of Object.entries(spec.aliases ?? {})) byKey.set(squash(alias), field);
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const squashed = squash(key);
        const field = byKey.get(squashed) ?? ownValue(extraAliases, squashed);
        if (field === undefined || !Object.hasOwn(spec.fields, field)) continue; // unknown fields are ignored, as Consul does
        if (item === null || item === undefined) continue;
        out[field] = reshapeForSpec(spec.fields[field]!, item);
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((item) => reshapeForSpec(spec.item, item)) : value;
    case 'map':
      if (!isPlainObject(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reshapeForSpec(spec.value, item)]));
    case 'duration':
      // Go's encoding/json gives time.Duration as integer nanoseconds.
      return typeof value === 'number' && Number.isFinite(value) ? `${value}ns` : value;
    default:
      return value;
  }
}

const statuses = new Set(['passing', 'warning', 'critical']);

/** Consul checks initial statuses before anything else, with its own message. */
function hasBadCheckStatus(service: Record<string, unknown>): boolean {
  const checks = [service['check'], ...(Array.isArray(service['checks']) ? service['checks'] : [service['checks']])];
  return checks.some(
    (check) =>
      isPlainObject(check) &&
      check['status'] !== undefined &&
      check['status'] !== '' &&
      !statuses.has(String(check['status'])),
  );
}

/** Script and Docker checks run `args` (Consul's IsScript holds for both), so the script switches gate both. */
const runsArgs = (check: { readonly kind: string }): boolean => check.kind === 'script' || check.kind === 'docker';

export interface DecodeOptions {
  /** Script checks are refused unless enabled for this request (enable_script_checks, or local + local-only). */
  readonly scriptChecksAllowed: boolean;
  /** Receives what Consul logs but accepts (an interval raised to its minimum), for the caller to log. */
  readonly warnings?: string[];
}

function collectWarnings(problems: ProblemList, options: DecodeOptions): void {
  for (const problem of problems.warnings)
    options.warnings?.push(formatProblem(problem).replace(`${sourceName}: `, ''));
}

function problemsText(problems: ProblemList): string {
  return problems.errors
    .map(formatProblem)
    .map((line) => line.replace(`${sourceName}: `, ''))
    .join('; ');
}

/** A service registration body (§4.1.1) as a validated definition; ValidationError with Consul-like text. */
export function decodeServiceBody(body: unknown, options: DecodeOptions): ServiceDefinition {
  if (!isPlainObject(body)) throw new ValidationError('Request decode failed: expected a JSON object');
  const problems = new ProblemList();
  const reshaped = reshapeForSpec(serviceSpec, body);
  if (isPlainObject(reshaped) && (typeof reshaped['name'] !== 'string' || reshaped['name'] === ''))
    throw new ValidationError(
      reshaped['name'] === undefined || reshaped['name'] === ''
        ? 'Missing service name'
        : 'Request decode failed: Name must be a string',
    );
  if (isPlainObject(reshaped) && hasBadCheckStatus(reshaped))
    throw new ValidationError("Status for checks must 'passing', 'warning', 'critical'");
  const checked = checkValue(serviceSpec, reshaped, '', { sourceName, problems });
  const definition = isPlainObject(checked)
    ? buildService(checked as Located, { problems, scriptChecksAllowed: true })
    : null;
  if (problems.hasErrors() || definition === null)
    throw new ValidationError(`Invalid service: ${problemsText(problems) || 'unusable definition'}`);
  const checks = [...definition.checks, ...(definition.sidecarService?.checks ?? [])];
  if (!options.scriptChecksAllowed && checks.some(runsArgs)) throw new ScriptChecksDisabledError();
  collectWarnings(problems, options);
  return definition;
}

/** A check registration body as a validated definition. */
export function decodeCheckBody(body: unknown, options: DecodeOptions): CheckDefinition {
  if (!isPlainObject(body)) throw new ValidationError('Request decode failed: expected a JSON object');
  const problems = new ProblemList();
  const checked = checkValue(checkSpec, reshapeForSpec(checkSpec, body), '', { sourceName, problems });
  if (!problems.hasErrors() && isPlainObject(checked) && checked['name'] === undefined)
    throw new ValidationError('Missing check name');
  const definition = isPlainObject(checked)
    ? buildCheck(checked as Located, { id: '', name: '', serviceId: null }, { problems, scriptChecksAllowed: true })
    : null;
  if (problems.hasErrors() || definition === null)
    throw new ValidationError(`Invalid check: ${problemsText(problems) || 'unusable definition'}`);
  if (!options.scriptChecksAllowed && runsArgs(definition)) throw new ScriptChecksDisabledError();
  collectWarnings(problems, options);
  return definition;
}

/** Consul's refusal of a script check when neither switch allows it (a 400 like other bad bodies). */
export class ScriptChecksDisabledError extends ValidationError {
  override readonly name = 'ScriptChecksDisabledError';
  constructor() {
    super(
      "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
    );
  }
}
