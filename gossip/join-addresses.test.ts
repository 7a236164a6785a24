// Proves join addresses are resolved as memberlist's resolveAddr does, on a fake resolver: IPs pass unchanged, a
// name becomes every address it has (IPv6 bracketed), repeats collapse, and a name that does not resolve is named
// with Go's resolver wording ("lookup x: no such host") while the others still count.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LookupHost, resolveJoinAddresses } from './join-addresses.js';

const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
const lookupHost: LookupHost = async (host) => {
  const table: Record<string, string[]> = { 'seed.test': ['10.0.0.1', 'fd00::1'], 'empty.test': [] };
  const addresses = table[host];
  if (addresses === undefined) throw notFound;
  return addresses;
};

describe('resolveJoinAddresses', () => {
  const cases: { name: string; addresses: string[]; seeds: string[]; failures: string[] }[] = [
    {
      name: 'keeps IPs',
      addresses: ['10.0.0.9:8301', '[fd00::9]:8301'],
      seeds: ['10.0.0.9:8301', '[fd00::9]:8301'],
      failures: [],
    },
    {
      name: 'expands a name to all its addresses',
      addresses: ['seed.test:8301'],
      seeds: ['10.0.0.1:8301', '[fd00::1]:8301'],
      failures: [],
    },
    {
      name: 'drops repeats',
      addresses: ['seed.test:8301', '10.0.0.1:8301'],
      seeds: ['10.0.0.1:8301', '[fd00::1]:8301'],
      failures: [],
    },
    {
      name: 'names a host that does not exist',
      addresses: ['nosuch.invalid:8301', '10.0.0.9:8301'],
      seeds: ['10.0.0.9:8301'],
      failures: ['Failed to resolve nosuch.invalid:8301: lookup nosuch.invalid: no such host'],
    },
    {
      name: 'treats an empty answer as no such host',
      addresses: ['empty.test:8302'],
      seeds: [],
      failures: ['Failed to resolve empty.test:8302: lookup empty.test: no such host'],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const resolved = await resolveJoinAddresses(testCase.addresses, lookupHost);
      assert.deepEqual(
        { seeds: resolved.seeds, failures: resolved.failures },
        { seeds: testCase.seeds, failures: testCase.failures },
      );
    });
  }
});
