// Proves how the topology graph's edges are drawn from /v1/internal/ui/service-topology's answer: each link's
// verdict, L7 flag and reason come from the answer, an upstream's local bind from the sidecar registrations; and
// which intentions apply to a pair of services.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intentionMatches, topologyEdges } from './topology.js';
import type {
  CatalogService,
  Intention,
  UiIntentionDecision,
  UiServiceTopology,
  UiServiceTopologySummary,
  UiTopologySource,
} from './types.js';

function decision(allowed: boolean, fields: Partial<UiIntentionDecision> = {}): UiIntentionDecision {
  return { DefaultAllow: true, Allowed: allowed, HasPermissions: false, ExternalSource: '', HasExact: true, ...fields };
}

function linked(name: string, source: UiTopologySource, intention: UiIntentionDecision): UiServiceTopologySummary {
  return {
    Name: name,
    Datacenter: 'dc1',
    Tags: null,
    Nodes: ['n1'],
    ExternalSources: null,
    InstanceCount: 1,
    ChecksPassing: 1,
    ChecksWarning: 0,
    ChecksCritical: 0,
    GatewayConfig: {},
    TransparentProxy: false,
    ConnectNative: false,
    Source: source,
    Intention: intention,
  };
}

function intention(source: string, destination: string, action: 'allow' | 'deny'): Intention {
  return {
    ID: '',
    Description: '',
    SourceNS: 'default',
    SourceName: source,
    DestinationNS: 'default',
    DestinationName: destination,
    SourceType: 'consul',
    Action: action,
    Meta: {},
    Precedence: 9,
  };
}

const webSidecar = {
  ServiceName: 'web-sidecar-proxy',
  ServiceID: 'web-sidecar-proxy',
  Node: 'n1',
  ServiceKind: 'connect-proxy',
  ServiceProxy: {
    DestinationServiceName: 'web',
    Upstreams: [
      { DestinationName: 'api', LocalBindPort: 9000 },
      { DestinationName: 'db', LocalBindAddress: '127.0.0.2', LocalBindPort: 9001 },
    ],
  },
} as unknown as CatalogService;

describe('topologyEdges', () => {
  it('takes each link’s verdict and reason from the answer and the upstreams’ binds from the sidecar', () => {
    const topology: UiServiceTopology = {
      Protocol: 'http',
      TransparentProxy: false,
      FilteredByACLs: false,
      Upstreams: [
        linked('api', 'proxy-registration', decision(true)),
        linked('db', 'proxy-registration', decision(false)),
        linked('cache', 'default-allow', decision(true, { HasExact: false })),
      ],
      Downstreams: [linked('batch', 'specific-intention', decision(false, { HasPermissions: true }))],
    };
    assert.deepEqual(topologyEdges(topology, [webSidecar]), {
      upstreams: [
        { name: 'api', source: 'proxy-registration', allowed: true, permissions: false, bind: '127.0.0.1:9000' },
        { name: 'db', source: 'proxy-registration', allowed: false, permissions: false, bind: '127.0.0.2:9001' },
        { name: 'cache', source: 'default-allow', allowed: true, permissions: false },
      ],
      downstreams: [{ name: 'batch', source: 'specific-intention', allowed: false, permissions: true }],
    });
  });

  it('draws no edges for a service outside the mesh', () => {
    const empty: UiServiceTopology = {
      Protocol: 'tcp',
      TransparentProxy: false,
      FilteredByACLs: false,
      Upstreams: [],
      Downstreams: [],
    };
    assert.deepEqual(topologyEdges(empty, []), { upstreams: [], downstreams: [] });
  });
});

describe('intentionMatches', () => {
  it('matches exact names and the * wildcard on either side; null leaves a side open', () => {
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), 'web', 'api'), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), 'batch', 'api'), false);
    assert.equal(intentionMatches(intention('*', 'api', 'deny'), 'batch', 'api'), true);
    assert.equal(intentionMatches(intention('web', '*', 'deny'), 'web', 'db'), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), null, 'api'), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), 'web', null), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), null, 'db'), false);
  });
});
