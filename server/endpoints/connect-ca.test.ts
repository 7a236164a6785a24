// Proves the ConnectCA endpoint's signing rules on a ManualClock: leaves are signed for this trust domain and
// datacenter only, CSRMaxPerSecond refuses the next CSR inside the same second with Consul's text and the code the
// HTTP edge maps to 429, a new second admits again, and CSRMaxConcurrent replaces the rate when set.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS, generateCsr, serviceSpiffeId } from '../../connect/index.js';
import { ManualClock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { SeededRand } from '../../lib/rand.js';
import { applyCommand, caRootsCommand } from '../fsm/index.js';
import { ServerMetrics } from '../metrics.js';
import { defaultQueryOptions } from '../rpc/methods.js';
import { StateStore } from '../state/store.js';
import { connectCaEndpoints } from './connect-ca.js';
import { initialCaRequest } from './connect-ca-provider.js';
import type { EndpointContext } from './context.js';
import { refusalOf } from './write.js';

const clusterId = '11111111-2222-3333-4444-555555555555';
const trustDomain = `${clusterId}.consul`;

async function setup(limits: Record<string, unknown>) {
  const clock = new ManualClock();
  const store = new StateStore();
  let index = 0;
  const apply: EndpointContext['apply'] = async (command) => {
    index++;
    try {
      return { index, value: applyCommand(store, index, command) };
    } catch (error) {
      if (error instanceof LatticeError) throw refusalOf(error);
      throw error;
    }
  };
  const request = await initialCaRequest(clusterId, CA_CONFIG_DEFAULTS, clock.wallMs());
  await apply(
    caRootsCommand({
      ...request,
      Config: { ...(request.Config as NonNullable<typeof request.Config>), Config: limits },
    }),
  );
  const context = {
    store,
    clock,
    rand: new SeededRand(1),
    metrics: new ServerMetrics(null, { nodes: () => 0, services: () => 0, checks: () => 0 }),
    blocking: { inFlight: 0, inFlightMax: 10 },
    maxQueryTimeMs: 600_000,
    defaultQueryTimeMs: 300_000,
    apply,
    readBarrier: async () => undefined,
    knownLeader: () => true,
    lastContactMs: () => 0,
  } satisfies EndpointContext;
  const handlers = connectCaEndpoints(context, 'dc1');
  const call = { context: { datacenter: 'dc1', token: '' }, query: defaultQueryOptions };
  const sign = async (service: string, datacenter = 'dc1', domain = trustDomain) => {
    const { csrPem } = await generateCsr({ id: serviceSpiffeId(domain, datacenter, service) });
    return handlers['ConnectCA.Sign']({ CSR: csrPem }, call);
  };
  const csrFor = async (service: string) =>
    (await generateCsr({ id: serviceSpiffeId(trustDomain, 'dc1', service) })).csrPem;
  const signCsr = (csr: string) => handlers['ConnectCA.Sign']({ CSR: csr }, call);
  return { clock, sign, csrFor, signCsr };
}

describe('ConnectCA.Sign', () => {
  it('signs for this trust domain and datacenter only', async () => {
    const { sign } = await setup({ CSRMaxPerSecond: 0 });
    const leaf = await sign('web');
    assert.equal(leaf.Service, 'web');
    assert.equal(leaf.ServiceURI, `spiffe://${trustDomain}/ns/default/dc/dc1/svc/web`);
    await assert.rejects(sign('web', 'dc2'), { code: 'ERR_BAD_REQUEST', message: /different datacenter/ });
    await assert.rejects(sign('web', 'dc1', 'aaaaaaaa-2222-3333-4444-555555555555.consul'), {
      code: 'ERR_BAD_REQUEST',
      message: /different trust domain/,
    });
  });

  it('refuses past CSRMaxPerSecond with Consul’s text until the bucket refills', async () => {
    const { clock, sign } = await setup({ CSRMaxPerSecond: 1 });
    await sign('web');
    await assert.rejects(sign('api'), { code: 'ERR_RATE_LIMITED', message: 'Rate limit reached, try again later' });
    clock.advance(1_000);
    assert.equal((await sign('api')).Service, 'api');
  });

  it('with CSRMaxConcurrent, caps signings in flight instead of the rate', async () => {
    const { csrFor, signCsr } = await setup({ CSRMaxPerSecond: 1, CSRMaxConcurrent: 2 });
    const csrs = await Promise.all(['a', 'b', 'c', 'd'].map(csrFor));
    // Three at once: the first two are in flight (loading the signer) when the third arrives.
    const outcomes = await Promise.allSettled(csrs.slice(0, 3).map(signCsr));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'fulfilled', 'rejected'],
    );
    assert.equal((outcomes[2] as PromiseRejectedResult).reason.code, 'ERR_RATE_LIMITED');
    // Once they finished, a fourth is admitted although the per-second rate (1) would refuse it.
    assert.equal((await signCsr(csrs[3] as string)).Service, 'd');
  });
});
