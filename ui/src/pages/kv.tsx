// The KV browser and editor: folders by '/', each folder's keys live (blocking ?keys&separator=/), a key's value
// decoded from base64 and edited with check-and-set so a change made elsewhere is not overwritten unseen.

import { useState } from 'preact/hooks';
import { apiUrl, request } from '../api/client.js';
import { baseName, decodeValue, kvPath, parentFolder } from '../api/kv.js';
import { useBlocking } from '../api/live.js';
import type { KvEntry } from '../api/types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { href, Link, navigate } from '../router.js';

/** Drawn, not an emoji: machines without an emoji font would show empty boxes. */
function KvIcon({ folder }: { readonly folder: boolean }) {
  return (
    <svg class="kv-icon" viewBox="0 0 16 16" width={16} height={16} aria-hidden="true">
      {folder ? <path d="M1.5 3.5h4.2l1.5 1.6h7.3v8.4H1.5z" /> : <path d="M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3" />}
    </svg>
  );
}

function Breadcrumbs({ dc, keyPath }: { readonly dc: string; readonly keyPath: string }) {
  const parts = keyPath.split('/').filter((part) => part !== '');
  const folders = parts.slice(0, keyPath.endsWith('/') ? parts.length : parts.length - 1);
  return (
    <p class="crumbs">
      <Link href={href(dc, 'kv')}>Key/Value</Link> /{' '}
      {folders.map((part, index) => (
        <span key={folders.slice(0, index + 1).join('/')}>
          <Link href={href(dc, 'kv', `${folders.slice(0, index + 1).join('/')}/`)}>{part}</Link> /{' '}
        </span>
      ))}
    </p>
  );
}

