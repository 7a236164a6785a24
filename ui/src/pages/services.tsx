// The services list: every service with its health counts, instances and tags; search by name or tag, filter by
// health, sidecar proxies hidden unless asked for. One blocking query on /v1/internal/ui/services, whose
// summaries the servers compute in one read however many services there are.

import { useState } from 'preact/hooks';
import { useBlocking } from '../api/live.js';
import { countsOf, meshRole } from '../api/summaries.js';
import type { HealthStatus, UiServiceListingSummary } from '../api/types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { HealthCountsView, StatusPill, statusOrder, Tags, worstStatus } from '../components/health.js';
import { href, Link } from '../router.js';

type StatusFilter = 'all' | HealthStatus;
type SortOrder = 'name' | 'health';

const worstOf = (service: UiServiceListingSummary): HealthStatus => worstStatus(countsOf(service));

/** Worst first: critical, then warning, then passing; by name within each. */
function byHealth(a: UiServiceListingSummary, b: UiServiceListingSummary): number {
  const rank = (service: UiServiceListingSummary) => statusOrder.indexOf(worstOf(service));
  return rank(a) - rank(b) || a.Name.localeCompare(b.Name);
}

function matches(
  service: UiServiceListingSummary,
  search: string,
  status: StatusFilter,
  showProxies: boolean,
): boolean {
  if (!showProxies && service.Kind === 'connect-proxy') return false;
  if (status !== 'all' && worstOf(service) !== status) return false;
  const text = search.trim().toLowerCase();
  if (text === '') return true;
  return (
    service.Name.toLowerCase().includes(text) || (service.Tags ?? []).some((tag) => tag.toLowerCase().includes(text))
  );
}

const meshTitles = { sidecar: 'a sidecar proxy carries its traffic', native: 'Connect-native' } as const;

export function ServicesPage({ dc }: { readonly dc: string }) {
  const summaries = useBlocking<UiServiceListingSummary[]>('/v1/internal/ui/services');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [showProxies, setShowProxies] = useState(false);
  const [order, setOrder] = useState<SortOrder>('name');
  const all = summaries.data ?? [];
  const shown = all.filter((service) => matches(service, search, status, showProxies));
  if (order === 'health') shown.sort(byHealth);
  const proxies = all.filter((service) => service.Kind === 'connect-proxy').length;
  return (
    <section>
      <div class="page-head">
        <h1>Services</h1>
        <span class="muted">
          {summaries.data ? `${all.length - proxies} services${proxies > 0 ? `, ${proxies} sidecar proxies` : ''}` : ''}
        </span>
      </div>
      <ErrorBox error={summaries.error} />
      <div class="filters">
        <input
          type="search"
          placeholder="Search by name or tag"
          aria-label="Search services"
          value={search}
          onInput={(event) => setSearch((event.target as HTMLInputElement).value)}
        />
        <select
          aria-label="Filter by health"
          value={status}
          onChange={(event) => setStatus((event.target as HTMLSelectElement).value as StatusFilter)}
        >
          <option value="all">All health</option>
          <option value="passing">Passing</option>
          <option value="warning">Warning</option>
          <option value="critical">Critical</option>
        </select>
        <select
          aria-label="Sort services"
          value={order}
          onChange={(event) => setOrder((event.target as HTMLSelectElement).value as SortOrder)}
        >
          <option value="name">Sort: name</option>
          <option value="health">Sort: worst health</option>
        </select>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={showProxies}
            onChange={(event) => setShowProxies((event.target as HTMLInputElement).checked)}
          />
          Show sidecar proxies
        </label>
      </div>
      {summaries.data === undefined ? (
        summaries.error ? null : (
          <Loading what="services" />
        )
      ) : all.length === 0 ? (
        <div class="empty">
          <p>No services are registered in {dc} yet.</p>
          <p class="muted">
            Register one with <code>lattice services register</code> or <code>PUT /v1/agent/service/register</code>.
          </p>
        </div>
      ) : shown.length === 0 ? (
        <p class="empty">No services match the search and filters.</p>
      ) : (
        <table class="list services-table">
          <thead>
            <tr>
              <th>Service</th>
              <th>Health</th>
              <th>Health checks</th>
              <th>Instances</th>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((service) => {
              const role = meshRole(service);
              const nodes = service.Nodes ?? [];
              return (
                <tr key={service.Name} data-service={service.Name}>
                  <td>
                    <Link href={href(dc, 'services', service.Name)} class="strong">
                      {service.Name}
                    </Link>
                    {service.Kind ? <span class="badge">{service.Kind}</span> : null}
                    {role !== null ? (
                      <span class="badge badge-mesh" title={meshTitles[role]}>
                        in service mesh
                      </span>
                    ) : null}
                    {(service.ExternalSources ?? []).map((source) => (
                      <span key={source} class="badge" title={`registered by ${source}`}>
                        {source}
                      </span>
                    ))}
                  </td>
                  <td>
                    <StatusPill status={worstOf(service)} />
                  </td>
                  <td>
                    <HealthCountsView counts={countsOf(service)} />
                  </td>
                  <td>
                    {service.InstanceCount} {service.InstanceCount === 1 ? 'instance' : 'instances'}
                    {nodes.length > 0 ? <span class="muted"> on {nodes.join(', ')}</span> : null}
                  </td>
                  <td>
                    <Tags tags={service.Tags ?? []} onPick={setSearch} />
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
