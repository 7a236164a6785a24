// The catalog's table schemas (nodes, services, checks, coordinates): primary keys and secondary indexes, named
// after Consul's catalog_schema.go. Node names, service IDs and check IDs compare case-insensitively, so keys are
// lower-cased; primary-key order is therefore Consul's read order (node, then service or check ID).

import type { CoordinateEntry, HealthCheck, Node, ServiceInstance } from '../types.js';
import type { Table, TableSchema } from './table.js';

const separator = '\u0000';

export const foldName = (name: string): string => name.toLowerCase();
export const nodeKey = (node: string): string => foldName(node);
export const serviceKey = (node: string, serviceId: string): string =>
  `${foldName(node)}${separator}${foldName(serviceId)}`;
export const checkKey = (node: string, checkId: string): string => `${foldName(node)}${separator}${foldName(checkId)}`;
export const coordinateKey = (node: string, segment: string): string => `${foldName(node)}${separator}${segment}`;

/** The service name a connect-capable instance serves: a proxy's destination, or a native service's own name. */
export function connectTarget(service: ServiceInstance): string | null {
  if (service.Kind === 'connect-proxy') {
    const destination = service.Proxy?.DestinationServiceName;
    return typeof destination === 'string' && destination !== '' ? destination : null;
  }
  if (service.Connect?.Native === true) return service.Service;
  return null;
}

export const nodesSchema: TableSchema<Node> = {
  name: 'nodes',
  primaryKey: (row) => nodeKey(row.Node),
  indexes: { uuid: (row) => (row.ID === '' ? [] : [row.ID.toLowerCase()]) },
};

export const servicesSchema: TableSchema<ServiceInstance> = {
  name: 'services',
  primaryKey: (row) => serviceKey(row.Node, row.ID),
  indexes: {
    node: (row) => [foldName(row.Node)],
    service: (row) => [foldName(row.Service)],
    connect: (row) => {
      const target = connectTarget(row);
      return target === null ? [] : [foldName(target)];
    },
    kind: (row) => [row.Kind],
  },
};

export const checksSchema: TableSchema<HealthCheck> = {
  name: 'checks',
  primaryKey: (row) => checkKey(row.Node, row.CheckID),
  indexes: {
    node: (row) => [foldName(row.Node)],
    /** Node-level checks only (serfHealth, maintenance): every health entry of the node carries them. */
    nodeLevel: (row) => (row.ServiceID === '' ? [foldName(row.Node)] : []),
    status: (row) => [row.Status],
    /** Checks of one instance: node and service ID. */
    nodeService: (row) => (row.ServiceID === '' ? [] : [serviceKey(row.Node, row.ServiceID)]),
    service: (row) => (row.ServiceID === '' ? [] : [foldName(row.ServiceName)]),
  },
};

export const coordinatesSchema: TableSchema<CoordinateEntry> = {
  name: 'coordinates',
  primaryKey: (row) => coordinateKey(row.Node, row.Segment),
  indexes: { node: (row) => [foldName(row.Node)] },
};

/** The catalog tables by name, in the order snapshots write them. */
export const catalogSchemas = {
  nodes: nodesSchema,
  services: servicesSchema,
  checks: checksSchema,
  coordinates: coordinatesSchema,
} as const;

/**
 * The first broken reference in restored catalog tables (a service or check on a missing node, a check of a
 * missing service, a row without its key fields), or null. Reads assert these invariants, so a snapshot that
 * breaks them is refused instead of loaded.
 */
export function catalogIntegrityProblem(table: <Row>(schema: TableSchema<Row>) => Table<Row>): string | null {
  const nodes = table(nodesSchema);
  const services = table(servicesSchema);
  for (const node of nodes.all()) {
    if (typeof node.Node !== 'string' || node.Node === '') return 'a node without a name';
  }
  for (const service of services.all()) {
    if (typeof service.ID !== 'string' || typeof service.Service !== 'string') return 'a service without ID or name';
    if (nodes.get(nodeKey(service.Node)) === undefined) return `service ${service.ID} on missing node ${service.Node}`;
  }
  for (const check of table(checksSchema).all()) {
    if (typeof check.CheckID !== 'string') return 'a check without ID';
    if (nodes.get(nodeKey(check.Node)) === undefined) return `check ${check.CheckID} on missing node ${check.Node}`;
    if (typeof check.ServiceID !== 'string') return `check ${check.CheckID} without a ServiceID`;
    if (check.ServiceID !== '' && services.get(serviceKey(check.Node, check.ServiceID)) === undefined) {
      return `check ${check.CheckID} of missing service ${check.ServiceID}`;
    }
  }
  return null;
}
