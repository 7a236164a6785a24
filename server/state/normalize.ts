// Turns a Catalog.Register request (from an RPC body or a decoded Raft command: untrusted shapes) into complete,
// validated rows, as Consul's Catalog.Register endpoint and structs do: defaults filled (service ID from its name,
// check ID from its name, check node from the request, status critical), types checked, metadata limits enforced,
// check durations rendered as Go duration strings. Throws InvalidWriteError with Consul's message.

import { formatDuration, parseDurationField } from '../../lib/duration.js';
import { setOwn } from '../../lib/records.js';
import { InvalidWriteError } from './errors.js';
import type {
  HealthCheck,
  HealthCheckDefinition,
  HealthStatus,
  Node,
  ServiceAddress,
  ServiceConnect,
  ServiceInstance,
  ServiceKind,
  ServiceProxy,
} from './types.js';

export type NodeFields = Omit<Node, 'CreateIndex' | 'ModifyIndex'>;
export type ServiceFields = Omit<ServiceInstance, 'CreateIndex' | 'ModifyIndex'>;
export type CheckFields = Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex'>;

export interface NormalizedRegistration {
  readonly node: NodeFields;
  readonly skipNodeUpdate: boolean;
  readonly service: ServiceFields | null;
  /** ServiceName and ServiceTags are filled in from the stored service when the check is written. */
  readonly checks: readonly CheckFields[];
}

const serviceKinds: readonly ServiceKind[] = [
  '',
  'connect-proxy',
  'mesh-gateway',
  'terminating-gateway',
  'ingress-gateway',
  'api-gateway',
];
const healthStatuses: readonly string[] = ['passing', 'warning', 'critical'];
const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const metaKeyPattern = /^[a-zA-Z0-9_-]+$/;
const metaPairsMax = 64;
const metaKeyLengthMax = 128;
const metaValueLengthMax = 512;
const metaReservedPrefix = 'consul-';
const metaReservedAllowed = new Set(['consul-network-segment', 'consul-wan-federation', 'consul-version']);

type Fields = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectField(value: unknown, field: string): Fields {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new InvalidWriteError(`${field} must be an object`);
  return value;
}

export function stringField(value: unknown, field: string, fallback = ''): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw new InvalidWriteError(`${field} must be a string`);
  return value;
}

function integerField(value: unknown, field: string, fallback = 0): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidWriteError(`${field} must be an integer`);
  }
  return value;
}

function booleanField(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidWriteError(`${field} must be a boolean`);
  return value;
}

function stringListField(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new InvalidWriteError(`${field} must be a list of strings`);
  }
  return [...value];
}

function stringMapField(value: unknown, field: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, inner] of Object.entries(objectField(value, field))) {
    if (typeof inner !== 'string') throw new InvalidWriteError(`${field}.${key} must be a string`);
    setOwn(result, key, inner);
  }
  return result;
}

/** Consul's ValidateMetadata: at most 64 pairs, keys of [a-zA-Z0-9_-] up to 128 chars, values up to 512. */
export function validateMeta(meta: Readonly<Record<string, string>>, allowReserved: boolean): string | null {
  const keys = Object.keys(meta);
  if (keys.length > metaPairsMax) return `Node metadata cannot contain more than ${metaPairsMax} key/value pairs`;
  for (const key of keys) {
    if (key === '') return 'Key cannot be blank';
    if (!metaKeyPattern.test(key)) return `Key contains invalid characters`;
    if (key.length > metaKeyLengthMax) return `Key is too long (limit: ${metaKeyLengthMax} characters)`;
    if (!allowReserved && key.startsWith(metaReservedPrefix) && !metaReservedAllowed.has(key)) {
      return `Key prefix '${metaReservedPrefix}' is reserved for internal use`;
    }
    if ((meta[key] as string).length > metaValueLengthMax) {
      return `Value is too long (limit: ${metaValueLengthMax} characters)`;
    }
  }
  return null;
}

function serviceAddresses(value: unknown, field: string): Record<string, ServiceAddress> {
  const result: Record<string, ServiceAddress> = {};
  for (const [key, inner] of Object.entries(objectField(value, field))) {
    const entry = objectField(inner, `${field}.${key}`);
    setOwn(result, key, {
      Address: stringField(entry['Address'], `${field}.${key}.Address`),
      Port: integerField(entry['Port'], `${field}.${key}.Port`),
    });
  }
  return result;
}

