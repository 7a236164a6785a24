// Health at a glance: a status pill, and passing/warning/critical counts for a service or node.

import type { HealthCheck, HealthCounts, HealthStatus } from '../api/types.js';

export const statusOrder: readonly HealthStatus[] = ['critical', 'warning', 'passing'];

export function countChecks(checks: readonly HealthCheck[]): HealthCounts {
  const counts: HealthCounts = { passing: 0, warning: 0, critical: 0 };
  for (const check of checks) counts[check.Status] += 1;
  return counts;
}

/** The worst status among the counts; a service with no checks counts as passing, as in Consul. */
export function worstStatus(counts: HealthCounts): HealthStatus {
  return statusOrder.find((status) => counts[status] > 0) ?? 'passing';
}

const symbol: Record<HealthStatus, string> = { passing: '✓', warning: '!', critical: '✕' };

export function StatusPill({ status }: { readonly status: HealthStatus }) {
  return (
    <span class={`pill pill-${status}`} title={status}>
      <span aria-hidden="true">{symbol[status]}</span> {status}
    </span>
  );
}

export function HealthCountsView({ counts }: { readonly counts: HealthCounts }) {
  const total = counts.passing + counts.warning + counts.critical;
  if (total === 0) return <span class="muted">no checks</span>;
  return (
    <span class="health-counts">
      {statusOrder
        .slice()
        .reverse()
        .filter((status) => counts[status] > 0)
        .map((status) => (
          <span key={status} class={`count count-${status}`} title={`${counts[status]} ${status}`}>
            <span aria-hidden="true">{symbol[status]}</span> {counts[status]} {status}
          </span>
        ))}
    </span>
  );
}

/** Tags as chips; with `onPick`, each is a button (the services list filters by the tag picked). */
export function Tags({ tags, onPick }: { readonly tags: readonly string[]; readonly onPick?: (tag: string) => void }) {
  if (tags.length === 0) return null;
  return (
    <span class="tags">
      {tags.map((tag) =>
        onPick ? (
          <button
            key={tag}
            type="button"
            class="tag tag-button"
            title={`Show services tagged ${tag}`}
            onClick={() => onPick(tag)}
          >
            {tag}
          </button>
        ) : (
          <span key={tag} class="tag">
            {tag}
          </span>
        ),
      )}
    </span>
  );
}
