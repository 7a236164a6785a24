// Where the web UI's built files are and which file a request under the content path gets: a real file (assets
// are looked up on disk, never outside the UI folder), index.html for the single-page app's own routes, or
// nothing (a missing asset is a 404, not the app). No I/O beyond reading the folder the caller names.

import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run build` writes the UI into ui/dist (vite.config.ts); from dist/agent/http/ that is three folders up,
 * so a clean checkout finds it without configuration. `ui_config.dir` overrides it.
 */
export const defaultUiDir: string = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));

/** The placeholder base tag in ui/index.html; the agent writes the configured content path into it. */
const baseTagPattern = /<base href="[^"]*"\s*\/?>/;

const contentTypeByExtension: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
});

export function contentTypeOf(path: string): string {
  return contentTypeByExtension[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** `/ui`, `ui/`, `/ui/` → `/ui/`: the form routes and the base tag use (Consul adds the slashes the same way). */
export function normalizeContentPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

export type UiTarget =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'app' }
  | { readonly kind: 'missing' };

/**
 * Maps the part of a URL path after the content path to a target. Paths under `assets/` and top-level names
 * with an extension (`favicon.svg`) are files; everything else is a client route of the app (KV keys may hold
 * dots, so an extension deeper down does not make a file). A path that decodes outside `dir` is missing.
 */
export function uiTargetFor(dir: string, relativeUrlPath: string): UiTarget {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativeUrlPath);
  } catch {
    return { kind: 'missing' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'missing' };
  const isAsset = decoded.startsWith('assets/') || (!decoded.includes('/') && extname(decoded) !== '');
  if (!isAsset) return { kind: 'app' };
  const root = resolve(dir);
  const path = resolve(root, `./${decoded}`);
  if (!path.startsWith(root + sep) || isAbsolute(decoded)) return { kind: 'missing' };
  return { kind: 'file', path };
}

/** The UI folder's index.html, or null when the UI was never built there. */
export async function readIndexHtml(dir: string): Promise<string | null> {
  try {
    return await readFile(resolve(dir, 'index.html'), 'utf8');
  } catch {
    return null;
  }
}

/** index.html with its base tag pointing at `contentPath`, so asset URLs and client routes work under any prefix. */
export function withBasePath(indexHtml: string, contentPath: string): string {
  const escaped = contentPath.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return indexHtml.replace(baseTagPattern, `<base href="${escaped}" />`);
}

/** A regular file's bytes, or null when it does not exist (or is a folder). */
export async function readUiFile(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

/** Shown instead of the app when the UI is on but its files are missing, with the way to fix it. */
export function notBuiltMessage(dir: string): string {
  return `The Lattice web UI is enabled but not built: no index.html in ${dir}. Run \`npm run build\` (it builds the UI into ui/dist), or set ui_config.dir to a folder holding a built UI.`;
}
