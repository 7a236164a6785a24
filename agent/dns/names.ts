// Parses a question name into what it asks for (Consul agent/dns.go `dispatch`): which zone it falls in (one of
// our domains, a reverse `arpa` name, or anything else to forward), then the lookup inside our domain. Pure:
// strings in, a discriminated union out. Matching is case-insensitive; names arrive without the trailing dot, as
// dns-packet decodes them.

export type DnsLookup =
  | {
      readonly kind: 'service';
      readonly service: string;
      /** Empty = no tag filter. */
      readonly tag: string;
      /** Null = the agent's datacenter. */
      readonly datacenter: string | null;
      readonly connect: boolean;
    }
  | { readonly kind: 'node'; readonly node: string; readonly datacenter: string | null }
  | { readonly kind: 'addr'; readonly address: DecodedAddress }
  | { readonly kind: 'query'; readonly query: string; readonly datacenter: string | null }
  /** A lookup kind Consul has that Lattice does not build yet (`ingress`, `virtual`). */
  | { readonly kind: 'unsupported'; readonly what: string }
  | { readonly kind: 'invalid' };

export interface DecodedAddress {
  readonly family: 4 | 6;
  /** Textual form (`10.0.0.6`, `2001:db8::1`). */
  readonly ip: string;
}

export type DnsZone =
  /** `labels` are the lower-cased labels left of the domain; `domain` is the matched domain, with a trailing dot. */
  | { readonly zone: 'domain'; readonly domain: string; readonly labels: readonly string[] }
  | { readonly zone: 'arpa' }
  | { readonly zone: 'other' };

/** Both domains as the config gives them (`consul.`), lower-cased with a trailing dot. */
export interface DnsDomains {
  readonly domain: string;
  readonly altDomain: string | null;
}

const kindLabels = new Set(['service', 'connect', 'virtual', 'ingress', 'node', 'query', 'addr']);

/** The configured domains, lower-cased, longest first: what zoneOf takes (computed once, not per query). */
export function orderDomains(domains: DnsDomains): readonly string[] {
  return [domains.domain, domains.altDomain]
    .filter((domain): domain is string => domain !== null && domain !== '.')
    .map((domain) => domain.toLowerCase())
    .sort((left, right) => right.length - left.length);
}

/** Which zone a question name (no trailing dot) belongs to; the longer of two matching domains wins. */
export function zoneOf(name: string, domainsLongestFirst: readonly string[]): DnsZone {
  const lower = `${name.toLowerCase()}.`;
  for (const domain of domainsLongestFirst) {
    if (lower === domain) return { zone: 'domain', domain, labels: [] };
    if (lower.endsWith(`.${domain}`)) {
      const rest = lower.slice(0, lower.length - domain.length - 1);
      return { zone: 'domain', domain, labels: rest.split('.') };
    }
  }
  if (lower === 'arpa.' || lower.endsWith('.arpa.')) return { zone: 'arpa' };
  return { zone: 'other' };
}

/**
 * The lookup named by the labels left of the domain. The rightmost kind label (`service`, `node`...) splits the
 * name into its parts and its locality suffix; for SRV questions a `_`-prefixed label also starts an RFC 2782
 * service name without `.service`.
 */
export function parseLookup(labels: readonly string[], questionType: string): DnsLookup {
  for (let position = labels.length - 1; position >= 0; position--) {
    const label = labels[position]!;
    if (kindLabels.has(label))
      return lookupOfKind(label, labels.slice(0, position), labels.slice(position + 1), questionType);
    if (questionType === 'SRV' && label.startsWith('_'))
      return lookupOfKind('service', labels.slice(0, position + 1), labels.slice(position + 1), questionType);
  }
  return { kind: 'invalid' };
}

function lookupOfKind(
  kind: string,
  parts: readonly string[],
  suffixes: readonly string[],
  _questionType: string,
): DnsLookup {
  if (parts.length === 0 || parts.some((part) => part === '')) return { kind: 'invalid' };
  if (kind === 'addr') {
    // <hex>.addr[.<dc>].<domain>: Consul ignores the suffix here.
    if (parts.length !== 1) return { kind: 'invalid' };
    const address = decodeHexAddress(parts[0]!);
    return address === null ? { kind: 'invalid' } : { kind: 'addr', address };
  }
  const datacenter = parseLocality(suffixes);
  if (datacenter === undefined) return { kind: 'invalid' };
  switch (kind) {
    case 'service':
      return { kind: 'service', datacenter, connect: false, ...serviceAndTag(parts) };
    case 'connect':
      // Consul takes the last part as the name and ignores any tag for connect lookups.
      return { kind: 'service', datacenter, connect: true, service: parts[parts.length - 1]!, tag: '' };
    case 'node':
      // A node name may contain dots: join the parts back.
      return { kind: 'node', node: parts.join('.'), datacenter };
    case 'query':
      return { kind: 'query', query: preparedQueryName(parts), datacenter };
    default:
      return { kind: 'unsupported', what: kind };
  }
}

