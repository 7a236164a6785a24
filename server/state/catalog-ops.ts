// Catalog writes with Consul's state-store semantics (catalog.go): EnsureRegistration (node, then service, then
// checks, each skipped when unchanged so ModifyIndex stays put and nobody wakes), deregistration of a node (with
// everything on it), a service (with its checks) or a check, and EnsureCheck. Each public function is one
// transaction at one Raft index; the *Txn helpers compose inside a larger one (the FSM's txn command later).

import { InvalidWriteError, MissingNodeError, MissingServiceError, NodeConflictError, withContext } from './errors.js';
import {
  checkStatusWatchKey,
  connectIndexKey,
  coordinateWatchKey,
  nodeChecksWatchKey,
  nodeExtinctionIndexKey,
  nodeIndexKey,
  serviceExtinctionIndexKey,
  serviceIndexKey,
  tableIndexKey,
} from './indexes.js';
import {
  type CheckFields,
  type NodeFields,
  type NormalizedRegistration,
  normalizeCheck,
  normalizeRegisterRequest,
  type ServiceFields,
  stringField,
} from './normalize.js';
import { sameRow } from './same.js';
import { invalidateCheckSessionsTxn, invalidateNodeSessionsTxn } from './session-ops.js';
import type { StateStore } from './store.js';
import {
  checkKey,
  checksSchema,
  connectTarget,
  coordinatesSchema,
  foldName,
  nodeKey,
  nodesSchema,
  serviceKey,
  servicesSchema,
} from './tables/catalog.js';
import type { WriteTxn } from './txn.js';
import type { DeregisterRequest, HealthCheck, Node, ServiceInstance } from './types.js';

/** Catalog.Register: validates `request`, then writes node, service and checks at `index`, all or nothing. */
export function ensureRegistration(store: StateStore, index: number, request: unknown): void {
  const registration = normalizeRegisterRequest(request);
  store.write(index, (txn) => ensureRegistrationTxn(txn, registration));
}

export function ensureRegistrationTxn(txn: WriteTxn, registration: NormalizedRegistration): void {
  const existing = txn.table(nodesSchema).get(nodeKey(registration.node.Node));
  if (existing === undefined || (!registration.skipNodeUpdate && changesNode(existing, registration.node))) {
    inContext('failed inserting node', () => ensureNodeTxn(txn, registration.node));
  }
  const service = registration.service;
  if (service !== null) inContext('failed inserting service', () => ensureServiceTxn(txn, service));
  for (const check of registration.checks) {
    inContext(`failed inserting check on node ${JSON.stringify(check.Node)}`, () => ensureCheckTxn(txn, check));
  }
}

/** Runs one step of a registration, prefixing a refusal with Consul's context for it. */
function inContext(context: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    throw withContext(error, context);
  }
}

/** Consul's RegisterRequest.ChangesNode (node names compare case-insensitively). */
function changesNode(existing: Node, fields: NodeFields): boolean {
  if (foldName(existing.Node) !== foldName(fields.Node)) return true;
  return !sameRow(existing, { ...fields, Node: existing.Node });
}

/**
 * Refuses a node name held (case-insensitively) by another node ID while that node's serfHealth is alive; a node
 * without serfHealth (registered from outside) or with it critical may lose its name.
 */
function ensureNoSimilarName(txn: WriteTxn, fields: NodeFields, allowClashWithoutId: boolean): void {
  const other = txn.table(nodesSchema).get(nodeKey(fields.Node));
  if (other === undefined || other.ID === fields.ID) return;
  const serfHealth = txn.table(checksSchema).get(checkKey(other.Node, 'serfHealth'));
  const healthy = serfHealth !== undefined && serfHealth.Status !== 'critical';
  if (!healthy || (other.ID === '' && allowClashWithoutId)) return;
  throw new NodeConflictError(
    `Node name ${fields.Node} is reserved by node ${other.ID} with name ${other.Node} (${other.Address})`,
  );
}

