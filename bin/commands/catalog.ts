// `lattice catalog datacenters|nodes|services`: reads the catalog through the agent's HTTP API, as `consul catalog`
// does, with its flags (-service, -near, -node-meta, -filter, -detailed for nodes; -node, -tags, -node-meta for
// services), a table by default and the API's JSON with `-format=json`.

import type { Command } from 'commander';
import type { CatalogService, Node } from '../../server/state/types.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, checkFormat, collect, formatTable, nodeMetaQuery } from './catalog-http.js';

interface CommonFlags extends HttpOptionValues {
  format: string;
  datacenter?: string;
  stale?: boolean;
}

function commonQuery(flags: CommonFlags): [string, string][] {
  const query: [string, string][] = [];
  if (flags.datacenter) query.push(['dc', flags.datacenter]);
  if (flags.stale) query.push(['stale', '']);
  return query;
}

function addCommonOptions(command: Command): Command {
  command
    .option('--format <format>', 'output format: pretty or json', 'pretty')
    .option('--datacenter <dc>', "datacenter to query (default: the agent's)")
    .option('--stale', 'lets any server answer, even without a leader');
  return addHttpOptions(command);
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `consul catalog nodes` columns; -detailed adds the full ID, tagged addresses and meta. */
export function formatNodes(nodes: readonly Node[], detailed: boolean): string {
  if (nodes.length === 0) return 'No nodes match the given query - try expanding your search.';
  const pairs = (record: Readonly<Record<string, string>>) =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
  const header = detailed
    ? ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta']
    : ['Node', 'ID', 'Address', 'DC'];
  const rows = nodes.map((node) =>
    detailed
      ? [node.Node, node.ID, node.Address, node.Datacenter, pairs(node.TaggedAddresses ?? {}), pairs(node.Meta ?? {})]
      : [node.Node, node.ID.slice(0, 8), node.Address, node.Datacenter],
  );
  return formatTable([header, ...rows]);
}

/** `consul catalog services`: names, or names and tags with -tags. */
export function formatServices(services: Readonly<Record<string, readonly string[]>>, tags: boolean): string {
  const names = Object.keys(services).sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return 'No services match the given query - try expanding your search.';
  if (!tags) return names.join('\n');
  return formatTable(names.map((name) => [name, [...(services[name] ?? [])].sort().join(',')]));
}

export function registerCatalog(program: Command): void {
  const catalog = program.command('catalog').description('Lists datacenters, nodes and services in the catalog');

  addCommonOptions(catalog.command('datacenters').description('Lists the known datacenters')).action(
    async (flags: CommonFlags) => {
      const format = checkFormat(flags.format);
      const target = resolveHttpOptions(flags, process.env);
      const names = await agentJson<string[]>(target, 'listing datacenters', { path: '/v1/catalog/datacenters' });
      if (format === 'json') return write(JSON.stringify(names, null, 2));
      write(names.length === 0 ? 'No datacenters found' : names.join('\n'));
    },
  );

  interface NodeFlags extends CommonFlags {
    service?: string;
    near?: string;
    nodeMeta?: string[];
    filter?: string;
    detailed?: boolean;
  }
  addCommonOptions(
    catalog
      .command('nodes')
      .description('Lists the nodes in the catalog')
      .option('--service <name>', 'only nodes running an instance of this service')
      .option('--near <node>', 'sorts by estimated round-trip time from this node (_agent: this agent)')
      .option('--node-meta <key=value>', 'only nodes with this metadata (repeatable)', collect)
      .option('--filter <expression>', 'a filter expression over the nodes')
      .option('--detailed', 'full IDs, tagged addresses and metadata'),
  ).action(async (flags: NodeFlags) => {
    const format = checkFormat(flags.format);
    const target = resolveHttpOptions(flags, process.env);
    const query = [...commonQuery(flags), ...nodeMetaQuery(flags.nodeMeta ?? [])];
    if (flags.near) query.push(['near', flags.near]);
    if (flags.filter) query.push(['filter', flags.filter]);
    let nodes: Node[];
    if (flags.service) {
      // Consul's CLI does the same: the service's instances, one row per node.
      const rows = await agentJson<CatalogService[]>(target, 'listing nodes', {
        path: `/v1/catalog/service/${encodeURIComponent(flags.service)}`,
        query,
      });
      const seen = new Map<string, Node>();
      for (const row of rows)
        if (!seen.has(row.Node))
          seen.set(row.Node, {
            ID: row.ID,
            Node: row.Node,
            Address: row.Address,
            Datacenter: row.Datacenter,
            TaggedAddresses: row.TaggedAddresses,
            Meta: row.NodeMeta,
            CreateIndex: row.CreateIndex,
            ModifyIndex: row.ModifyIndex,
          });
      nodes = [...seen.values()];
    } else {
      nodes = await agentJson<Node[]>(target, 'listing nodes', { path: '/v1/catalog/nodes', query });
    }
    if (format === 'json') return write(JSON.stringify(nodes, null, 2));
    write(formatNodes(nodes, flags.detailed === true));
  });

  interface ServiceFlags extends CommonFlags {
    node?: string;
    tags?: boolean;
    nodeMeta?: string[];
  }
  addCommonOptions(
    catalog
      .command('services')
      .description('Lists the services in the catalog')
      .option('--node <name>', 'only the services on this node')
      .option('--tags', 'shows each service with its tags')
      .option('--node-meta <key=value>', 'only services on nodes with this metadata (repeatable)', collect),
  ).action(async (flags: ServiceFlags) => {
    const format = checkFormat(flags.format);
    const target = resolveHttpOptions(flags, process.env);
    const query = [...commonQuery(flags), ...nodeMetaQuery(flags.nodeMeta ?? [])];
    let services: Record<string, string[]>;
    if (flags.node) {
      const answer = await agentJson<{ Services: Record<string, { Service: string; Tags: string[] }> } | null>(
        target,
        'listing services',
        { path: `/v1/catalog/node/${encodeURIComponent(flags.node)}`, query },
      );
      services = {};
      for (const service of Object.values(answer?.Services ?? {})) {
        const tags = new Set([...(services[service.Service] ?? []), ...(service.Tags ?? [])]);
        services[service.Service] = [...tags];
      }
    } else {
      services = await agentJson<Record<string, string[]>>(target, 'listing services', {
        path: '/v1/catalog/services',
        query,
      });
    }
    if (format === 'json') return write(JSON.stringify(services, null, 2));
    write(formatServices(services, flags.tags === true));
  });
}
