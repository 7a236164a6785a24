// Intentions: the list in precedence order (live), a form to create or edit one, delete with a confirmation,
// and a checker that asks the servers whether A may reach B (/check) and names the intention that decides it
// (/match: the first of B's intentions, in precedence order, whose source matches A).

import { useState } from 'preact/hooks';
import { ApiError, apiUrl, getJson } from '../api/client.js';
import { createIntention, deleteIntention, updateIntention } from '../api/intentions.js';
import { useBlocking } from '../api/live.js';
import type { Intention, IntentionAction, IntentionCheckReply } from '../api/types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { ActionBadge, IntentionTable, intentionKey } from '../components/intention-table.js';

interface Draft {
  /** intentionKey of the intention being edited; null for a new one. */
  readonly id: string | null;
  readonly source: string;
  readonly destination: string;
  readonly action: IntentionAction;
  readonly description: string;
}

const emptyDraft: Draft = { id: null, source: '', destination: '', action: 'deny', description: '' };

function ServiceNames({ id, names }: { readonly id: string; readonly names: readonly string[] }) {
  return (
    <datalist id={id}>
      <option value="*">any service</option>
      {names.map((name) => (
        <option key={name} value={name} />
      ))}
    </datalist>
  );
}

function IntentionForm({
  draft,
  names,
  onDone,
}: {
  readonly draft: Draft;
  readonly names: readonly string[];
  readonly onDone: (savedId: string | null) => void;
}) {
  const [value, setValue] = useState(draft);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const editing = value.id !== null;
  const field = (name: keyof Draft) => (event: Event) =>
    setValue({ ...value, [name]: (event.target as HTMLInputElement).value });
  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const source = value.source.trim();
    const destination = value.destination.trim();
    const fields = { action: value.action, description: value.description };
    try {
      // Every write names the pair (/exact), never a legacy ID: see api/intentions.ts.
      if (editing) await updateIntention(source, destination, fields);
      else await createIntention(source, destination, fields);
      onDone(intentionKey({ SourceName: source, DestinationName: destination }));
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };
  return (
    <form class="card form intention-form" onSubmit={save} aria-label={editing ? 'Edit intention' : 'New intention'}>
      <h2>{editing ? 'Edit intention' : 'New intention'}</h2>
      <div class="form-row">
        <label>
          Source service
          <input
            name="source"
            list="intention-service-names"
            required
            disabled={editing}
            placeholder="web, or * for any"
            value={value.source}
            onInput={field('source')}
          />
        </label>
        <span class="arrow" aria-hidden="true">
          →
        </span>
        <label>
          Destination service
          <input
            name="destination"
            list="intention-service-names"
            required
            disabled={editing}
            placeholder="api, or * for any"
            value={value.destination}
            onInput={field('destination')}
          />
        </label>
      </div>
      <ServiceNames id="intention-service-names" names={names} />
      <fieldset class="radio-row">
        <legend>Should the source be allowed to connect to the destination?</legend>
        {(['allow', 'deny'] as const).map((action) => (
          <label key={action} class={`radio radio-${action}`}>
            <input
              type="radio"
              name="action"
              value={action}
              checked={value.action === action}
              onChange={() => setValue({ ...value, action })}
            />
            {action === 'allow' ? 'Allow' : 'Deny'}
          </label>
        ))}
      </fieldset>
      <label>
        Description
        <input name="description" value={value.description} onInput={field('description')} />
      </label>
      <ErrorBox error={error} context="Not saved" />
      <div class="form-actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface Verdict {
  readonly source: string;
  readonly destination: string;
  readonly allowed: boolean;
  readonly decidedBy: Intention | null;
}

function Checker({
  names,
  onDecided,
}: {
  readonly names: readonly string[];
  readonly onDecided: (id: string | null) => void;
}) {
  const [source, setSource] = useState('');
  const [destination, setDestination] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [error, setError] = useState<unknown>(null);
  const check = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const [reply, matches] = await Promise.all([
        getJson<IntentionCheckReply>(apiUrl('/v1/connect/intentions/check', { source, destination })),
        getJson<Record<string, Intention[]>>(
          apiUrl('/v1/connect/intentions/match', { by: 'destination', name: destination }),
        ),
      ]);
      const decidedBy =
        (matches[destination] ?? []).find(
          (intention) => intention.SourceName === source || intention.SourceName === '*',
        ) ?? null;
      setVerdict({ source, destination, allowed: reply.Allowed, decidedBy });
      onDecided(decidedBy ? intentionKey(decidedBy) : null);
    } catch (failure) {
      setVerdict(null);
      setError(failure);
    }
  };
  return (
    <form class="card form checker" onSubmit={check} aria-label="Check an intention">
      <h2>Is A allowed to reach B?</h2>
      <div class="form-row">
        <label>
          Source (A)
          <input
            name="check-source"
            list="checker-service-names"
            required
            value={source}
            onInput={(event) => setSource((event.target as HTMLInputElement).value.trim())}
          />
        </label>
        <span class="arrow" aria-hidden="true">
          →
        </span>
        <label>
          Destination (B)
          <input
            name="check-destination"
            list="checker-service-names"
            required
            value={destination}
            onInput={(event) => setDestination((event.target as HTMLInputElement).value.trim())}
          />
        </label>
        <button type="submit">Check</button>
      </div>
      <ServiceNames id="checker-service-names" names={names} />
      <ErrorBox error={error} />
      {verdict ? (
        <div class={`verdict verdict-${verdict.allowed ? 'allowed' : 'denied'}`} role="status">
          <strong>
            {verdict.source} → {verdict.destination}: {verdict.allowed ? 'allowed' : 'denied'}
          </strong>
          <span>
            {verdict.decidedBy ? (
              <>
                by the intention {verdict.decidedBy.SourceName} → {verdict.decidedBy.DestinationName} (
                <ActionBadge intention={verdict.decidedBy} />, precedence {verdict.decidedBy.Precedence}
                {verdict.decidedBy.Description ? `, “${verdict.decidedBy.Description}”` : ''})
              </>
            ) : (
              `no intention matches, so the default policy (${verdict.allowed ? 'allow' : 'deny'}) decides`
            )}
          </span>
        </div>
      ) : null}
    </form>
  );
}

