// Proves dev mode's -register against a fake agent on a manual clock: the registration is Consul's (ID with the
// -register-id suffix, DestinationServiceName only, a 30 s TTL check), the check is passed every 10 s, a service the
// agent lost is registered again at the next 30 s reconcile and one it still has is left alone, stop deregisters,
// and a refused first registration fails the start instead of running unregistered.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import type { AgentHttpTarget } from './agent-http.js';
import { ProxySelfRegistration, selfRegistrationBody, selfRegistrationId } from './proxy-self-registration.js';
import { FakeAgentHttp } from './testing/fake-agent-http.js';

describe('ProxySelfRegistration', () => {
  const agent = new FakeAgentHttp();
  let target: AgentHttpTarget;
  before(async () => {
    target = { baseUrl: await agent.listen(), token: null };
  });
  after(() => agent.close());

  const writesTo = (path: string) => agent.writes.filter((write) => write.path === path).length;

  it('names the proxy as Consul does', () => {
    assert.equal(selfRegistrationId('web'), 'web-proxy');
    assert.equal(selfRegistrationId('web', 'blue'), 'web-proxy-blue');
    assert.deepEqual(selfRegistrationBody({ service: 'web', idSuffix: 'blue', address: '', port: 8443 }), {
      Kind: 'connect-proxy',
      ID: 'web-proxy-blue',
      Name: 'web-proxy',
      Address: '',
      Port: 8443,
      Proxy: { DestinationServiceName: 'web' },
      Check: {
        CheckID: 'web-proxy-blue-ttl',
        Name: 'proxy heartbeat',
        TTL: '30s',
        Notes: 'Built-in proxy will heartbeat this check.',
        Status: 'passing',
      },
    });
  });

  it('registers, heartbeats, registers again when the agent lost it, and deregisters on stop', async () => {
    const clock = new ManualClock();
    const registration = new ProxySelfRegistration(
      { target, clock, log: silentLogger() },
      { service: 'web', address: '127.0.0.1', port: 21000 },
    );
    await registration.start();
    assert.equal(writesTo('/v1/agent/service/register'), 1);
    agent.set('/v1/agent/service/web-proxy', { ID: 'web-proxy' });

    clock.advance(10_000);
    await waitForCondition(
      () => writesTo('/v1/agent/check/pass/web-proxy-ttl') === 1 && clock.pendingTimerCount() === 2,
      'the first heartbeat',
    );
    clock.advance(20_000);
    await waitForCondition(
      () =>
        (agent.requests.get('/v1/agent/service/web-proxy') ?? 0) === 1 &&
        writesTo('/v1/agent/check/pass/web-proxy-ttl') === 2 &&
        clock.pendingTimerCount() === 2,
      'a reconcile that finds the service',
    );
    assert.equal(writesTo('/v1/agent/service/register'), 1, 'a registered proxy is not registered again');

    agent.delete('/v1/agent/service/web-proxy');
    clock.advance(30_000);
    await waitForCondition(() => writesTo('/v1/agent/service/register') === 2, 'a lost service registered again');

    await registration.stop();
    assert.equal(writesTo('/v1/agent/service/deregister/web-proxy'), 1);
    assert.equal(clock.pendingTimerCount(), 0, 'no timer outlives stop');
  });

  it('fails the start when the agent refuses the registration', async () => {
    agent.writeAnswers.set('/v1/agent/service/register', { status: 403, body: 'Permission denied' });
    try {
      const registration = new ProxySelfRegistration(
        { target, clock: new ManualClock(), log: silentLogger() },
        { service: 'web', address: '127.0.0.1', port: 21000 },
      );
      await assert.rejects(registration.start(), /Unexpected response code: 403/);
      await registration.stop();
      assert.equal(writesTo('/v1/agent/service/deregister/web-proxy'), 1, 'nothing to deregister after a refusal');
    } finally {
      agent.writeAnswers.delete('/v1/agent/service/register');
    }
  });
});
