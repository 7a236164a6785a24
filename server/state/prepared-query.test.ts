// Proves the prepared-query table against Consul's state store (state/prepared_query.go, session.go): set keeps
// CreateIndex and moves the table index, names are unique case-insensitively, a name may not alias another
// query's ID, one empty-name template at most, the session must exist, a broken template is refused and nothing
// changes; resolve goes by ID, then exact name, then the longest template prefix (rendered for the name asked);
// destroying or invalidating the bound session deletes the query; execution filters health, tags, meta and sorts.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` is the template language under test, not JS.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { ensureCheck, ensureRegistration } from './catalog-ops.js';
import { coordinateBatchUpdate } from './coordinates.js';
import { InvalidWriteError } from './errors.js';
import { sessionApply } from './kv-apply.js';
import { executeLocally, healthyForQuery, matchesQueryTags, orderForQuery } from './prepared-query-execute.js';
import { normalizePreparedQuery, preparedQueryProblem } from './prepared-query-normalize.js';
import { preparedQueryDeleteTxn, preparedQuerySetTxn } from './prepared-query-ops.js';
import {
  PreparedQueryResolveError,
  preparedQueryGet,
  preparedQueryList,
  preparedQueryResolve,
} from './prepared-query-reads.js';
import type { PreparedQueryFields } from './prepared-query-types.js';
import { StateStore } from './store.js';
import { nodeRegistration } from './testing/fixtures.js';
import type { ServiceEntry } from './types.js';

const id1 = '11111111-1111-1111-1111-111111111111';
const id2 = '22222222-2222-2222-2222-222222222222';
const noSource = { Datacenter: '', Segment: '', Node: '', Ip: '' };

const pq = (fields: Record<string, unknown>): PreparedQueryFields => normalizePreparedQuery(fields);

function fixture() {
  const store = new StateStore();
  let index = 0;
  const next = (): number => ++index;
  const set = (fields: Record<string, unknown>) => store.write(next(), (txn) => preparedQuerySetTxn(txn, pq(fields)));
  const remove = (id: string) => store.write(next(), (txn) => preparedQueryDeleteTxn(txn, id));
  return { store, next, set, remove };
}

