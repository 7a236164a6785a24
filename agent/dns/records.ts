// Builders for the resource records the DNS interface answers with (A/AAAA, CNAME, SRV, TXT, SOA, NS, PTR), in
// dns-packet's shapes. Pure; TTLs arrive in seconds. The rules for which address record a question type gets come
// from Consul's makeARecord: SRV, ANY, NS and TXT questions take either family, A and AAAA only their own.

import { isIP } from 'node:net';
import type { Answer } from 'dns-packet';

/** Consul's SOA defaults (dns_config.soa), seconds. */
export interface SoaSettings {
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minTtl: number;
}

export const defaultSoaSettings: SoaSettings = Object.freeze({ refresh: 3600, retry: 600, expire: 86400, minTtl: 0 });

/** 4 or 6 for an IP literal, 0 for anything else (a hostname). */
export function ipFamily(address: string): 0 | 4 | 6 {
  // node:net's parser is native and strict (no zone IDs, no leading zeros): cheap on the per-query path.
  return isIP(address) as 0 | 4 | 6;
}

const eitherFamily = new Set(['SRV', 'ANY', 'NS', 'TXT']);

/** The A or AAAA record for `ip` under `name`, or null when the question type does not take that family. */
export function addressRecord(questionType: string, name: string, ip: string, ttlSeconds: number): Answer | null {
  const family = ipFamily(ip);
  if (family === 4 && (questionType === 'A' || eitherFamily.has(questionType)))
    return { type: 'A', class: 'IN', name, ttl: ttlSeconds, data: ip };
  if (family === 6 && (questionType === 'AAAA' || eitherFamily.has(questionType)))
    return { type: 'AAAA', class: 'IN', name, ttl: ttlSeconds, data: ip };
  return null;
}

export function cnameRecord(name: string, target: string, ttlSeconds: number): Answer {
  return { type: 'CNAME', class: 'IN', name, ttl: ttlSeconds, data: withoutDot(target) };
}

export function srvRecord(name: string, weight: number, port: number, target: string, ttlSeconds: number): Answer {
  return {
    type: 'SRV',
    class: 'IN',
    name,
    ttl: ttlSeconds,
    // Priority is always 1 and weights are not used for ordering (answers are shuffled instead), as in Consul.
    data: { priority: 1, weight: clampUint16(weight), port: clampUint16(port), target: withoutDot(target) },
  };
}

export function ptrRecord(name: string, target: string, ttlSeconds: number): Answer {
  return { type: 'PTR', class: 'IN', name, ttl: ttlSeconds, data: withoutDot(target) };
}

export function nsRecord(zone: string, target: string, ttlSeconds: number): Answer {
  return { type: 'NS', class: 'IN', name: withoutDot(zone), ttl: ttlSeconds, data: withoutDot(target) };
}

/**
 * The zone's SOA: `ns.<domain>` and `hostmaster.<domain>` (Consul's makeSOARecord uses `hostmaster`), the serial is
 * the current Unix time in seconds, and the record's TTL equals min TTL so negative caching stays consistent.
 */
export function soaRecord(domain: string, settings: SoaSettings, serialSeconds: number): Answer {
  const zone = withoutDot(domain);
  return {
    type: 'SOA',
    class: 'IN',
    name: zone,
    ttl: settings.minTtl,
    data: {
      mname: `ns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: serialSeconds >>> 0,
      refresh: settings.refresh,
      retry: settings.retry,
      expire: settings.expire,
      minimum: settings.minTtl,
    },
  };
}

/** One TXT record per node meta entry: `key=value` (RFC 1464 escaping), or the bare value for `rfc1035-` keys. */
export function nodeMetaTxtRecords(name: string, meta: Readonly<Record<string, string>>, ttlSeconds: number): Answer[] {
  return Object.entries(meta).map(([key, value]) => {
    const text = key.toLowerCase().startsWith('rfc1035-') ? value : encodeRfc1464(key, value);
    return { type: 'TXT', class: 'IN', name, ttl: ttlSeconds, data: characterStrings(text) };
  });
}

/** RFC 1464: backquote `` ` `` and `=` in the key, and its leading and trailing spaces; backquote `` ` `` in the value. */
export function encodeRfc1464(key: string, value: string): string {
  let escapedKey = key.replaceAll('`', '``').replaceAll('=', '`=');
  escapedKey = escapedKey.replace(/^ +/, (spaces) => '` '.repeat(spaces.length));
  escapedKey = escapedKey.replace(/ +$/, (spaces) => '` '.repeat(spaces.length));
  return `${escapedKey}=${value.replaceAll('`', '``')}`;
}

/** A TXT character-string holds at most 255 bytes: longer text is split into several. */
function characterStrings(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 255) pieces.push(bytes.subarray(offset, offset + 255));
  return pieces.length === 0 ? [Buffer.alloc(0)] : pieces;
}

export function withoutDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function clampUint16(value: number): number {
  return Number.isFinite(value) ? Math.min(0xffff, Math.max(0, Math.trunc(value))) : 0;
}
