// The frame around every page: the header (navigation, datacenter switcher, ACL token) and the status bar.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { savedToken, saveToken } from '../api/client.js';
import { useBlocking } from '../api/live.js';
import { href, Link, navigate, type Route } from '../router.js';
import { StatusBar } from './status-bar.js';

const sections = [
  { section: 'services', label: 'Services', pages: ['services', 'service'] },
  { section: 'nodes', label: 'Nodes', pages: ['nodes', 'node'] },
  { section: 'intentions', label: 'Intentions', pages: ['intentions'] },
  { section: 'kv', label: 'Key/Value', pages: ['kv'] },
] as const;

function DatacenterSwitcher({ dc, route }: { readonly dc: string; readonly route: Route }) {
  const datacenters = useBlocking<string[]>('/v1/catalog/datacenters');
  const known = datacenters.data ?? [dc];
  const options = known.includes(dc) ? known : [dc, ...known];
  const section = route.page === 'service' ? 'services' : route.page === 'node' ? 'nodes' : route.page;
  return (
    <label class="dc-switcher" title="Datacenter">
      <span class="muted">Datacenter</span>
      <select
        aria-label="Datacenter"
        value={dc}
        onChange={(event) =>
          navigate(href((event.target as HTMLSelectElement).value, section === 'root' ? 'services' : section))
        }
      >
        {options.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function TokenSetting() {
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState(savedToken());
  const hasToken = savedToken() !== '';
  if (!open)
    return (
      <button type="button" class="link-button" onClick={() => setOpen(true)}>
        Token{hasToken ? ' ●' : ''}
      </button>
    );
  return (
    <form
      class="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        saveToken(token.trim());
        setOpen(false);
        location.reload();
      }}
    >
      <input
        aria-label="ACL token"
        placeholder="ACL token (SecretID)"
        value={token}
        onInput={(event) => setToken((event.target as HTMLInputElement).value)}
      />
      <button type="submit">Use</button>
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

/** The browser tab's title: the page, then the datacenter, so several tabs stay apart. */
function titleOf(route: Route, dc: string): string {
  switch (route.page) {
    case 'service':
    case 'node':
      return `${route.name} · ${route.page === 'service' ? 'Services' : 'Nodes'} · ${dc}`;
    case 'kv':
      return `${route.key === '' ? 'Key/Value' : route.key} · ${dc}`;
    case 'root':
    case 'not-found':
      return '';
    default:
      return `${route.page[0]!.toUpperCase()}${route.page.slice(1)} · ${dc}`;
  }
}

export function Layout({
  dc,
  route,
  children,
}: {
  readonly dc: string;
  readonly route: Route;
  readonly children: ComponentChildren;
}) {
  useEffect(() => {
    const title = titleOf(route, dc);
    document.title = title === '' ? 'Lattice' : `${title} · Lattice`;
  }, [route, dc]);
  return (
    <div class="frame">
      <header class="topbar">
        <Link href={href(dc, 'services')} class="brand">
          <img src="favicon.svg" alt="" width={22} height={22} />
          Lattice
        </Link>
        <nav>
          {sections.map(({ section, label, pages }) => (
            <Link
              key={section}
              href={href(dc, section)}
              class={(pages as readonly string[]).includes(route.page) ? 'active' : ''}
            >
              {label}
            </Link>
          ))}
        </nav>
        <div class="topbar-right">
          <DatacenterSwitcher dc={dc} route={route} />
          <TokenSetting />
        </div>
      </header>
      <main>{children}</main>
      <StatusBar />
    </div>
  );
}