describe('prepared query writes', () => {
  it('creates, updates keeping CreateIndex, lists in ID order and deletes', () => {
    const { store, set, remove } = fixture();
    set({ ID: id2, Name: 'b', Service: { Service: 'web' } });
    set({ ID: id1, Name: 'a', Service: { Service: 'db' } });
    set({ ID: id2, Name: 'b', Service: { Service: 'web2' } });
    const got = preparedQueryGet(store, id2);
    assert.equal(got.index, 3);
    assert.equal(got.value?.Service.Service, 'web2');
    assert.deepEqual([got.value?.CreateIndex, got.value?.ModifyIndex], [1, 3]);
    assert.deepEqual(
      preparedQueryList(store).value.map((query) => query.ID),
      [id1, id2],
    );
    assert.equal(remove(id2), true);
    assert.equal(remove(id2), false, 'deleting a missing query changes nothing');
    assert.equal(preparedQueryGet(store, id2).value, null);
    assert.equal(preparedQueryList(store).index, 4);
  });

  it('wakes a watcher of the query and of the list', () => {
    const { store, set } = fixture();
    set({ ID: id1, Name: 'a', Service: { Service: 'db' } });
    const fired: string[] = [];
    store.watch(preparedQueryGet(store, id1).watch, () => fired.push('get'));
    store.watch(preparedQueryList(store).watch, () => fired.push('list'));
    set({ ID: id1, Name: 'a', Service: { Service: 'db2' } });
    assert.deepEqual(fired.sort(), ['get', 'list']);
  });

  it('refuses duplicate names (any case), ID aliases, a second empty template, unknown sessions, bad templates', () => {
    const { store, set } = fixture();
    set({ ID: id1, Name: 'Web', Service: { Service: 'web' } });
    const refusals: [Record<string, unknown>, string][] = [
      [{ ID: id2, Name: 'wEB', Service: { Service: 'x' } }, "name 'wEB' aliases an existing query name"],
      [{ ID: id2, Name: id1, Service: { Service: 'x' } }, `name '${id1}' aliases an existing query ID`],
      [{ ID: id2, Name: 'x', Session: 'nope', Service: { Service: 'x' } }, 'invalid session "nope"'],
      [
        { ID: id2, Name: 't', Template: { Type: 'prefix_match' }, Service: { Service: 'x' } },
        "failed compiling template: Bad Template.Type 'prefix_match'",
      ],
      [
        { ID: id2, Name: 't', Template: { Type: 'name_prefix_match', Regexp: '(' }, Service: { Service: 'x' } },
        'failed compiling template: Bad Regexp: ',
      ],
      [{ ID: '', Name: 'x', Service: { Service: 'x' } }, 'Missing Query ID'],
    ];
    for (const [fields, message] of refusals) {
      const before = store.latestIndex();
      assert.throws(
        () => set(fields),
        (error: unknown) => error instanceof InvalidWriteError && error.message.startsWith(message),
        message,
      );
      assert.equal(preparedQueryList(store).value.length, 1);
      assert.equal(preparedQueryList(store).index, before);
    }
    set({ ID: id2, Name: '', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full}' } });
    assert.throws(
      () =>
        set({
          ID: '33333333-3333-3333-3333-333333333333',
          Template: { Type: 'name_prefix_match' },
          Service: { Service: 'y' },
        }),
      /a query template with an empty name already exists/,
    );
    // The same query may keep its own name on update.
    set({ ID: id1, Name: 'web', Service: { Service: 'web' } });
  });

  it('deletes a query when its session is destroyed or invalidated by a critical check', () => {
    const { store, next, set } = fixture();
    ensureRegistration(
      store,
      next(),
      nodeRegistration('n1', { Checks: [{ CheckID: 'serfHealth', Name: 'Serf Health', Status: 'passing' }] }),
    );
    const session = (id: string) =>
      sessionApply(store, next(), {
        Op: 'create',
        Session: { ID: id, Node: 'n1', Behavior: 'release', LockDelay: 0, NodeChecks: ['serfHealth'] },
      });
    session('s1');
    session('s2');
    set({ ID: id1, Session: 's1', Service: { Service: 'web' } });
    set({ ID: id2, Session: 's2', Service: { Service: 'web' } });
    sessionApply(store, next(), { Op: 'destroy', Session: { ID: 's1' } });
    assert.equal(preparedQueryGet(store, id1).value, null);
    assert.notEqual(preparedQueryGet(store, id2).value, null);
    ensureCheck(store, next(), { Node: 'n1', CheckID: 'serfHealth', Name: 'Serf Health', Status: 'critical' });
    assert.equal(preparedQueryGet(store, id2).value, null);
  });
});

describe('parseQuery checks', () => {
  const cases: [Record<string, unknown>, string | null][] = [
    [{ Service: { Service: 'web' } }, 'Must be bound to a session'],
    [{ Name: 'q', Service: {} }, 'Must provide a Service name to query'],
    [{ Name: 'q', Token: '<hidden>', Service: { Service: 'w' } }, "Bad Token '<hidden>', it looks like"],
    [{ Name: 'q', Service: { Service: 'w', Failover: { NearestN: -1 } } }, "Bad NearestN '-1', must be >= 0"],
    [
      { Name: 'q', Service: { Service: 'w', Failover: { NearestN: 1, Targets: [{ Peer: 'p' }] } } },
      'Targets cannot be populated with NearestN or Datacenters',
    ],
    [{ Name: 'q', Service: { Service: 'w', NodeMeta: { '': 'x' } } }, 'Key cannot be blank'],
    [{ Name: 'q', Service: { Service: 'w' }, DNS: { TTL: 'soon' } }, `Bad DNS TTL 'soon': time: invalid duration`],
    [{ Name: 'q', Service: { Service: 'w' }, DNS: { TTL: '-1s' } }, "DNS TTL '-1000000000', must be >=0"],
    [{ Template: { Type: 'name_prefix_match' }, Service: { Service: 'w' }, DNS: { TTL: '10s' } }, null],
  ];
  for (const [fields, expected] of cases)
    it(`${expected ?? 'accepts'}`, () => {
      const problem = preparedQueryProblem(pq(fields));
      if (expected === null) assert.equal(problem, null);
      else assert.ok(problem?.startsWith(expected), problem ?? 'no problem found');
    });

  it('refuses wrong types field by field', () => {
    assert.throws(() => pq({ Name: 7 }), /Name must be a string/);
    assert.throws(() => pq({ Service: { Tags: 'a' } }), /Service.Tags must be a list of strings/);
    assert.throws(() => pq({ Service: { Failover: { NearestN: 1.5 } } }), /NearestN must be an integer/);
    assert.throws(() => pq({ Service: { OnlyPassing: 'yes' } }), /OnlyPassing must be a boolean/);
    assert.throws(() => pq({ Service: { NodeMeta: { a: 1 } } }), /NodeMeta must map strings to strings/);
  });
});

describe('preparedQueryResolve', () => {
  function resolvable() {
    const f = fixture();
    f.set({ ID: id1, Name: 'web', Service: { Service: 'web' } });
    f.set({
      ID: id2,
      Name: 'geo-',
      Template: { Type: 'name_prefix_match', Regexp: '^geo-(.*)$' },
      Service: { Service: '${match(1)}' },
    });
    f.set({
      ID: '33333333-3333-3333-3333-333333333333',
      Name: 'geo-db-',
      Template: { Type: 'name_prefix_match' },
      Service: { Service: 'db-${name.suffix}' },
    });
    return f;
  }

  it('finds by ID, by exact name (any case), then the longest template prefix, rendered', () => {
    const { store } = resolvable();
    assert.equal(preparedQueryResolve(store, id1, noSource).value?.Name, 'web');
    assert.equal(preparedQueryResolve(store, 'WEB', noSource).value?.ID, id1);
    assert.equal(preparedQueryResolve(store, 'geo-cache', noSource).value?.Service.Service, 'cache');
    assert.equal(preparedQueryResolve(store, 'geo-db-primary', noSource).value?.Service.Service, 'db-primary');
    assert.equal(preparedQueryResolve(store, 'nothing', noSource).value, null);
  });

  it('refuses an empty name and a template asked by ID', () => {
    const { store } = resolvable();
    assert.throws(() => preparedQueryResolve(store, '', noSource), PreparedQueryResolveError);
    assert.throws(
      () => preparedQueryResolve(store, id2, noSource),
      /prepared query templates can only be resolved up by name, not by ID/,
    );
  });

  it('lets an empty-name template catch every other name', () => {
    const { store, set } = fixture();
    set({ ID: id2, Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full}' } });
    assert.equal(preparedQueryResolve(store, 'anything', noSource).value?.Service.Service, 'anything');
  });
});

describe('execution', () => {
  const entry = (node: string, tags: string[], statuses: [string, string][], meta = {}): ServiceEntry =>
    ({
      Node: { Node: node, Address: '10.0.0.1', Meta: {} },
      Service: { ID: 'web', Service: 'web', Tags: tags, Meta: meta, Port: 80 },
      Checks: statuses.map(([CheckID, Status]) => ({ CheckID, Status })),
    }) as unknown as ServiceEntry;

  it('keeps warning unless OnlyPassing, drops critical unless ignored', () => {
    const entries = [
      entry('ok', [], [['a', 'passing']]),
      entry('warn', [], [['a', 'warning']]),
      entry(
        'crit',
        [],
        [
          ['a', 'passing'],
          ['b', 'critical'],
        ],
      ),
    ];
    const names = (kept: ServiceEntry[]) => kept.map((kept) => kept.Node.Node);
    assert.deepEqual(names(healthyForQuery(entries, false, null)), ['ok', 'warn']);
    assert.deepEqual(names(healthyForQuery(entries, true, null)), ['ok']);
    assert.deepEqual(names(healthyForQuery(entries, false, ['b'])), ['ok', 'warn', 'crit']);
  });

  it('filters tags case-insensitively with !exclusions', () => {
    const row = entry('n', ['Primary', 'v2'], []);
    assert.equal(matchesQueryTags(row, ['primary']), true);
    assert.equal(matchesQueryTags(row, ['primary', '!V2']), false);
    assert.equal(matchesQueryTags(row, ['!canary']), true);
    assert.equal(matchesQueryTags(row, ['canary']), false);
  });

  it('runs against the catalog: health, tags, service meta, near sorting and the limit', () => {
    const { store, next } = fixture();
    const register = (node: string, address: string, tags: string[], status: string, meta = {}) =>
      ensureRegistration(store, next(), {
        ...nodeRegistration(node),
        Address: address,
        Service: { ID: 'web', Service: 'web', Tags: tags, Port: 80, Meta: meta },
        Checks: [{ CheckID: 'alive', Name: 'alive', Status: status, ServiceID: 'web' }],
      });
    register('a', '10.0.0.1', ['primary'], 'passing', { zone: 'z1' });
    register('b', '10.0.0.2', ['primary'], 'warning', { zone: 'z2' });
    register('c', '10.0.0.3', ['primary'], 'critical');
    register('d', '10.0.0.4', ['canary'], 'passing');
    const coordinate = (Node: string, x: number) => ({
      Node,
      Segment: '',
      Coord: { Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    });
    coordinateBatchUpdate(store, next(), [coordinate('a', 0.3), coordinate('b', 0.01), coordinate('d', 0)]);
    const query = pq({ Name: 'q', Service: { Service: 'web', Tags: ['!canary'] } });
    const local = executeLocally(store, query, 'dc1', false);
    assert.deepEqual(local.Nodes.map((row) => row.Node.Node).sort(), ['a', 'b']);
    assert.equal(local.Datacenter, 'dc1');
    const options = {
      limit: 0,
      connect: false,
      source: { ...noSource, Node: 'd' },
      agent: { ...noSource, Datacenter: 'dc1', Node: 'a' },
    };
    const rand = new SeededRand(1);
    const near = orderForQuery(store, local, query, options, rand);
    assert.deepEqual(
      near.Nodes.map((row) => row.Node.Node),
      ['b', 'a'],
      'b is nearer to d',
    );
    const agentFirst = orderForQuery(
      store,
      local,
      query,
      { ...options, source: { ...noSource, Node: '_agent' } },
      rand,
    );
    assert.equal(agentFirst.Nodes[0]?.Node.Node, 'a', 'the agent itself comes first');
    assert.equal(orderForQuery(store, local, query, { ...options, limit: 1 }, rand).Nodes.length, 1);
    const metaQuery = pq({ Name: 'm', Service: { Service: 'web', ServiceMeta: { zone: 'z2' }, OnlyPassing: false } });
    assert.deepEqual(
      executeLocally(store, metaQuery, 'dc1', false).Nodes.map((row) => row.Node.Node),
      ['b'],
    );
  });
});