export function ensureNodeTxn(txn: WriteTxn, fields: NodeFields): void {
  const nodes = txn.table(nodesSchema);
  let previous: Node | undefined;
  if (fields.ID !== '') {
    const byId = nodes.lookup('uuid', fields.ID)[0];
    if (byId !== undefined) {
      previous = byId;
      if (foldName(byId.Node) !== foldName(fields.Node)) {
        const context = `Error while renaming Node ID: ${JSON.stringify(fields.ID)} (${fields.Address})`;
        inContext(context, () => ensureNoSimilarName(txn, fields, false));
        deleteNodeTxn(txn, byId.Node);
      }
    } else {
      inContext(`Error while renaming Node ID: ${JSON.stringify(fields.ID)}`, () =>
        ensureNoSimilarName(txn, fields, true),
      );
    }
  }
  previous ??= nodes.get(nodeKey(fields.Node));
  if (previous !== undefined && sameRow(previous, fields)) return;
  const row: Node = { ...fields, CreateIndex: previous?.CreateIndex ?? txn.index, ModifyIndex: txn.index };
  txn.put(nodesSchema, row);
  txn.bumpIndex(tableIndexKey(nodesSchema.name));
  txn.bumpIndex(nodeIndexKey(row.Node));
  bumpServicesOfNode(txn, row.Node);
}

export function ensureServiceTxn(txn: WriteTxn, fields: ServiceFields): void {
  const node = txn.table(nodesSchema).get(nodeKey(fields.Node));
  if (node === undefined) throw new MissingNodeError();
  const previous = txn.table(servicesSchema).get(serviceKey(node.Node, fields.ID));
  const candidate = { ...fields, Node: node.Node };
  if (previous !== undefined && sameRow(previous, candidate)) return;
  const row: ServiceInstance = {
    ...candidate,
    CreateIndex: previous?.CreateIndex ?? txn.index,
    ModifyIndex: txn.index,
  };
  txn.put(servicesSchema, row);
  txn.bumpIndex(tableIndexKey(servicesSchema.name));
  txn.bumpIndex(nodeIndexKey(row.Node));
  bumpServiceIndexes(txn, row);
  if (previous !== undefined) retireServiceIndexes(txn, previous);
}

export function ensureCheckTxn(txn: WriteTxn, fields: CheckFields): void {
  const node = txn.table(nodesSchema).get(nodeKey(fields.Node));
  if (node === undefined) throw new MissingNodeError();
  let service: ServiceInstance | undefined;
  if (fields.ServiceID !== '') {
    service = txn.table(servicesSchema).get(serviceKey(node.Node, fields.ServiceID));
    if (service === undefined) throw new MissingServiceError();
  }
  const candidate: CheckFields = {
    ...fields,
    Node: node.Node,
    ServiceID: service?.ID ?? '',
    ServiceName: service?.Service ?? '',
    ServiceTags: service?.Tags ?? [],
  };
  const previous = txn.table(checksSchema).get(checkKey(node.Node, fields.CheckID));
  if (previous !== undefined && sameRow(previous, candidate)) return;
  const row: HealthCheck = { ...candidate, CreateIndex: previous?.CreateIndex ?? txn.index, ModifyIndex: txn.index };
  txn.put(checksSchema, row);
  touchCheck(txn, row);
  if (row.Status === 'critical') invalidateCheckSessionsTxn(txn, row.Node, row.CheckID);
  if (previous !== undefined && previous.ServiceID !== row.ServiceID) touchCheck(txn, previous);
  else if (previous !== undefined) txn.touch(checkStatusWatchKey(previous.Status));
}

/** EnsureCheck: writes one check (a status or output update) at `index`. */
export function ensureCheck(store: StateStore, index: number, check: unknown): void {
  const node = typeof check === 'object' && check !== null ? (check as { Node?: unknown }).Node : undefined;
  const fields = normalizeCheck(check, stringField(node, 'Check.Node'));
  if (fields.Node === '') throw new InvalidWriteError('Must provide node');
  store.write(index, (txn) => ensureCheckTxn(txn, fields));
}

/** Deletes a node and everything on it; false (and no change) when it does not exist. */
export function deleteNodeTxn(txn: WriteTxn, node: string): boolean {
  const key = nodeKey(node);
  const row = txn.table(nodesSchema).get(key);
  if (row === undefined) return false;
  invalidateNodeSessionsTxn(txn, row.Node);
  for (const service of [...txn.table(servicesSchema).lookup('node', key)]) deleteServiceTxn(txn, row.Node, service.ID);
  for (const check of [...txn.table(checksSchema).lookup('node', key)]) deleteCheckTxn(txn, row.Node, check.CheckID);
  const coordinates = [...txn.table(coordinatesSchema).lookup('node', key)];
  for (const coordinate of coordinates) {
    txn.delete(coordinatesSchema, coordinatesSchema.primaryKey(coordinate));
  }
  if (coordinates.length > 0) {
    txn.bumpIndex(tableIndexKey(coordinatesSchema.name));
    txn.touch(coordinateWatchKey(row.Node));
  }
  txn.delete(nodesSchema, key);
  txn.bumpIndex(tableIndexKey(nodesSchema.name));
  txn.deleteIndex(nodeIndexKey(row.Node));
  txn.bumpIndex(nodeExtinctionIndexKey);
  return true;
}

