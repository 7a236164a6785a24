// The nodes list: every node with its address, health counts and whether it holds the Raft leadership.

import { useState } from 'preact/hooks';
import { useBlocking, usePoll } from '../api/live.js';
import { checksByNode } from '../api/summaries.js';
import type { HealthCheck, Node } from '../api/types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { countChecks, HealthCountsView, StatusPill, worstStatus } from '../components/health.js';
import { href, Link } from '../router.js';

export function NodesPage({ dc }: { readonly dc: string }) {
  const nodes = useBlocking<Node[]>('/v1/catalog/nodes');
  const checks = useBlocking<HealthCheck[]>('/v1/health/state/any');
  const leader = usePoll<string>('/v1/status/leader', 5_000);
  const [search, setSearch] = useState('');
  const byNode = checksByNode(checks.data ?? []);
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
      <ErrorBox error={nodes.error ?? checks.error} />
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
              <th>Address</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((node) => {
              const counts = countChecks(byNode.get(node.Node) ?? []);
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