function opaqueObject<T>(value: unknown, field: string): T | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new InvalidWriteError(`${field} must be an object`);
  return structuredClone(value) as T;
}

export function normalizeNode(request: Fields): NodeFields {
  const name = stringField(request['Node'], 'Node');
  if (name === '') throw new InvalidWriteError('Must provide node');
  const id = stringField(request['ID'], 'ID');
  if (id !== '' && !uuidPattern.test(id)) throw new InvalidWriteError('Bad node ID: uuid is improperly formatted');
  const meta = stringMapField(request['NodeMeta'] ?? request['Meta'], 'NodeMeta');
  const problem = validateMeta(meta, true);
  if (problem !== null) throw new InvalidWriteError(`Invalid node metadata: ${problem}`);
  return {
    ID: id.toLowerCase(),
    Node: name,
    Address: stringField(request['Address'], 'Address'),
    Datacenter: stringField(request['Datacenter'], 'Datacenter'),
    TaggedAddresses: stringMapField(request['TaggedAddresses'], 'TaggedAddresses'),
    Meta: meta,
  };
}

export function normalizeService(value: unknown, node: string): ServiceFields {
  const input = objectField(value, 'Service');
  const name = stringField(input['Service'], 'Service.Service');
  const id = stringField(input['ID'], 'Service.ID') || name;
  if (name === '')
    throw new InvalidWriteError(id === '' ? 'Must provide service name' : 'Must provide service name with ID');
  const address = stringField(input['Address'], 'Service.Address');
  if (address === '0.0.0.0' || address === '::' || address === '[::]') {
    throw new InvalidWriteError('Invalid service address');
  }
  const kind = stringField(input['Kind'], 'Service.Kind') as ServiceKind;
  if (!serviceKinds.includes(kind)) throw new InvalidWriteError(`Invalid service kind ${JSON.stringify(kind)}`);
  const meta = stringMapField(input['Meta'], 'Service.Meta');
  const problem = validateMeta(meta, kind === 'mesh-gateway');
  if (problem !== null) {
    throw new InvalidWriteError(`Invalid Service Meta for node ${node} and serviceID ${id}: ${problem}`);
  }
  const weights = objectField(input['Weights'], 'Service.Weights');
  const proxy = opaqueObject<ServiceProxy>(input['Proxy'], 'Service.Proxy');
  const connect = objectField(input['Connect'], 'Service.Connect');
  const native = booleanField(connect['Native'], 'Service.Connect.Native');
  return {
    Node: node,
    ID: id,
    Service: name,
    Tags: stringListField(input['Tags'], 'Service.Tags'),
    Address: address,
    TaggedAddresses: serviceAddresses(input['TaggedAddresses'], 'Service.TaggedAddresses'),
    Meta: meta,
    Port: integerField(input['Port'], 'Service.Port'),
    Weights: weightsOf(weights),
    EnableTagOverride: booleanField(input['EnableTagOverride'], 'Service.EnableTagOverride'),
    Kind: kind,
    Proxy: kind === '' ? null : proxy,
    Connect: native ? ({ Native: true } satisfies ServiceConnect) : null,
    SocketPath: stringField(input['SocketPath'], 'Service.SocketPath'),
  };
}

/** Consul's ToServiceNode: weights default to 1/1, and invalid ones (Passing < 1, Warning < 0) fall back to that. */
function weightsOf(input: Fields): { Passing: number; Warning: number } {
  const passing = integerField(input['Passing'], 'Service.Weights.Passing', 1);
  const warning = integerField(input['Warning'], 'Service.Weights.Warning', 1);
  return passing < 1 || warning < 0 ? { Passing: 1, Warning: 1 } : { Passing: passing, Warning: warning };
}

const definitionDurationFields = ['Interval', 'Timeout', 'DeregisterCriticalServiceAfter'] as const;

function durationText(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') return '0s';
  try {
    return formatDuration(parseDurationField(value));
  } catch (error) {
    throw new InvalidWriteError(`${field}: ${(error as Error).message}`, { cause: error });
  }
}