function CreateForm({
  dc,
  folder,
  onCancel,
}: {
  readonly dc: string;
  readonly folder: string;
  readonly onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const isFolder = name.endsWith('/');
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const key = `${folder}${name.replace(/^\/+/, '')}`;
    try {
      // cas=0: only if the key does not exist yet, so creating never overwrites.
      const reply = await request<boolean>(apiUrl(kvPath(key), { cas: 0 }), {
        method: 'PUT',
        body: isFolder ? '' : value,
      });
      if (reply.value !== true) {
        setError(new Error(`${key} already exists`));
        return;
      }
      navigate(href(dc, 'kv', key));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="card form kv-create" onSubmit={save} aria-label="Create key">
      <h2>Create a key or folder in {folder === '' ? 'the root' : folder}</h2>
      <label>
        Key or folder (end with / for a folder)
        <input
          name="key"
          required
          value={name}
          onInput={(event) => setName((event.target as HTMLInputElement).value)}
        />
      </label>
      {isFolder ? null : (
        <label>
          Value
          <textarea
            name="value"
            rows={6}
            value={value}
            onInput={(event) => setValue((event.target as HTMLTextAreaElement).value)}
          />
        </label>
      )}
      <ErrorBox error={error} context="Not saved" />
      <div class="form-actions">
        <button type="submit">Save</button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function FolderView({ dc, folder }: { readonly dc: string; readonly folder: string }) {
  const keys = useBlocking<string[] | null>(kvPath(folder), { keys: true, separator: '/' }, [404]);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The folder's own key (`a/`) lists itself; it is the folder, not an entry in it.
  const entries = (keys.data ?? []).filter((key) => key !== folder).sort();
  const removeFolder = async () => {
    try {
      await request(apiUrl(kvPath(folder), { recurse: true }), { method: 'DELETE' });
      navigate(href(dc, 'kv', parentFolder(folder)));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section>
      <Breadcrumbs dc={dc} keyPath={folder} />
      <div class="page-head">
        <h1>{folder === '' ? 'Key/Value' : baseName(folder)}</h1>
        <span class="spacer" />
        {creating ? null : (
          <button type="button" onClick={() => setCreating(true)}>
            Create
          </button>
        )}
        {folder !== '' && !confirming ? (
          <button type="button" class="secondary danger-text" onClick={() => setConfirming(true)}>
            Delete folder
          </button>
        ) : null}
        {confirming ? (
          <span class="confirm">
            Delete {folder} and every key in it?{' '}
            <button type="button" class="danger" onClick={removeFolder}>
              Yes, delete
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              No
            </button>
          </span>
        ) : null}
      </div>
      {creating ? <CreateForm dc={dc} folder={folder} onCancel={() => setCreating(false)} /> : null}
      <ErrorBox error={keys.error ?? error} />
      {keys.data === undefined ? (
        keys.error ? null : (
          <Loading what="keys" />
        )
      ) : entries.length === 0 ? (
        <p class="empty">{folder === '' ? 'The KV store is empty.' : `${folder} is empty.`}</p>
      ) : (
        <ul class="kv-list">
          {entries.map((key) => (
            <li key={key} class={key.endsWith('/') ? 'kv-folder' : 'kv-key'}>
              <Link href={href(dc, 'kv', key)}>
                <KvIcon folder={key.endsWith('/')} />
                {baseName(key)}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function KeyEditor({
  dc,
  entry,
  status,
  setStatus,
}: {
  readonly dc: string;
  readonly entry: KvEntry;
  readonly status: string | null;
  readonly setStatus: (status: string | null) => void;
}) {
  const decoded = decodeValue(entry.Value);
  const [text, setText] = useState(decoded.kind === 'text' ? decoded.text : '');
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setStatus(null);
    try {
      const reply = await request<boolean>(apiUrl(kvPath(entry.Key), { cas: entry.ModifyIndex }), {
        method: 'PUT',
        body: text,
      });
      setStatus(
        reply.value === true
          ? 'Saved.'
          : 'Not saved: the key changed since this page loaded it. The new value is shown; save again to overwrite.',
      );
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async () => {
    try {
      await request(apiUrl(kvPath(entry.Key)), { method: 'DELETE' });
      navigate(href(dc, 'kv', parentFolder(entry.Key)));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="card form kv-editor" onSubmit={save} aria-label="Edit key">
      {decoded.kind === 'binary' ? (
        <>
          <p class="notice">
            This value is binary ({decoded.bytes} bytes), not UTF-8 text; it is shown as base64 and cannot be edited
            here.
          </p>
          <pre class="kv-binary">{decoded.base64}</pre>
        </>
      ) : (
        <label>
          Value
          <textarea
            name="value"
            rows={12}
            spellcheck={false}
            value={text}
            onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
          />
        </label>
      )}
      <dl class="facts">
        <dt>Flags</dt>
        <dd>{entry.Flags}</dd>
        <dt>Session</dt>
        <dd>{entry.Session || 'none (unlocked)'}</dd>
        <dt>Indexes</dt>
        <dd>
          created {entry.CreateIndex}, modified {entry.ModifyIndex}, lock {entry.LockIndex}
        </dd>
      </dl>
      {status ? (
        <p class="notice" role="status">
          {status}
        </p>
      ) : null}
      <ErrorBox error={error} />
      <div class="form-actions">
        {decoded.kind === 'text' ? <button type="submit">Save</button> : null}
        {confirming ? (
          <span class="confirm">
            Delete {entry.Key}?{' '}
            <button type="button" class="danger" onClick={remove}>
              Yes, delete
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              No
            </button>
          </span>
        ) : (
          <button type="button" class="secondary danger-text" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
    </form>
  );
}

function KeyView({ dc, keyPath }: { readonly dc: string; readonly keyPath: string }) {
  const entry = useBlocking<KvEntry[] | null>(kvPath(keyPath), {}, [404]);
  // Lives here, not in the editor, which starts over (with the new value) each time the key changes.
  const [status, setStatus] = useState<string | null>(null);
  const current = entry.data?.[0];
  return (
    <section>
      <Breadcrumbs dc={dc} keyPath={keyPath} />
      <div class="page-head">
        <h1>{baseName(keyPath)}</h1>
        <code class="muted">{keyPath}</code>
      </div>
      <ErrorBox error={entry.error} />
      {entry.data === undefined ? (
        entry.error ? null : (
          <Loading what="the key" />
        )
      ) : current === undefined ? (
        <p class="empty">
          There is no key {keyPath}. <Link href={href(dc, 'kv', parentFolder(keyPath))}>Back to its folder</Link>
        </p>
      ) : (
        // Keyed by ModifyIndex: a change made elsewhere reloads the editor with the new value.
        <KeyEditor key={current.ModifyIndex} dc={dc} entry={current} status={status} setStatus={setStatus} />
      )}
    </section>
  );
}

export function KvPage({ dc, keyPath }: { readonly dc: string; readonly keyPath: string }) {
  if (keyPath === '' || keyPath.endsWith('/')) return <FolderView key={keyPath} dc={dc} folder={keyPath} />;
  return <KeyView key={keyPath} dc={dc} keyPath={keyPath} />;
}
