// Intentions as a table in precedence order (the order the servers evaluate them: the first match decides).

import type { Intention } from '../api/types.js';

/** Source and destination name an intention uniquely (its ID is empty when it was made with /exact). */
export function intentionKey(intention: Pick<Intention, 'SourceName' | 'DestinationName'>): string {
  return `${intention.SourceName}->${intention.DestinationName}`;
}

export function ActionBadge({ action }: { readonly action: Intention['Action'] }) {
  if (action === '') return <span class="badge">L7 rules</span>;
  return <span class={`action action-${action}`}>{action}</span>;
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
              <ActionBadge action={intention.Action} />
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