export function IntentionsPage() {
  const intentions = useBlocking<Intention[]>('/v1/connect/intentions');
  const catalog = useBlocking<Record<string, string[]>>('/v1/catalog/services');
  const [draft, setDraft] = useState<Draft | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const text = search.trim().toLowerCase();
  const shown = (intentions.data ?? []).filter(
    (intention) =>
      text === '' ||
      intention.SourceName.toLowerCase().includes(text) ||
      intention.DestinationName.toLowerCase().includes(text),
  );
  const names = Object.keys(catalog.data ?? {}).sort();
  const remove = async (intention: Intention) => {
    setActionError(null);
    try {
      await deleteIntention(intention.SourceName, intention.DestinationName);
      setConfirming(null);
    } catch (failure) {
      setActionError(failure instanceof ApiError ? failure : new ApiError('server', 0, String(failure)));
    }
  };
  return (
    <section>
      <div class="page-head">
        <h1>Intentions</h1>
        <span class="muted">which services may connect to which, first match wins</span>
        <span class="spacer" />
        {draft === null ? (
          <button type="button" onClick={() => setDraft(emptyDraft)}>
            Create intention
          </button>
        ) : null}
      </div>
      {draft ? (
        <IntentionForm
          key={draft.id ?? 'new'}
          draft={draft}
          names={names}
          onDone={(id) => {
            setDraft(null);
            setHighlight(id);
          }}
        />
      ) : null}
      <ErrorBox error={intentions.error} />
      <ErrorBox error={actionError} context="Not deleted" />
      {(intentions.data ?? []).length > 0 ? (
        <div class="filters">
          <input
            type="search"
            placeholder="Filter by source or destination"
            aria-label="Filter intentions"
            value={search}
            onInput={(event) => setSearch((event.target as HTMLInputElement).value)}
          />
        </div>
      ) : null}
      {intentions.data === undefined ? (
        intentions.error ? null : (
          <Loading what="intentions" />
        )
      ) : intentions.data.length === 0 ? (
        <div class="empty">
          <p>No intentions yet: the default policy decides every connection.</p>
        </div>
      ) : shown.length === 0 ? (
        <p class="empty">No intentions name a service matching “{search}”.</p>
      ) : (
        <IntentionTable
          intentions={shown}
          highlight={highlight}
          actions={(intention) =>
            confirming === intentionKey(intention) ? (
              <span class="confirm">
                Delete?{' '}
                <button type="button" class="danger" onClick={() => remove(intention)}>
                  Yes, delete
                </button>
                <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                  No
                </button>
              </span>
            ) : (
              <>
                <button
                  type="button"
                  class="secondary"
                  disabled={intention.Action === ''}
                  title={intention.Action === '' ? 'L7 intentions are edited as service-intentions config entries' : ''}
                  onClick={() =>
                    setDraft({
                      id: intentionKey(intention),
                      source: intention.SourceName,
                      destination: intention.DestinationName,
                      action: intention.Action === '' ? 'deny' : intention.Action,
                      description: intention.Description,
                    })
                  }
                >
                  Edit
                </button>
                <button
                  type="button"
                  class="secondary danger-text"
                  onClick={() => setConfirming(intentionKey(intention))}
                >
                  Delete
                </button>
              </>
            )
          }
        />
      )}
      <Checker names={names} onDecided={setHighlight} />
    </section>
  );
}
