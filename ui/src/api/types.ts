// The HTTP API's JSON shapes, imported from the modules the agent and servers send them from (types only, so no
// server code reaches the browser bundle), plus the few shapes the UI derives from them.

export type { Intention, IntentionAction } from '../../../connect/intentions/model.js';
export type {
  UiIntentionDecision,
  UiNodeInfo,
  UiServiceListingSummary,
  UiServiceSummary,
  UiServiceTopology,
  UiServiceTopologySummary,
  UiTopologySource,
} from '../../../server/endpoints/internal-types.js';
export type {
  AgentSelfConfigReply,
  AutopilotHealthReply,
  AutopilotServerHealthReply,
  IntentionCheckReply,
} from '../../../server/rpc/reply-types.js';
export type { KvEntry } from '../../../server/state/kv-types.js';
export type {
  CatalogService,
  HealthCheck,
  HealthStatus,
  Node,
  NodeService,
  NodeServices,
  ServiceEntry,
} from '../../../server/state/types.js';

import type { HealthStatus } from '../../../server/state/types.js';

/** Checks counted by status: what a service or node row shows. */
export type HealthCounts = Record<HealthStatus, number>;
