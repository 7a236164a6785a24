// The bottom bar: the connection to the agent, the Raft leader and the servers' health (autopilot), polled so a
// lost leader or agent shows within seconds on every page.

import { describeError } from '../api/client.js';
import { usePoll } from '../api/live.js';
import type { AutopilotHealthReply } from '../api/types.js';

const pollMs = 2_000;

export function StatusBar() {
  const leader = usePoll<string>('/v1/status/leader', pollMs);
  // Autopilot answers 429 with the same body when a server is unhealthy.
  const autopilot = usePoll<AutopilotHealthReply>('/v1/operator/autopilot/health', pollMs, [429]);
  const failure = leader.error ?? null;
  const connection =
    failure !== null ? (
      <span class="status-item status-bad" role="status">
        {describeError(failure).title}
      </span>
    ) : leader.data === undefined ? (
      <span class="status-item muted">Connecting…</span>
    ) : (
      <span class="status-item status-good">Connected</span>
    );
  const leaderText =
    leader.data === undefined ? null : leader.data === '' ? (
      <span class="status-item status-bad">No cluster leader</span>
    ) : (
      <span class="status-item">
        Leader <code>{leader.data}</code>
      </span>
    );
  const health = autopilot.data;
  const servers = health?.Servers ?? [];
  const healthText =
    health === undefined ? null : (
      <span class={`status-item ${health.Healthy ? 'status-good' : 'status-bad'}`}>
        Cluster {health.Healthy ? 'healthy' : 'unhealthy'} · {servers.filter((s) => s.Healthy).length}/{servers.length}{' '}
        servers healthy · failure tolerance {health.FailureTolerance}
      </span>
    );
  return (
    <footer class="statusbar">
      {connection}
      {leaderText}
      {healthText}
    </footer>
  );
}
