// A failure shown as a person can act on it: what happened, what the agent said, and that the page retries.

import { describeError } from '../api/client.js';

export function ErrorBox({ error, context }: { readonly error: unknown; readonly context?: string }) {
  if (error === null || error === undefined) return null;
  const { title, detail } = describeError(error);
  return (
    <div class="error-box" role="alert">
      <strong>{context ? `${context}: ${title}` : title}</strong>
      <p>{detail}</p>
    </div>
  );
}

/** Shown while the first answer is on its way (later updates replace data in place). */
export function Loading({ what }: { readonly what: string }) {
  return <p class="muted loading">Loading {what}…</p>;
}
