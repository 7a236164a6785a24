// KV helpers: key paths in URLs, folders by '/', and Consul's base64 `Value` decoded to text when it is UTF-8.

export function kvPath(key: string): string {
  return `/v1/kv/${key
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/')}`;
}

/** The folder holding `key` ('' for the root): `a/b/c` → `a/b/`, `a/b/` → `a/`. */
export function parentFolder(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '' : trimmed.slice(0, slash + 1);
}

/** The last part of a key or folder, as the folder listing shows it (`a/b/` → `b/`). */
export function baseName(key: string): string {
  const folder = parentFolder(key);
  return key.slice(folder.length);
}

export type DecodedValue =
  | { readonly kind: 'text'; readonly text: string; readonly bytes: number }
  | { readonly kind: 'binary'; readonly base64: string; readonly bytes: number };

/** Consul sends values as base64 (null when empty); text that is valid UTF-8 is shown and edited as text. */
export function decodeValue(base64: string | null): DecodedValue {
  if (base64 === null || base64 === '') return { kind: 'text', text: '', bytes: 0 };
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes: bytes.length };
  } catch {
    return { kind: 'binary', base64, bytes: bytes.length };
  }
}
