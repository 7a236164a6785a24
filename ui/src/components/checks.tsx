// A list of health checks with status, name, type and the last output, as on Consul's instance pages.

import type { HealthCheck } from '../api/types.js';
import { StatusPill } from './health.js';

export function ChecksList({ checks }: { readonly checks: readonly HealthCheck[] }) {
  if (checks.length === 0) return <p class="muted">No health checks.</p>;
  return (
    <ul class="checks">
      {checks.map((check) => (
        <li key={`${check.Node}/${check.CheckID}`} class={`check check-${check.Status}`}>
          <div class="check-head">
            <StatusPill status={check.Status} />
            <span class="check-name">{check.Name}</span>
            <span class="muted">
              {check.ServiceID === '' ? 'node check' : 'service check'}
              {check.Type ? ` · ${check.Type}` : ''}
              {check.Interval ? ` · every ${check.Interval}` : ''}
            </span>
          </div>
          {check.Output ? <pre class="check-output">{check.Output}</pre> : null}
        </li>
      ))}
    </ul>
  );
}