/** Deletes a service instance and its checks; false when it does not exist. */
export function deleteServiceTxn(txn: WriteTxn, node: string, serviceId: string): boolean {
  const key = serviceKey(node, serviceId);
  const row = txn.table(servicesSchema).get(key);
  if (row === undefined) return false;
  for (const check of [...txn.table(checksSchema).lookup('nodeService', key)]) {
    deleteCheckTxn(txn, check.Node, check.CheckID);
  }
  txn.delete(servicesSchema, key);
  txn.bumpIndex(tableIndexKey(servicesSchema.name));
  txn.bumpIndex(nodeIndexKey(row.Node));
  retireServiceIndexes(txn, row);
  return true;
}

/** Deletes one check; false when it does not exist. */
export function deleteCheckTxn(txn: WriteTxn, node: string, checkId: string): boolean {
  const row = txn.delete(checksSchema, checkKey(node, checkId));
  if (row === undefined) return false;
  touchCheck(txn, row);
  invalidateCheckSessionsTxn(txn, row.Node, row.CheckID);
  return true;
}

/** Catalog.Deregister: a service (with its checks) if ServiceID is set, else a check, else the whole node. */
export function deregister(store: StateStore, index: number, request: DeregisterRequest): void {
  const node = stringField(request.Node, 'Node');
  if (node === '') throw new InvalidWriteError('Must provide node');
  const serviceId = stringField(request.ServiceID, 'ServiceID');
  const checkId = stringField(request.CheckID, 'CheckID');
  store.write(index, (txn) => deregisterTxn(txn, node, serviceId, checkId));
}

export function deregisterTxn(txn: WriteTxn, node: string, serviceId: string, checkId: string): void {
  if (serviceId !== '') deleteServiceTxn(txn, node, serviceId);
  else if (checkId !== '') deleteCheckTxn(txn, node, checkId);
  else deleteNodeTxn(txn, node);
}

// ---- index maintenance ----

function touchCheck(txn: WriteTxn, check: HealthCheck): void {
  txn.bumpIndex(tableIndexKey(checksSchema.name));
  txn.touch(nodeChecksWatchKey(check.Node));
  txn.touch(checkStatusWatchKey(check.Status));
  if (check.ServiceID === '') {
    bumpServicesOfNode(txn, check.Node);
    return;
  }
  const service = txn.table(servicesSchema).get(serviceKey(check.Node, check.ServiceID));
  if (service !== undefined) bumpServiceIndexes(txn, service);
}

/** A node-level change can change every health answer of every service on the node. */
function bumpServicesOfNode(txn: WriteTxn, node: string): void {
  for (const service of txn.table(servicesSchema).lookup('node', nodeKey(node))) bumpServiceIndexes(txn, service);
}

function bumpServiceIndexes(txn: WriteTxn, service: ServiceInstance): void {
  txn.bumpIndex(serviceIndexKey(service.Service));
  const target = connectTarget(service);
  if (target !== null) txn.bumpIndex(connectIndexKey(target));
}

/**
 * After `previous` was replaced or deleted: bump the indexes of the names it was found under, or, for a name
 * with no instance left, drop its index and record the extinction (Consul's catalogUpdateServiceExtinctionIndex).
 */
function retireServiceIndexes(txn: WriteTxn, previous: ServiceInstance): void {
  const services = txn.table(servicesSchema);
  retireName(txn, serviceIndexKey(previous.Service), services.count('service', foldName(previous.Service)));
  const target = connectTarget(previous);
  if (target !== null) retireName(txn, connectIndexKey(target), services.count('connect', foldName(target)));
}

function retireName(txn: WriteTxn, key: string, remaining: number): void {
  if (remaining > 0) {
    txn.bumpIndex(key);
    return;
  }
  txn.deleteIndex(key);
  txn.bumpIndex(serviceExtinctionIndexKey);
}
