// Client-side routes under the UI's base path (`<base href>`, written by the agent): `/ui/<dc>/services`,
// `/ui/<dc>/services/<name>`, `/ui/<dc>/nodes[/<node>]`, `/ui/<dc>/intentions`, `/ui/<dc>/kv/<key or folder/>`.
// Links push history entries; the back button and address bar work as on any site.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly page: 'root' }
  | { readonly page: 'services'; readonly dc: string }
  | { readonly page: 'service'; readonly dc: string; readonly name: string }
  | { readonly page: 'nodes'; readonly dc: string }
  | { readonly page: 'node'; readonly dc: string; readonly name: string }
  | { readonly page: 'intentions'; readonly dc: string }
  | { readonly page: 'kv'; readonly dc: string; readonly key: string }
  | { readonly page: 'not-found'; readonly dc: string; readonly path: string };

/** The base path with its trailing slash (`/ui/`). */
export function basePath(): string {
  return new URL(document.baseURI).pathname;
}

export function parseRoute(pathname: string, search: string): Route {
  const base = basePath();
  const relative = pathname.startsWith(base) ? pathname.slice(base.length) : pathname.replace(/^\//, '');
  if (relative === '') return { page: 'root' };
  const [dcPart = '', section = '', ...rest] = relative.split('/');
  const dc = decodeURIComponent(dcPart);
  const tail = rest.map(decodeURIComponent).join('/');
  switch (section) {
    case '':
    case 'services':
      return tail === '' ? { page: 'services', dc } : { page: 'service', dc, name: tail };
    case 'nodes':
      return tail === '' ? { page: 'nodes', dc } : { page: 'node', dc, name: tail };
    case 'intentions':
      return { page: 'intentions', dc };
    case 'kv':
      return { page: 'kv', dc, key: tail };
    default:
      return { page: 'not-found', dc, path: `${relative}${search}` };
  }
}

/** The href of a page: `href(dc, 'kv', 'app/config/')`; each part of the tail is encoded but its slashes kept. */
export function href(dc: string, section: string, tail = ''): string {
  const encodedTail = tail
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  return `${basePath()}${encodeURIComponent(dc)}/${section}${tail === '' ? '' : `/${encodedTail}`}`;
}

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

interface LinkProps {
  readonly href: string;
  readonly children: ComponentChildren;
  readonly class?: string;
  readonly title?: string;
}

/** An anchor that changes page without reloading (modified clicks still open new tabs). */
export function Link({ href: to, children, class: className, title }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} class={className} title={title}>
      {children}
    </a>
  );
}
