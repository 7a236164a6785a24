// Proves the compiled decision table decides as Consul does: wildcard matching on both sides, the most precise
// intention wins, deny wins a tie, L7 intentions mean "no" at L4 and per-request decisions at L7, unmatched traffic
// gets the default, peered sources never match local callers; and, over seeded random intention sets, the table
// agrees with a plain sort-and-scan of the list.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { type Intention, type IntentionInit, normalizeIntention } from './model.js';
import { sortIntentions } from './precedence.js';
import { compileIntentionTable } from './table.js';

const make = (init: IntentionInit) => normalizeIntention(init);
const allow = (SourceName: string, DestinationName: string, extra: Partial<IntentionInit> = {}) =>
  make({ SourceName, DestinationName, Action: 'allow', ...extra });
const deny = (SourceName: string, DestinationName: string, extra: Partial<IntentionInit> = {}) =>
  make({ SourceName, DestinationName, Action: 'deny', ...extra });

describe('intention decision table', () => {
  it('takes the most precise intention: exact beats source wildcard beats destination wildcard', () => {
    const table = compileIntentionTable(
      [deny('*', '*'), allow('web', '*'), deny('*', 'db'), allow('web', 'db'), allow('*', 'api')],
      { defaultAllow: false },
    );
    const cases: [string, string, boolean, number | null][] = [
      ['web', 'db', true, 9],
      ['other', 'db', false, 8],
      ['web', 'cache', true, 6],
      ['other', 'cache', false, 5],
      ['other', 'api', true, 8],
    ];
    for (const [source, destination, allowed, precedence] of cases) {
      const decision = table.decide(source, destination);
      assert.equal(decision.allowed, allowed, `${source} → ${destination}`);
      assert.equal(decision.intention?.Precedence ?? null, precedence, `${source} → ${destination}`);
    }
  });

  it('falls back to the default, naming where it came from', () => {
    const aclDefault = compileIntentionTable([allow('web', 'db')], true);
    assert.equal(compileIntentionTable([], false).decide('x', 'y').allowed, false);
    assert.deepEqual(
      { allowed: aclDefault.decide('x', 'y').allowed, reason: aclDefault.decide('x', 'y').reason },
      { allowed: true, reason: 'Default behavior configured by ACLs' },
    );
    const policy = compileIntentionTable([], { defaultAllow: false, defaultSource: 'intention-policy' });
    assert.equal(policy.decide('x', 'y').allowed, false);
    assert.equal(policy.decide('x', 'y').reason, 'Default intention policy');
    assert.equal(policy.decide('x', 'y').kind, 'default');
  });

  it('deny wins a tie on the same pair, and an L7 intention beats an allow', () => {
    const tied = compileIntentionTable([allow('web', 'db', { ID: 'a' }), deny('web', 'db', { ID: 'b' })], {
      defaultAllow: true,
    });
    assert.equal(tied.decide('web', 'db').allowed, false);
    assert.equal(tied.decide('web', 'db').intention?.ID, 'b');
    const l7 = make({
      SourceName: 'web',
      DestinationName: 'db',
      Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }],
    });
    assert.equal(
      compileIntentionTable([allow('web', 'db'), l7], { defaultAllow: true }).decide('web', 'db').kind,
      'l7',
    );
    assert.equal(
      compileIntentionTable([l7, deny('web', 'db')], { defaultAllow: true }).decide('web', 'db').kind,
      'deny',
    );
  });

  it('an L7 intention is "not allowed" at L4 and decides each request by its permissions', () => {
    const l7 = make({
      ID: 'l7',
      SourceName: 'web',
      DestinationName: 'db',
      Permissions: [
        { Action: 'deny', HTTP: { PathPrefix: '/admin' } },
        { Action: 'allow', HTTP: { PathPrefix: '/', Methods: ['GET'] } },
      ],
    });
    for (const defaultAllow of [true, false]) {
      const table = compileIntentionTable([l7, deny('*', 'db')], { defaultAllow });
      const decision = table.decide('web', 'db');
      assert.equal(decision.kind, 'l7');
      assert.equal(decision.allowed, false);
      assert.match(decision.reason, /^Matched L7 intention: web => db \(/);
      const get = (method: string, path: string) => table.decideRequest('web', 'db', { method, path, headers: {} });
      assert.equal(get('GET', '/admin/x').allowed, false);
      assert.equal(get('GET', '/admin/x').permissionPosition, 0);
      assert.equal(get('GET', '/items').allowed, true);
      // No permission matches: the default decides, not the lower-precedence `* → db` deny.
      assert.equal(get('POST', '/items').allowed, defaultAllow);
      assert.equal(get('POST', '/items').permissionPosition, null);
    }
  });

  it('an L4 intention decides every request the same way', () => {
    const table = compileIntentionTable([deny('web', 'db'), allow('api', 'db')], { defaultAllow: true });
    assert.equal(table.decideRequest('web', 'db', { method: 'GET', path: '/', headers: {} }).allowed, false);
    assert.equal(table.decideRequest('api', 'db', { method: 'GET', path: '/', headers: {} }).allowed, true);
    assert.equal(table.decideRequest('x', 'y', { method: 'GET', path: '/', headers: {} }).allowed, true);
  });

  it('matches namespaces, including the wildcard namespace', () => {
    const table = compileIntentionTable(
      [
        allow('web', 'db', { SourceNS: 'team-a' }),
        deny('*', '*', { SourceNS: '*', DestinationNS: 'default' }),
        allow('*', '*', { SourceNS: '*', DestinationNS: '*' }),
      ],
      { defaultAllow: false },
    );
    assert.equal(table.decide({ name: 'web', namespace: 'team-a' }, 'db').allowed, true);
    assert.equal(table.decide({ name: 'web', namespace: 'team-b' }, 'db').allowed, false);
    assert.equal(table.decide('web', { name: 'db', namespace: 'other' }).allowed, true);
    assert.equal(table.decide('web', 'db').intention?.Precedence, 4);
  });

  it('ignores peered sources for local callers', () => {
    const table = compileIntentionTable([deny('web', 'db', { SourcePeer: 'cluster-2' })], { defaultAllow: true });
    assert.equal(table.decide('web', 'db').allowed, true);
    assert.equal(table.size, 0);
  });

  it('agrees with sort-and-scan over seeded random intention sets', () => {
    const names = ['a', 'b', 'c', '*'];
    const namespaces = ['default', 'ns1', '*'];
    for (const seed of [1, 2, 3, 42, 1234]) {
      const rand = new SeededRand(seed);
      const pick = <T>(items: readonly T[]) => items[rand.intBelow(items.length)]!;
      const intentions: Intention[] = [];
      for (let count = 0; count < 30; count++) {
        const SourceNS = pick(namespaces);
        const DestinationNS = pick(namespaces);
        intentions.push(
          make({
            SourceNS,
            SourceName: SourceNS === '*' ? '*' : pick(names),
            DestinationNS,
            DestinationName: DestinationNS === '*' ? '*' : pick(names),
            Action: rand.intBelow(2) === 0 ? 'allow' : 'deny',
          }),
        );
      }
      const table = compileIntentionTable(intentions, { defaultAllow: seed % 2 === 0 });
      for (const sourceNs of ['default', 'ns1', 'ns2']) {
        for (const destinationNs of ['default', 'ns1', 'ns2']) {
          for (const source of ['a', 'b', 'c', 'd']) {
            for (const destination of ['a', 'b', 'c', 'd']) {
              const expected = scan(intentions, sourceNs, source, destinationNs, destination, seed % 2 === 0);
              const actual = table.decide(
                { name: source, namespace: sourceNs },
                { name: destination, namespace: destinationNs },
              );
              assert.equal(
                actual.allowed,
                expected,
                `seed ${seed}: ${sourceNs}/${source} → ${destinationNs}/${destination}`,
              );
            }
          }
        }
      }
    }
  });
});

/** The obvious algorithm: sort by precedence, take every match at the first matching precedence, deny wins. */
function scan(
  intentions: readonly Intention[],
  sourceNs: string,
  source: string,
  destinationNs: string,
  destination: string,
  defaultAllow: boolean,
): boolean {
  const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;
  const matching = sortIntentions(intentions).filter(
    (intention) =>
      matches(intention.SourceNS, sourceNs) &&
      matches(intention.SourceName, source) &&
      matches(intention.DestinationNS, destinationNs) &&
      matches(intention.DestinationName, destination),
  );
  if (matching.length === 0) return defaultAllow;
  const top = matching.filter((intention) => intention.Precedence === matching[0]!.Precedence);
  return top.every((intention) => intention.Action === 'allow');
}
