// Answers one question inside our zones (Consul agent/dns.go handleQuery, dispatch, handlePtr): it reads the
// catalog through the RPC client (stale reads unless allow_stale is off) and builds the answer, authority and
// additional sections. It never touches sockets: forwarding, truncation and encoding belong to the handler.

import type { Answer } from 'dns-packet';
import type { Clock } from '../../lib/clock.js';
import { parseDuration } from '../../lib/duration.js';
import { NotImplementedError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { type Rand, shuffleInPlace } from '../../lib/rand.js';
import { NotFoundError as RpcNotFoundError } from '../../server/rpc/errors.js';
import {
  type CallOptions,
  defaultQueryOptions,
  type QueryOptions,
  type QueryReply,
  type RpcClient,
} from '../../server/rpc/methods.js';
import type { PreparedQueryExecuteReply } from '../../server/state/prepared-query-execute.js';
import { emptyQuerySource } from '../../server/state/prepared-query-types.js';
import type { Node, ServiceEntry } from '../../server/state/types.js';
import { CoarseDeadlines } from './deadline.js';
import { dnsDefaults } from './defaults.js';
import { healthyEntries, srvWeight } from './health.js';
import {
  type DnsDomains,
  type DnsLookup,
  encodeHexAddress,
  orderDomains,
  parseLookup,
  reverseName,
  zoneOf,
} from './names.js';
import { type Rcode, rcodeForError } from './rcode.js';
import {
  addressRecord,
  cnameRecord,
  ipFamily,
  nodeMetaTxtRecords,
  nsRecord,
  ptrRecord,
  type SoaSettings,
  soaRecord,
  srvRecord,
  withoutDot,
} from './records.js';
import { serviceTtlSeconds, toSeconds } from './ttl.js';

export interface DnsResolverComponents {
  readonly rpc: RpcClient;
  readonly rand: Rand;
  readonly clock: Clock;
  readonly log: Logger;
  /** Asks the recursors for a hostname's A records (absent without recursors: external names stay unresolved). */
  readonly lookupExternal?: (name: string) => Promise<readonly Answer[]>;
}

export interface DnsResolverConfig extends DnsDomains {
  readonly datacenter: string;
  /** This agent's node: prepared queries sort `_agent` near it. */
  readonly nodeName?: string;
  readonly allowStale: boolean;
  readonly maxStaleMs: number;
  readonly onlyPassing: boolean;
  readonly aRecordLimit: number;
  readonly nodeTtlMs: number;
  readonly serviceTtlMs: Readonly<Record<string, number>>;
  readonly enableAdditionalNodeMetaTxt: boolean;
  readonly soa: SoaSettings;
  /** Recursors are configured: PTR misses are forwarded instead of answered NXDOMAIN. */
  readonly recursorsConfigured: boolean;
}

export interface DnsQuestion {
  /** As asked, without the trailing dot (answers repeat the asker's spelling). */
  readonly name: string;
  readonly type: string;
  /** The asker's address ('' when unknown): prepared queries with `Near: "_ip"` sort near the node that has it. */
  readonly clientIp?: string;
}

export type Resolution =
  | {
      readonly kind: 'answer';
      readonly rcode: Rcode;
      readonly answers: readonly Answer[];
      readonly authorities: readonly Answer[];
      readonly additionals: readonly Answer[];
    }
  /** Not ours to answer: forward to the recursors (the handler answers REFUSED when there are none). */
  | { readonly kind: 'forward' };

/** Consul's limit on NS records: "don't provide more than 3 servers". */
const nameServerCountMax = 3;
/** Consul's maxRecursionLevelDefault: a hostname inside our domain is resolved through at most this many hops. */
const recursionLevelMax = 3;
/** Consul's maxRecurseRecords: records kept from resolving one external hostname. */
const recurseRecordCountMax = 5;

class Sections {
  readonly answers: Answer[] = [];
  readonly authorities: Answer[] = [];
  readonly additionals: Answer[] = [];
}

export class DnsResolver {
  private readonly domains: readonly string[];
  private readonly deadlines: CoarseDeadlines;

  constructor(
    private readonly components: DnsResolverComponents,
    readonly config: DnsResolverConfig,
  ) {
    this.domains = orderDomains(config);
    this.deadlines = new CoarseDeadlines(components.clock, dnsDefaults.lookupTimeoutMs);
  }

  async resolve(question: DnsQuestion): Promise<Resolution> {
    const zone = zoneOf(question.name, this.domains);
    if (zone.zone === 'other') return { kind: 'forward' };
    if (zone.zone === 'arpa') return this.resolvePtr(question);
    const sections = new Sections();
    let rcode: Rcode = 'NOERROR';
    try {
      switch (question.type) {
        case 'SOA':
          sections.answers.push(this.soa(zone.domain));
          await this.addNameServers(zone.domain, sections.authorities, sections.additionals);
          break;
        case 'NS':
          await this.addNameServers(zone.domain, sections.answers, sections.additionals);
          break;
        case 'AXFR':
        case 'IXFR':
          rcode = 'NOTIMP';
          break;
        default: {
          const lookup = parseLookup(zone.labels, question.type);
          const outcome = await this.dispatch(lookup, question, zone.domain, sections, recursionLevelMax);
          rcode = outcome === 'nxdomain' ? 'NXDOMAIN' : 'NOERROR';
          // NXDOMAIN and NODATA (NOERROR, no answer) carry the SOA for negative caching (RFC 2308).
          if (outcome === 'nxdomain' || outcome === 'nodata') sections.authorities.push(this.soa(zone.domain));
        }
      }
    } catch (error) {
      rcode = rcodeForError(error);
      if (error instanceof NotImplementedError)
        this.components.log.warn({ question: question.name, type: question.type }, error.message);
      else this.components.log.warn({ err: error, question: question.name }, 'DNS lookup failed');
      const failed = new Sections();
      if (rcode === 'NXDOMAIN') failed.authorities.push(this.soa(zone.domain));
      return { kind: 'answer', rcode, ...failed };
    }
    return { kind: 'answer', rcode, ...sections };
  }

  /** 'found': answers added; 'nodata': the name exists without records of the type; 'nxdomain': no such name. */
  private async dispatch(
    lookup: DnsLookup,
    question: DnsQuestion,
    domain: string,
    sections: Sections,
    recursionLevel: number,
  ): Promise<'found' | 'nodata' | 'nxdomain' | 'empty'> {
    switch (lookup.kind) {
      case 'service':
        return this.serviceLookup(lookup, question, domain, sections, recursionLevel);
      case 'node':
        return this.nodeLookup(lookup.node, lookup.datacenter, question, sections, recursionLevel);
      case 'addr': {
        const ttlSeconds = toSeconds(this.config.nodeTtlMs);
        const asked = question.type === 'ANY' || question.type === (lookup.address.family === 4 ? 'A' : 'AAAA');
        const record = addressRecord('ANY', question.name, lookup.address.ip, ttlSeconds)!;
        // Consul answers NOERROR either way, with the record in ADDITIONAL when another type was asked.
        (asked ? sections.answers : sections.additionals).push(record);
        return 'empty';
      }
      case 'query':
        return this.preparedQueryLookup(lookup, question, domain, sections, recursionLevel);
      case 'unsupported':
        throw new NotImplementedError(`DNS ${lookup.what} lookups`);
      case 'invalid':
        this.components.log.debug({ question: question.name }, 'DNS name invalid');
        return 'nxdomain';
    }
  }

  private async serviceLookup(
    lookup: Extract<DnsLookup, { kind: 'service' }>,
    question: DnsQuestion,
    domain: string,
    sections: Sections,
    recursionLevel: number,
  ): Promise<'found' | 'nodata' | 'nxdomain'> {
    const datacenter = lookup.datacenter ?? this.config.datacenter;
    const reply = await this.read(datacenter, (options) =>
      this.components.rpc.call(
        'Health.ServiceNodes',
        {
          ServiceName: lookup.service,
          ServiceTags: lookup.tag === '' ? [] : [lookup.tag],
          PassingOnly: false,
          Connect: lookup.connect,
        },
        options,
      ),
    );
    const entries = healthyEntries(reply.value, this.config.onlyPassing);
    if (entries.length === 0) return 'nxdomain';
    shuffleInPlace(entries, this.components.rand);
    const ttlSeconds = serviceTtlSeconds(this.config.serviceTtlMs, lookup.service);
    const builder = new ServiceRecords(this.config, question, domain, datacenter, ttlSeconds);
    if (question.type === 'SRV') builder.addSrv(entries, sections);
    else builder.addAddresses(entries, sections);
    await this.resolveHostnames(sections, ttlSeconds, recursionLevel);
    return sections.answers.length > 0 ? 'found' : 'nodata';
  }

  /**
   * Consul's preparedQueryLookup: the query runs on the servers (template rendering, health, tags, failover, and
   * `_agent` sorting near this agent); its answer becomes records like a service's. TTL: the query's DNS.TTL, else
   * dns_config.service_ttl for the service. An unknown query or no instance is NXDOMAIN; other failures SERVFAIL.
   */
  private async preparedQueryLookup(
    lookup: Extract<DnsLookup, { kind: 'query' }>,
    question: DnsQuestion,
    domain: string,
    sections: Sections,
    recursionLevel: number,
  ): Promise<'found' | 'nodata' | 'nxdomain'> {
    const datacenter = lookup.datacenter ?? this.config.datacenter;
    const agent = { Datacenter: this.config.datacenter, Segment: '', Node: this.config.nodeName ?? '', Ip: '' };
    let reply: QueryReply<PreparedQueryExecuteReply>;
    try {
      reply = await this.read(datacenter, (options) =>
        this.components.rpc.call(
          'PreparedQuery.Execute',
          // DNS has no way to pass `?near` or a limit; the asker's address serves `Near: "_ip"` (EDNS
          // client-subnet, which Consul prefers when present, is not read yet).
          {
            QueryIDOrName: lookup.query,
            Limit: 0,
            Connect: false,
            Source: { ...emptyQuerySource, Ip: question.clientIp ?? '' },
            Agent: agent,
          },
          options,
        ),
      );
    } catch (error) {
      // Consul: "If they give a bogus query name, treat that as a name error, not a full on server error."
      if (error instanceof RpcNotFoundError) return 'nxdomain';
      throw error;
    }
    const out = reply.value;
    if (out.Nodes.length === 0) return 'nxdomain';
    const ttlSeconds = this.preparedQueryTtlSeconds(out.DNS.TTL, out.Service);
    const builder = new ServiceRecords(this.config, question, domain, out.Datacenter, ttlSeconds);
    if (question.type === 'SRV') builder.addSrv(out.Nodes, sections);
    else builder.addAddresses(out.Nodes, sections);
    await this.resolveHostnames(sections, ttlSeconds, recursionLevel);
    return sections.answers.length > 0 ? 'found' : 'nodata';
  }

  /** The query's DNS.TTL (validated when stored; a bad one is logged and read as 0, as Consul does). */
  private preparedQueryTtlSeconds(ttl: string, service: string): number {
    if (ttl === '') return serviceTtlSeconds(this.config.serviceTtlMs, service);
    try {
      return toSeconds(parseDuration(ttl));
    } catch (error) {
      this.components.log.warn({ err: error, ttl }, 'Failed to parse TTL for prepared query, ignoring');
      return 0;
    }
  }

  /**
   * Consul's resolveCNAME: a CNAME answer gets its target's records after it, and an SRV target that is a hostname
   * gets them in ADDITIONAL; names in our domain are answered here, others by the recursors.
   */
  private async resolveHostnames(sections: Sections, ttlSeconds: number, recursionLevel: number): Promise<void> {
    const first = sections.answers[0];
    if (first?.type === 'CNAME' && sections.answers.length === 1)
      sections.answers.push(...(await this.hostnameRecords(first.data, ttlSeconds, recursionLevel)));
    const glued = new Set(sections.additionals.map((record) => withoutDot(record.name).toLowerCase()));
    for (const answer of [...sections.answers]) {
      if (answer.type !== 'SRV') continue;
      const target = withoutDot(answer.data.target).toLowerCase();
      if (glued.has(target)) continue;
      glued.add(target);
      sections.additionals.push(...(await this.hostnameRecords(answer.data.target, ttlSeconds, recursionLevel)));
    }
  }

  private async hostnameRecords(name: string, ttlSeconds: number, recursionLevel: number): Promise<Answer[]> {
    const zone = zoneOf(withoutDot(name), this.domains);
    if (zone.zone === 'domain') {
      if (recursionLevel < 1) {
        this.components.log.error({ question: name }, 'Infinite recursion detected for name, no CNAME resolution');
        return [];
      }
      const inner = new Sections();
      const question = { name: withoutDot(name), type: 'ANY' };
      await this.dispatch(parseLookup(zone.labels, 'ANY'), question, zone.domain, inner, recursionLevel - 1).catch(
        (error: unknown) => this.components.log.warn({ err: error, question: name }, 'CNAME target lookup failed'),
      );
      return inner.answers.filter((record) => record.type !== 'TXT');
    }
    const lookupExternal = this.components.lookupExternal;
    if (lookupExternal === undefined) return [];
    const records = await lookupExternal(withoutDot(name)).catch((error: unknown) => {
      this.components.log.warn({ err: error, question: name }, 'cname recurse failed for name');
      return [];
    });
    return records
      .filter((record) => record.type === 'A' || record.type === 'AAAA' || record.type === 'CNAME')
      .slice(0, recurseRecordCountMax)
      .map((record) => ({ ...record, ttl: ttlSeconds }) as Answer);
  }

  private async nodeLookup(
    node: string,
    datacenterAsked: string | null,
    question: DnsQuestion,
    sections: Sections,
    recursionLevel: number,
  ): Promise<'found' | 'nxdomain' | 'empty'> {
    // Consul answers other types for a node name with an empty NOERROR (no SOA), whether the node exists or not.
    if (!['ANY', 'A', 'AAAA', 'TXT'].includes(question.type)) return 'empty';
    const datacenter = datacenterAsked ?? this.config.datacenter;
    const reply = await this.read(datacenter, (options) =>
      this.components.rpc.call('Catalog.NodeServices', { Node: node }, options),
    );
    if (reply.value === null) return 'nxdomain';
    const found = reply.value.Node;
    const ttlSeconds = toSeconds(this.config.nodeTtlMs);
    if (question.type !== 'TXT') {
      sections.answers.push(...nodeAddressRecords(found, question, ttlSeconds));
      await this.resolveHostnames(sections, ttlSeconds, recursionLevel);
    }
    if (this.config.enableAdditionalNodeMetaTxt || question.type === 'TXT' || question.type === 'ANY') {
      const target = question.type === 'TXT' || question.type === 'ANY' ? sections.answers : sections.additionals;
      target.push(...nodeMetaTxtRecords(question.name, found.Meta, ttlSeconds));
    }
    return 'empty';
  }

  /** Reverse lookups: the first node whose address reverses to the name; misses are forwarded or NXDOMAIN. */
  private async resolvePtr(question: DnsQuestion): Promise<Resolution> {
    const sections = new Sections();
    const wanted = question.name.toLowerCase();
    try {
      const reply = await this.read(this.config.datacenter, (options) =>
        this.components.rpc.call('Catalog.ListNodes', {}, options),
      );
      const node = reply.value.find((candidate) => reverseName(candidate.Address) === wanted);
      if (node !== undefined)
        sections.answers.push(
          ptrRecord(
            question.name,
            nodeName(node.Node, node.Datacenter || this.config.datacenter, this.config.domain),
            0,
          ),
        );
    } catch (error) {
      // Consul ignores a failed node list here and falls through to "not found".
      this.components.log.warn({ err: error, question: question.name }, 'DNS reverse lookup could not list nodes');
    }
    if (question.type === 'SOA') sections.answers.unshift(this.soa(this.config.domain));
    if (sections.answers.length === 0 || (question.type === 'SOA' && sections.answers.length === 1)) {
      if (this.config.recursorsConfigured) return { kind: 'forward' };
      sections.authorities.push(this.soa(this.config.domain));
      return { kind: 'answer', rcode: 'NXDOMAIN', ...sections };
    }
    return { kind: 'answer', rcode: 'NOERROR', ...sections };
  }

  /** Up to three servers (the `consul` service) as NS records of the zone, with their addresses as glue. */
  private async addNameServers(domain: string, target: Answer[], glue: Answer[]): Promise<void> {
    let entries: ServiceEntry[];
    try {
      const reply = await this.read(this.config.datacenter, (options) =>
        this.components.rpc.call(
          'Health.ServiceNodes',
          { ServiceName: 'consul', ServiceTags: [], PassingOnly: false, Connect: false },
          options,
        ),
      );
      entries = healthyEntries(reply.value, this.config.onlyPassing);
    } catch (error) {
      this.components.log.warn({ err: error }, 'Unable to get list of servers');
      return;
    }
    shuffleInPlace(entries, this.components.rand);
    const ttlSeconds = toSeconds(this.config.nodeTtlMs);
    let count = 0;
    for (const entry of entries) {
      if (!/^[a-z0-9-]+$/i.test(entry.Node.Node)) continue; // not a valid DNS label: Consul skips it too
      const fqdn = nodeName(entry.Node.Node, entry.Node.Datacenter, domain).toLowerCase();
      target.push(nsRecord(domain, fqdn, ttlSeconds));
      glue.push(...nodeAddressRecords(entry.Node, { name: fqdn, type: 'ANY' }, ttlSeconds));
      if (++count >= nameServerCountMax) return;
    }
  }

  private soa(domain: string): Answer {
    return soaRecord(domain, this.config.soa, Math.floor(this.components.clock.wallMs() / 1000));
  }

  /** A stale read unless allow_stale is off; a reply staler than max_stale is asked again of the leader. */
  private async read<T>(
    datacenter: string,
    call: (options: CallOptions) => Promise<QueryReply<T>>,
  ): Promise<QueryReply<T>> {
    const signal = this.deadlines.signal();
    const query = (consistency: QueryOptions['consistency']): CallOptions => ({
      signal,
      context: { datacenter, token: '' },
      query: { ...defaultQueryOptions, consistency },
    });
    if (!this.config.allowStale) return call(query('default'));
    const reply = await call(query('stale'));
    if (reply.meta.lastContactMs <= this.config.maxStaleMs) return reply;
    this.components.log.warn('Query results too stale, re-requesting');
    return call(query('default'));
  }
}

/** `<node>.node.<dc>.<domain>` (domain with its trailing dot removed). */
export function nodeName(node: string, datacenter: string, domain: string): string {
  return `${node}.node.${datacenter}.${withoutDot(domain)}`;
}

/** Type and data of a record, for deduplication. */
function recordKey(record: Answer): string {
  if (!('data' in record)) return record.type;
  return `${record.type} ${typeof record.data === 'string' ? record.data : JSON.stringify(record.data)}`;
}

/** A/AAAA for an IP node address, a CNAME for a hostname (Consul's makeRecordFromNode). */
function nodeAddressRecords(node: Node, question: DnsQuestion, ttlSeconds: number): Answer[] {
  if (ipFamily(node.Address) === 0) return [cnameRecord(question.name, node.Address, ttlSeconds)];
  const record = addressRecord(question.type, question.name, node.Address, ttlSeconds);
  return record === null ? [] : [record];
}

/** Builds the records of one service lookup (Consul's makeNodeServiceRecords and its callers). */
class ServiceRecords {
  constructor(
    private readonly config: DnsResolverConfig,
    private readonly question: DnsQuestion,
    private readonly domain: string,
    private readonly datacenter: string,
    private readonly ttlSeconds: number,
  ) {}

  /** A/AAAA answers (CNAME for hostnames, used only when no instance has an IP), deduplicated, a_record_limit. */
  addAddresses(entries: readonly ServiceEntry[], sections: Sections): void {
    const seen = new Set<string>();
    let firstCname: Answer[] | null = null;
    let count = 0;
    for (const entry of entries) {
      const records = this.recordsFor(entry).answers;
      const first = records[0];
      if (first === undefined) continue;
      const key = recordKey(first);
      if (seen.has(key)) continue; // the same address twice (one node, several ports)
      seen.add(key);
      if (first.type === 'CNAME') {
        firstCname ??= records;
        continue;
      }
      sections.answers.push(...records);
      if (++count === this.config.aRecordLimit) return;
    }
    if (sections.answers.length === 0 && firstCname !== null) sections.answers.push(...firstCname);
  }

  /** SRV answers with the targets' address records (and node meta TXT) in ADDITIONAL. */
  addSrv(entries: readonly ServiceEntry[], sections: Sections): void {
    const seen = new Set<string>();
    const seenAdditional = new Set<string>();
    for (const entry of entries) {
      const tuple = `${entry.Node.Node}:${entry.Service.Address}:${entry.Service.Port}`;
      if (seen.has(tuple)) continue;
      seen.add(tuple);
      const { answers, additionals } = this.recordsFor(entry);
      sections.answers.push(...answers);
      const extra = [...additionals];
      if (this.config.enableAdditionalNodeMetaTxt && answers.length > 0)
        extra.push(...nodeMetaTxtRecords(this.nodeTarget(entry), entry.Node.Meta, this.ttlSeconds));
      for (const record of extra) {
        const key = `${record.name} ${recordKey(record)}`;
        if (seenAdditional.has(key)) continue;
        seenAdditional.add(key);
        sections.additionals.push(record);
      }
    }
  }

  private recordsFor(entry: ServiceEntry): { answers: Answer[]; additionals: Answer[] } {
    const serviceAddress = entry.Service.Address;
    const nodeAddress = entry.Node.Address;
    if (serviceAddress === '' && nodeAddress === '') return { answers: [], additionals: [] };
    if (serviceAddress === '' || serviceAddress === nodeAddress) {
      if (ipFamily(nodeAddress) !== 0) return this.fromIp(entry, nodeAddress, () => this.nodeTarget(entry));
      return this.fromHostname(entry, nodeAddress);
    }
    if (ipFamily(serviceAddress) !== 0)
      return this.fromIp(entry, serviceAddress, () => this.addrTarget(serviceAddress));
    // A service address naming the question itself would loop: answer with the node's address instead.
    if (withoutDot(serviceAddress).toLowerCase() === this.question.name.toLowerCase() && ipFamily(nodeAddress) !== 0)
      return this.fromIp(entry, nodeAddress, () => this.nodeTarget(entry));
    return this.fromHostname(entry, serviceAddress);
  }

  /** `targetOf` is called only for SRV: the hex `.addr.` name costs more than the A record itself. */
  private fromIp(
    entry: ServiceEntry,
    ip: string,
    targetOf: () => string,
  ): { answers: Answer[]; additionals: Answer[] } {
    if (this.question.type !== 'SRV') {
      const record = addressRecord(this.question.type, this.question.name, ip, this.ttlSeconds);
      return { answers: record === null ? [] : [record], additionals: [] };
    }
    const srvTarget = targetOf();
    const glue = addressRecord('SRV', srvTarget, ip, this.ttlSeconds)!;
    return {
      answers: [srvRecord(this.question.name, srvWeight(entry), entry.Service.Port, srvTarget, this.ttlSeconds)],
      additionals: [glue],
    };
  }

  /** An external service (hostname address): SRV targets the hostname; other types get a CNAME to it. */
  private fromHostname(entry: ServiceEntry, hostname: string): { answers: Answer[]; additionals: Answer[] } {
    if (this.question.type === 'SRV')
      return {
        answers: [srvRecord(this.question.name, srvWeight(entry), entry.Service.Port, hostname, this.ttlSeconds)],
        additionals: [],
      };
    return { answers: [cnameRecord(this.question.name, hostname, this.ttlSeconds)], additionals: [] };
  }

  private nodeTarget(entry: ServiceEntry): string {
    return nodeName(entry.Node.Node, this.datacenter, this.domain);
  }

  private addrTarget(ip: string): string {
    return `${encodeHexAddress(ip)}.addr.${this.datacenter}.${withoutDot(this.domain)}`;
  }
}