/** The check definition with Go duration strings; node-consul's `IntervalDuration` spellings are accepted. */
function normalizeDefinition(value: unknown): HealthCheckDefinition {
  const input = opaqueObject<Record<string, unknown>>(value, 'Check.Definition') ?? {};
  const result: Record<string, unknown> = { ...input };
  for (const field of definitionDurationFields) {
    const alias = `${field}Duration`;
    result[field] = durationText(input[field] ?? input[alias], `Check.Definition.${field}`);
    delete result[alias];
  }
  if (input['TTL'] !== undefined) result['TTL'] = durationText(input['TTL'], 'Check.Definition.TTL');
  return result as HealthCheckDefinition;
}

/** Consul's CheckType().Type() for a catalog-registered check: named by the definition's target field. */
function checkTypeOf(definition: HealthCheckDefinition): string {
  if (definition.HTTP) return 'http';
  if (definition.TCP) return 'tcp';
  if (definition.UDP) return 'udp';
  if (definition.GRPC) return 'grpc';
  if (definition['H2PING']) return 'h2ping';
  if (definition.OSService) return 'os_service';
  if (definition['TTL'] && definition['TTL'] !== '0s') return 'ttl';
  if (definition['AliasService'] || definition['AliasNode']) return 'alias';
  const args = definition['ScriptArgs'] ?? definition['Args'];
  if (Array.isArray(args) && args.length > 0) return definition['DockerContainerID'] ? 'docker' : 'script';
  return '';
}

export function normalizeCheck(value: unknown, node: string): CheckFields {
  const input = objectField(value, 'Check');
  const name = stringField(input['Name'], 'Check.Name');
  const checkId = stringField(input['CheckID'], 'Check.CheckID') || name;
  if (checkId === '') throw new InvalidWriteError('Must provide check ID or name');
  const checkNode = stringField(input['Node'], 'Check.Node') || node;
  if (checkNode.toLowerCase() !== node.toLowerCase()) {
    throw new InvalidWriteError(
      `Node '${checkNode}' for check '${checkId}' doesn't match register request node '${node}'`,
    );
  }
  const status = stringField(input['Status'], 'Check.Status') || 'critical';
  if (!healthStatuses.includes(status)) throw new InvalidWriteError(`Invalid check status ${JSON.stringify(status)}`);
  const definition = normalizeDefinition(input['Definition']);
  return {
    Node: checkNode,
    CheckID: checkId,
    Name: name,
    Status: status as HealthStatus,
    Notes: stringField(input['Notes'], 'Check.Notes'),
    Output: stringField(input['Output'], 'Check.Output'),
    ServiceID: stringField(input['ServiceID'], 'Check.ServiceID'),
    ServiceName: stringField(input['ServiceName'], 'Check.ServiceName'),
    ServiceTags: stringListField(input['ServiceTags'], 'Check.ServiceTags'),
    Type: stringField(input['Type'], 'Check.Type') || checkTypeOf(definition),
    Interval: stringField(input['Interval'], 'Check.Interval'),
    Timeout: stringField(input['Timeout'], 'Check.Timeout'),
    ExposedPort: integerField(input['ExposedPort'], 'Check.ExposedPort'),
    Definition: definition,
  };
}

/** Validates and completes a Catalog.Register request; throws InvalidWriteError with Consul's message. */
export function normalizeRegisterRequest(request: unknown): NormalizedRegistration {
  if (!isObject(request)) throw new InvalidWriteError('register request must be an object');
  const node = normalizeNode(request);
  const skipNodeUpdate = booleanField(request['SkipNodeUpdate'], 'SkipNodeUpdate');
  if (node.Address === '' && !skipNodeUpdate) {
    throw new InvalidWriteError('Must provide address if SkipNodeUpdate is not set');
  }
  const service =
    request['Service'] === undefined || request['Service'] === null
      ? null
      : normalizeService(request['Service'], node.Node);
  const checkInputs: unknown[] = [];
  if (request['Check'] !== undefined && request['Check'] !== null) checkInputs.push(request['Check']);
  const checks = request['Checks'];
  if (checks !== undefined && checks !== null) {
    if (!Array.isArray(checks)) throw new InvalidWriteError('Checks must be a list');
    checkInputs.push(...checks);
  }
  return { node, skipNodeUpdate, service, checks: checkInputs.map((check) => normalizeCheck(check, node.Node)) };
}
