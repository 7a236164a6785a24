// The bottom bar: the connection to the agent, the Raft leader and the servers' health (autopilot), polled so a
// lost leader or agent shows within seconds on every page. While the agent does not answer, nothing older than
// the failure is shown as current.

import { describeError } from '../api/client.js';
import { usePoll } from '../api/live.js';
import type { AutopilotHealthReply } from '../api/types.js';

const pollMs = 2_000;

function ClusterHealth({ health, error }: { readonly health?: AutopilotHealthReply; readonly error: unknown }) {
  if (error) return <span class="status-item status-bad">Cluster health: {describeError(error).title}</span>;
  if (health === undefined) return null;
  const servers = health.Servers;
  return (
    <span class={`status-item ${health.Healthy ? 'status-good' : 'status-bad'}`}>
      Cluster {health.Healthy ? 'healthy' : 'unhealthy'} · {servers.filter((server) => server.Healthy).length}/
      {servers.length} servers healthy · failure tolerance {health.FailureTolerance}
    </span>
  );
}

export function StatusBar() {
  const leader = usePoll<string>('/v1/status/leader', pollMs);
  // Autopilot answers 429 with the same body when a server is unhealthy.
  const autopilot = usePoll<AutopilotHealthReply>('/v1/operator/autopilot/health', pollMs, [429]);
  if (leader.error)
    return (
      <footer class="statusbar">
        <span class="status-item status-bad" role="status">
          {describeError(leader.error).title}
        </span>
        <span class="muted">{describeError(leader.error).detail}</span>
      </footer>
    );
  return (
    <footer class="statusbar">
      {leader.data === undefined ? (
        <span class="status-item muted">Connecting…</span>
      ) : (
        <span class="status-item status-good">Connected</span>
      )}
      {leader.data === '' ? (
        <span class="status-item status-bad">No cluster leader</span>
      ) : leader.data !== undefined ? (
        <span class="status-item">
          Leader <code>{leader.data}</code>
        </span>
      ) : null}
      <ClusterHealth health={autopilot.data} error={autopilot.error} />
    </footer>
  );
}
