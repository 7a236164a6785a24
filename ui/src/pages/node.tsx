// One node: its addresses and metadata, its own checks, and each service instance on it with that instance's
// checks; one blocking query on /v1/internal/ui/node/:node (404, shown as "no such node", when it is gone).

import { Fragment } from 'preact';
import { useBlocking } from '../api/live.js';
import type { UiNodeInfo } from '../api/types.js';
import { ChecksList } from '../components/checks.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { countChecks, HealthCountsView, StatusPill, Tags, worstStatus } from '../components/health.js';
import { href, Link } from '../router.js';

export function NodePage({ dc, name }: { readonly dc: string; readonly name: string }) {
  const info = useBlocking<UiNodeInfo | null>(`/v1/internal/ui/node/${encodeURIComponent(name)}`, {}, [404]);
  const node = info.data ?? undefined;
  const checks = node?.Checks ?? [];
  const nodeChecks = checks.filter((check) => check.ServiceID === '');
  return (
    <section>
      <p class="crumbs">
        <Link href={href(dc, 'nodes')}>Nodes</Link> /
      </p>
      <div class="page-head">
        <h1>{name}</h1>
        {node ? <StatusPill status={worstStatus(countChecks(checks))} /> : null}
        {node ? <HealthCountsView counts={countChecks(checks)} /> : null}
      </div>
      <ErrorBox error={info.error} />
      {info.data === undefined ? (
        info.error ? null : (
          <Loading what="the node" />
        )
      ) : node === undefined ? (
        <p class="empty">
          There is no node named {name} in {dc}.
        </p>
      ) : (
        <>
          <div class="card">
            <dl class="facts">
              <dt>Address</dt>
              <dd>
                <code>{node.Address}</code>
              </dd>
              <dt>Node ID</dt>
              <dd>
                <code>{node.ID || '—'}</code>
              </dd>
              <dt>Datacenter</dt>
              <dd>{dc}</dd>
              {Object.entries(node.TaggedAddresses).map(([kind, address]) => (
                <Fragment key={`t-${kind}`}>
                  <dt>Address ({kind})</dt>
                  <dd>
                    <code>{address}</code>
                  </dd>
                </Fragment>
              ))}
              {Object.entries(node.Meta).map(([key, value]) => (
                <Fragment key={`m-${key}`}>
                  <dt>{key}</dt>
                  <dd>{value === '' ? <span class="muted">(empty)</span> : value}</dd>
                </Fragment>
              ))}
            </dl>
          </div>
          <h2>Node checks</h2>
          <ChecksList checks={nodeChecks} />
          <h2>Service instances ({node.Services.length})</h2>
          {node.Services.length === 0 ? (
            <p class="empty">No services run on this node.</p>
          ) : (
            <div class="instances">
              {node.Services.map((service) => {
                const own = checks.filter((check) => check.ServiceID === service.ID);
                return (
                  <article key={service.ID} class="card instance">
                    <header class="card-head">
                      <StatusPill status={worstStatus(countChecks([...nodeChecks, ...own]))} />
                      <h3>
                        <Link href={href(dc, 'services', service.Service)}>{service.ID}</Link>
                      </h3>
                      <span class="muted">
                        {service.Address || node.Address}:{service.Port}
                        {service.Kind ? ` · ${service.Kind}` : ''}
                      </span>
                      <Tags tags={service.Tags} />
                    </header>
                    <ChecksList checks={own} />
                  </article>
                );
              })}
            </div>
          )}
        </>
      )}
    </section>
  );
}
