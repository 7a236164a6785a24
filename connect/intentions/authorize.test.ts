// Proves authorize answers as Consul's agent endpoint: Authorized and Reason for L4 matches, L7 matches (not
// authorized), both defaults; and ValidationError (400 at the edge) for an empty Target or a non-service URI.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import { authorize } from './authorize.js';
import { normalizeIntention } from './model.js';
import { compileIntentionTable } from './table.js';

const td = '7f42f496-fbc7-8692-05ed-334aa5340c1e.consul';
const uri = (service: string) => `spiffe://${td}/ns/default/dc/dc1/svc/${service}`;
const table = compileIntentionTable(
  [
    normalizeIntention({ ID: 'i-1', SourceName: 'web', DestinationName: 'db', Action: 'allow' }),
    normalizeIntention({ ID: 'i-2', SourceName: 'evil', DestinationName: 'db', Action: 'deny' }),
    normalizeIntention({
      ID: 'i-3',
      SourceName: 'admin',
      DestinationName: 'db',
      Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }],
    }),
  ],
  { defaultAllow: true },
);

describe('authorize', () => {
  it('reports a matched L4 allow and deny', () => {
    const allowed = authorize(table, { Target: 'db', ClientCertURI: uri('web'), ClientCertSerial: '0a:1b' });
    assert.equal(allowed.Authorized, true);
    assert.equal(allowed.Reason, 'Matched L4 intention: web => db (ID: i-1, Precedence: 9)');
    assert.equal(allowed.intention?.ID, 'i-1');
    const denied = authorize(table, { Target: 'db', ClientCertURI: uri('evil') });
    assert.equal(denied.Authorized, false);
    assert.match(denied.Reason, /^Matched L4 intention: evil => db \(/);
  });

  it('reports an L7 match as not authorized', () => {
    const result = authorize(table, { Target: 'db', ClientCertURI: uri('admin') });
    assert.equal(result.Authorized, false);
    assert.match(result.Reason, /^Matched L7 intention: admin => db \(/);
  });

  it('falls back to the default with its reason', () => {
    assert.deepEqual(
      (({ Authorized, Reason }) => ({ Authorized, Reason }))(
        authorize(table, { Target: 'cache', ClientCertURI: uri('web') }),
      ),
      { Authorized: true, Reason: 'Default behavior configured by ACLs' },
    );
    const strict = compileIntentionTable([], { defaultAllow: false, defaultSource: 'intention-policy' });
    const result = authorize(strict, { Target: 'cache', ClientCertURI: uri('web') });
    assert.equal(result.Authorized, false);
    assert.equal(result.Reason, 'Default intention policy');
  });

  it('refuses an empty target or a URI that is not a service SPIFFE ID', () => {
    assert.throws(() => authorize(table, { Target: '', ClientCertURI: uri('web') }), ValidationError);
    for (const bad of ['', 'web', `spiffe://${td}`, `spiffe://${td}/agent/client/dc/dc1/id/node`]) {
      assert.throws(() => authorize(table, { Target: 'db', ClientCertURI: bad }), ValidationError);
    }
  });
});
