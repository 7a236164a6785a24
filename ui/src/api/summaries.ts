// What the list pages show of a service summary from /v1/internal/ui/services (Consul's ServiceListingSummary,
// computed by the servers in one read): its check counts in the UI's shape and whether it is in the mesh.

import type { HealthCounts, UiServiceSummary } from './types.js';

export function countsOf(summary: UiServiceSummary): HealthCounts {
  return { passing: summary.ChecksPassing, warning: summary.ChecksWarning, critical: summary.ChecksCritical };
}

/** Why a listed service is in the service mesh, or null when it is not (a sidecar itself is not marked). */
export function meshRole(summary: {
  readonly ConnectedWithProxy: boolean;
  readonly ConnectNative: boolean;
}): 'sidecar' | 'native' | null {
  if (summary.ConnectedWithProxy) return 'sidecar';
  if (summary.ConnectNative) return 'native';
  return null;
}
