// A web → api mesh on loopback for tests: two managers (as on two hosts) sharing one static source, an echo app
// behind api, and web's upstream listener for api.

import type { TestCa } from '../../connect/testing/ca-fixtures.js';
import type { ProxyManager, ProxyManagerInit } from '../manager.js';
import type { ServiceProxy } from '../service-proxy.js';
import { type EchoApp, intentionTable, makeCa, mintLeaf, newManager, rootsOf, startEcho } from './mesh-fixture.js';
import { StaticProxySource } from './static-source.js';

export interface MeshPair {
  readonly ca: TestCa;
  readonly source: StaticProxySource;
  readonly apiApp: EchoApp;
  readonly apiManager: ProxyManager;
  readonly webManager: ProxyManager;
  readonly api: ServiceProxy;
  readonly web: ServiceProxy;
  /** Where web's app sends requests for api. */
  readonly upstreamPort: number;
  close(): Promise<void>;
}

/** `appPort` points api's proxy at another local app (a raw TCP one, say) instead of the HTTP echo. */
export async function startMeshPair(options: Partial<ProxyManagerInit> = {}, appPort?: number): Promise<MeshPair> {
  const ca = await makeCa();
  const source = new StaticProxySource();
  source.setRoots(rootsOf(ca));
  source.setLeaf('web', await mintLeaf(ca, 'web'));
  source.setLeaf('api', await mintLeaf(ca, 'api'));
  source.setIntentions(intentionTable([['web', 'api', 'allow']]));
  const apiApp = await startEcho('api');
  const apiManager = newManager(source, options);
  const webManager = newManager(source, options);
  await apiManager.start();
  await webManager.start();
  const api = await apiManager.addService({
    Address: '127.0.0.2',
    Port: 0,
    Proxy: {
      DestinationServiceName: 'api',
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: appPort ?? apiApp.port,
    },
  });
  source.setEndpoints('api', [{ address: '127.0.0.2', port: api.publicAddress().port, service: 'api' }]);
  const web = await webManager.addService({
    Address: '127.0.0.3',
    Port: 0,
    Proxy: {
      DestinationServiceName: 'web',
      LocalServicePort: 9,
      Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 0 }],
    },
  });
  return {
    ca,
    source,
    apiApp,
    apiManager,
    webManager,
    api,
    web,
    upstreamPort: web.upstreamAddress('api').port,
    close: async () => {
      await webManager.stop();
      await apiManager.stop();
      await apiApp.close();
    },
  };
}