/** `[]` = local, `[dc]` or `[dc, 'dc']` = that datacenter, anything else is not a name we answer. */
function parseLocality(suffixes: readonly string[]): string | null | undefined {
  if (suffixes.length === 0) return null;
  if (suffixes.length === 1) return suffixes[0]!;
  if (suffixes.length === 2 && suffixes[1] === 'dc') return suffixes[0]!;
  return undefined;
}

/** RFC 2782 `_name._tag` (`_tcp` = no tag), else `[tag.]name` where a tag may itself contain dots. */
function serviceAndTag(parts: readonly string[]): { service: string; tag: string } {
  const count = parts.length;
  if (count === 2 && parts[0]!.startsWith('_') && parts[1]!.startsWith('_')) {
    const tag = parts[1]!.slice(1);
    return { service: parts[0]!.slice(1), tag: tag === 'tcp' ? '' : tag };
  }
  return { service: parts[count - 1]!, tag: parts.slice(0, count - 1).join('.') };
}

/** `_name._proto.query` is the RFC 2782 form (protocol ignored); otherwise the parts joined are the name or ID. */
function preparedQueryName(parts: readonly string[]): string {
  const count = parts.length;
  if (count >= 2 && parts[0]!.startsWith('_') && parts[count - 1]!.startsWith('_'))
    return parts
      .slice(0, count - 1)
      .join('.')
      .slice(1);
  return parts.join('.');
}

/** `0a000006` → 10.0.0.6; 32 hex digits → an IPv6 address; anything else null. */
export function decodeHexAddress(hex: string): DecodedAddress | null {
  if (!/^[0-9a-f]+$/i.test(hex)) return null;
  if (hex.length === 8) {
    const octets = [0, 2, 4, 6].map((offset) => Number.parseInt(hex.slice(offset, offset + 2), 16));
    return { family: 4, ip: octets.join('.') };
  }
  if (hex.length === 32) {
    const groups: string[] = [];
    for (let offset = 0; offset < 32; offset += 4) groups.push(hex.slice(offset, offset + 4));
    return { family: 6, ip: compressIpv6(groups.map((group) => Number.parseInt(group, 16))) };
  }
  return null;
}

/** The `<hex>` label of `<hex>.addr.<dc>.<domain>` for an IP address (lower-case, as Consul's hex.EncodeToString). */
export function encodeHexAddress(ip: string): string | null {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return v4.map((octet) => octet.toString(16).padStart(2, '0')).join('');
  const v6 = parseIpv6(ip);
  if (v6 !== null) return v6.map((group) => group.toString(16).padStart(4, '0')).join('');
  return null;
}

/** The reverse-lookup name of an address without the trailing dot (`5.0.0.10.in-addr.arpa`), or null. */
export function reverseName(ip: string): string | null {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return `${[...v4].reverse().join('.')}.in-addr.arpa`;
  const v6 = parseIpv6(ip);
  if (v6 === null) return null;
  const nibbles = v6.flatMap((group) => group.toString(16).padStart(4, '0').split(''));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

export function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return octets.every((octet) => octet >= 0 && octet <= 255) ? octets : null;
}

/** Eight 16-bit groups, or null; accepts `::` and a trailing dotted IPv4 part (`::ffff:10.0.0.1`). */
export function parseIpv6(text: string): number[] | null {
  if (!text.includes(':')) return null;
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    const high = ((v4[0]! << 8) | v4[1]!).toString(16);
    const low = ((v4[2]! << 8) | v4[3]!).toString(16);
    body = `${body.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':').map((group) => (/^[0-9a-f]{1,4}$/i.test(group) ? Number.parseInt(group, 16) : -1));
    return groups.includes(-1) ? null : groups;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const known = head.length + rest.length;
  if (halves.length === 1) return known === 8 ? head : null;
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
}

function compressIpv6(groups: readonly number[]): string {
  // RFC 5952: the longest run of two or more zero groups becomes `::`.
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < groups.length; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - start > bestLength && end - start >= 2) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
