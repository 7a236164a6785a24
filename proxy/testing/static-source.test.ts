// Runs the ProxySource contract against the in-memory source the proxy tests use.

import { intentionTable, makeCa, mintLeaf, rootsOf } from './mesh-fixture.js';
import { describeProxySourceContract } from './source-contract.js';
import { StaticProxySource } from './static-source.js';

describeProxySourceContract('static', async () => {
  const source = new StaticProxySource();
  const ca = await makeCa();
  return {
    source,
    publishLeaf: async (service, leaf) => source.setLeaf(service, leaf),
    publishRoots: async (roots) => source.setRoots(roots),
    publishIntentions: async (table) => source.setIntentions(table),
    publishEndpoints: async (service, endpoints) => source.setEndpoints(service, endpoints),
    fixtures: {
      leaves: [await mintLeaf(ca, 'web'), await mintLeaf(ca, 'web')],
      roots: rootsOf(ca),
      denyAll: intentionTable([['*', '*', 'deny']]),
    },
    close: async () => undefined,
  };
});
