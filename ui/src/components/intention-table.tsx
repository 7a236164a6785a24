// Intentions as a table in precedence order (the order the servers evaluate them: the first match decides).

import type { Intention } from '../api/types.js';

/** Source and destination name an intention uniquely (its ID is empty when it was made with /exact). */
export function intentionKey(intention: Pick<Intention, 'SourceName' | 'DestinationName'>): string {
  return `${intention.SourceName}->${intention.DestinationName}`;
}

/** One line per L7 permission, as the badge's tooltip: `deny GET,POST /admin*`. */
export function describePermissions(permissions: Intention['Permissions']): string {
  return (permissions ?? [])
    .map(({ Action, HTTP }) => {
      const path =
        HTTP?.PathExact ?? (HTTP?.PathPrefix ? `${HTTP.PathPrefix}*` : HTTP?.PathRegex ? `~${HTTP.PathRegex}` : '');
      const methods = HTTP?.Methods?.length ? `${HTTP.Methods.join(',')} ` : '';
      const headers = HTTP?.Header?.length ? ` (${HTTP.Header.length} header rules)` : '';
      return `${Action} ${methods}${path || 'any path'}${headers}`;
    })
    .join('\n');
}

export function ActionBadge({ intention }: { readonly intention: Pick<Intention, 'Action' | 'Permissions'> }) {
  if (intention.Action === '')
    return (
      <span class="badge" title={describePermissions(intention.Permissions)}>
        L7: {intention.Permissions?.length ?? 0} rules
      </span>
    );
  return <span class={`action action-${intention.Action}`}>{intention.Action}</span>;
}

export function IntentionTable({
  intentions,
  actions,
  highlight,
}: {
  readonly intentions: readonly Intention[];
  readonly actions?: (intention: Intention) => preact.ComponentChildren;
  readonly highlight?: string | null;
}) {
  return (
    <table class="list intentions-table">
      <thead>
        <tr>
          <th>Source</th>
          <th aria-label="to" />
          <th>Destination</th>
          <th>Action</th>
          <th>Precedence</th>
          <th>Description</th>
          {actions ? <th aria-label="Actions" /> : null}
        </tr>
      </thead>
      <tbody>
        {intentions.map((intention) => (
          <tr
            key={intentionKey(intention)}
            data-intention={intentionKey(intention)}
            class={highlight === intentionKey(intention) ? 'highlight' : ''}
          >
            <td class="strong">{intention.SourceName === '*' ? '* (any service)' : intention.SourceName}</td>
            <td class="muted">→</td>
            <td class="strong">{intention.DestinationName === '*' ? '* (any service)' : intention.DestinationName}</td>
            <td>
              <ActionBadge intention={intention} />
            </td>
            <td class="muted">{intention.Precedence}</td>
            <td>{intention.Description}</td>
            {actions ? <td class="row-actions">{actions(intention)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
