// Proves /v1/operator/keyring on an agent without gossip encryption answers as Consul does: every member replies
// "Keyring is empty (encryption not enabled)", serf counts them as failures, and keyringErrorsOrNil makes the list
// (and any change) a 500 with go-multierror's text, per pool "<pool> error: N/N nodes reported failure" then the
// members' messages.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../lib/log.js';
import { Agent } from '../../agent.js';
import { testEnvironment } from '../../config/testing.js';
import { validateConfig } from '../../config/validate.js';
import { keyringErrorsText } from './operator-keyring.js';

const build = { version: '0.1.0', consulVersion: '1.20.0', revision: '', buildDate: '2026-01-01T00:00:00Z' };

let agent: Agent;
let base = '';
before(async () => {
  const result = validateConfig(
    [{ sourceName: 'test', values: { node_name: 'solo', bind_addr: '127.32.0.10', client_addr: '127.32.0.10' } }],
    { devMode: true, environment: testEnvironment },
  );
  assert.deepEqual(result.errors, []);
  const config = { ...result.config!, ports: { ...result.config!.ports, http: 0, serfLan: 0, serfWan: 0, dns: -1 } };
  agent = new Agent({ log: silentLogger(), build }, config);
  await agent.start();
  base = `http://${agent.httpAddresses[0]}`;
});
after(() => agent.stop());

describe('/v1/operator/keyring without gossip encryption', () => {
  it('answers the list with 500 and Consul keyringErrorsOrNil text', async () => {
    const response = await fetch(`${base}/v1/operator/keyring`);
    assert.equal(response.status, 500);
    assert.equal(
      await response.text(),
      '4 errors occurred:\n' +
        '\t* WAN error: 1/1 nodes reported failure\n' +
        '\t* solo.dc1: Keyring is empty (encryption not enabled)\n' +
        '\t* dc1 (LAN) error: 1/1 nodes reported failure\n' +
        '\t* solo: Keyring is empty (encryption not enabled)\n\n',
    );
  });

  it('formats one error as "1 error occurred:" and missing answers as serf does', () => {
    const response = { Messages: {}, Keys: {}, PrimaryKeys: {}, NumNodes: 3, NumResp: 2, NumErr: 0 };
    assert.equal(
      keyringErrorsText([{ pool: 'dc1 (LAN)', response }]),
      '1 error occurred:\n\t* dc1 (LAN) error: 2/3 nodes reported success\n\n',
    );
  });
});
