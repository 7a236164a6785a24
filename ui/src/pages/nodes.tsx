// The nodes list: every node with its address, health counts, service instances and whether it holds the Raft
// leadership. One blocking query on /v1/internal/ui/nodes (each node with its services and checks).

import { useState } from 'preact/hooks';
import { useBlocking, usePoll } from '../api/live.js';
import type { UiNodeInfo } from '../api/types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { countChecks, HealthCountsView, StatusPill, worstStatus } from '../components/health.js';
import { href, Link } from '../router.js';

export function NodesPage({ dc }: { readonly dc: string }) {
  const nodes = useBlocking<UiNodeInfo[]>('/v1/internal/ui/nodes');
  const leader = usePoll<string>('/v1/status/leader', 5_000);
  const [search, setSearch] = useState('');
  const leaderHost = leader.data ? leader.data.replace(/:\d+$/, '') : null;
  const text = search.trim().toLowerCase();
  const shown = (nodes.data ?? []).filter(
    (node) => text === '' || node.Node.toLowerCase().includes(text) || node.Address.includes(text),
  );
  return (
    <section>
      <div class="page-head">
        <h1>Nodes</h1>
        <span class="muted">
          {nodes.data ? `${nodes.data.length} ${nodes.data.length === 1 ? 'node' : 'nodes'}` : ''}
        </span>
      </div>
      <ErrorBox error={nodes.error} />
      <div class="filters">
        <input
          type="search"
          placeholder="Search by name or address"
          aria-label="Search nodes"
          value={search}
          onInput={(event) => setSearch((event.target as HTMLInputElement).value)}
        />
      </div>
      {nodes.data === undefined ? (
        nodes.error ? null : (
          <Loading what="nodes" />
        )
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th>Node</th>
              <th>Health</th>
              <th>Health checks</th>
              <th>Services</th>
              <th>Address</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((node) => {
              const counts = countChecks(node.Checks);
              return (
                <tr key={node.Node} data-node={node.Node}>
                  <td>
                    <Link href={href(dc, 'nodes', node.Node)} class="strong">
                      {node.Node}
                    </Link>
                    {leaderHost === node.Address ? <span class="badge badge-leader">leader</span> : null}
                  </td>
                  <td>
                    <StatusPill status={worstStatus(counts)} />
                  </td>
                  <td>
                    <HealthCountsView counts={counts} />
                  </td>
                  <td>
                    {node.Services.length} {node.Services.length === 1 ? 'instance' : 'instances'}
                  </td>
                  <td>
                    <code>{node.Address}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
