// The services list: every service with its health counts, instances and tags; search by name or tag, filter by
// health, sidecar proxies hidden unless asked for. Follows the catalog and every check with blocking queries.

import { useState } from 'preact/hooks';
import { useBlocking, useLoad } from '../api/live.js';
import { loadServiceSummaries, type ServiceSummary } from '../api/summaries.js';
import type { HealthCheck, HealthStatus } from '../api/types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { HealthCountsView, StatusPill, statusOrder, Tags, worstStatus } from '../components/health.js';
import { href, Link } from '../router.js';

type StatusFilter = 'all' | HealthStatus;
type SortOrder = 'name' | 'health';

/** Worst first: critical, then warning, then passing; by name within each. */
function byHealth(a: ServiceSummary, b: ServiceSummary): number {
  const rank = (service: ServiceSummary) => statusOrder.indexOf(worstStatus(service.counts));
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

function matches(service: ServiceSummary, search: string, status: StatusFilter, showProxies: boolean): boolean {
  if (!showProxies && service.kind === 'connect-proxy') return false;
  if (status !== 'all' && worstStatus(service.counts) !== status) return false;
  const text = search.trim().toLowerCase();
  if (text === '') return true;
  return service.name.toLowerCase().includes(text) || service.tags.some((tag) => tag.toLowerCase().includes(text));
}

export function ServicesPage({ dc }: { readonly dc: string }) {
  const catalog = useBlocking<Record<string, string[]>>('/v1/catalog/services');
  const checks = useBlocking<HealthCheck[]>('/v1/health/state/any');
  const summaries = useLoad(
    catalog.data === undefined ? null : (signal) => loadServiceSummaries(catalog.data!, signal),
    [catalog.index, checks.index],
  );
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [showProxies, setShowProxies] = useState(false);
  const [order, setOrder] = useState<SortOrder>('name');
  const all = summaries.data ?? [];
  const shown = all.filter((service) => matches(service, search, status, showProxies));
  if (order === 'health') shown.sort(byHealth);
  const proxies = all.filter((service) => service.kind === 'connect-proxy').length;
  return (
    <section>
      <div class="page-head">
        <h1>Services</h1>
        <span class="muted">
          {summaries.data ? `${all.length - proxies} services${proxies > 0 ? `, ${proxies} sidecar proxies` : ''}` : ''}
        </span>
      </div>
      <ErrorBox error={catalog.error ?? checks.error ?? summaries.error} />
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
        catalog.error || summaries.error ? null : (
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
            {shown.map((service) => (
              <tr key={service.name} data-service={service.name}>
                <td>
                  <Link href={href(dc, 'services', service.name)} class="strong">
                    {service.name}
                  </Link>
                  {service.kind !== '' ? <span class="badge">{service.kind}</span> : null}
                  {service.proxiedBy.length > 0 ? (
                    <span class="badge badge-mesh" title={`sidecar: ${service.proxiedBy.join(', ')}`}>
                      in service mesh
                    </span>
                  ) : null}
                </td>
                <td>
                  <StatusPill status={worstStatus(service.counts)} />
                </td>
                <td>
                  <HealthCountsView counts={service.counts} />
                </td>
                <td>
                  {service.instances} {service.instances === 1 ? 'instance' : 'instances'}
                  <span class="muted"> on {service.nodes.join(', ')}</span>
                </td>
                <td>
                  <Tags tags={service.tags} onPick={setSearch} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
