// One service: its instances with their checks, its topology (upstreams and downstreams with the intentions'
// verdict on each link, one blocking query on /v1/internal/ui/service-topology/:service while that tab is open)
// and the intentions that apply to it, all following blocking queries.

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useBlocking } from '../api/live.js';
import { intentionMatches, topologyEdges } from '../api/topology.js';
import type { CatalogService, Intention, ServiceEntry, UiServiceTopology } from '../api/types.js';
import { ChecksList } from '../components/checks.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { countChecks, HealthCountsView, StatusPill, Tags, worstStatus } from '../components/health.js';
import { IntentionTable } from '../components/intention-table.js';
import { TopologyGraph } from '../components/topology-graph.js';
import { href, Link } from '../router.js';

type Tab = 'instances' | 'topology' | 'intentions';

function Instance({
  entry,
  dc,
  sidecars,
}: {
  readonly entry: ServiceEntry;
  readonly dc: string;
  readonly sidecars: readonly CatalogService[];
}) {
  const service = entry.Service;
  const address = service.Address || entry.Node.Address;
  const sidecar = sidecars.find(
    (row) => row.Node === entry.Node.Node && row.ServiceProxy?.DestinationServiceID === service.ID,
  );
  return (
    <article class="card instance" data-instance={service.ID}>
      <header class="card-head">
        <StatusPill status={worstStatus(countChecks(entry.Checks))} />
        <h3>{service.ID}</h3>
        <span class="muted">
          on{' '}
          <Link href={href(dc, 'nodes', entry.Node.Node)} class="strong">
            {entry.Node.Node}
          </Link>{' '}
          · {address}:{service.Port}
        </span>
      </header>
      <dl class="facts">
        {service.Kind ? (
          <>
            <dt>Kind</dt>
            <dd>{service.Kind}</dd>
          </>
        ) : null}
        {service.Proxy?.DestinationServiceName ? (
          <>
            <dt>Proxies</dt>
            <dd>
              <Link href={href(dc, 'services', service.Proxy.DestinationServiceName)}>
                {service.Proxy.DestinationServiceName}
              </Link>
            </dd>
          </>
        ) : null}
        {sidecar ? (
          <>
            <dt>Sidecar proxy</dt>
            <dd>
              <Link href={href(dc, 'services', sidecar.ServiceName)}>{sidecar.ServiceID}</Link>
              <span class="muted">
                {' '}
                · {sidecar.ServiceAddress || sidecar.Address}:{sidecar.ServicePort} · mTLS for {service.Service}
              </span>
            </dd>
          </>
        ) : null}
        {service.Tags.length > 0 ? (
          <>
            <dt>Tags</dt>
            <dd>
              <Tags tags={service.Tags} />
            </dd>
          </>
        ) : null}
        {Object.entries(service.Meta).map(([key, value]) => (
          <Fragment key={key}>
            <dt>{key}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <ChecksList checks={entry.Checks} />
    </article>
  );
}

export function ServicePage({ dc, name }: { readonly dc: string; readonly name: string }) {
  const [tab, setTab] = useState<Tab>('instances');
  const health = useBlocking<ServiceEntry[]>(`/v1/health/service/${encodeURIComponent(name)}`);
  const intentions = useBlocking<Intention[]>('/v1/connect/intentions');
  // The sidecars (and Connect-native instances) of this service, for each instance's card and the upstreams' binds.
  const connect = useBlocking<CatalogService[]>(`/v1/catalog/connect/${encodeURIComponent(name)}`);
  const topology = useBlocking<UiServiceTopology>(
    tab === 'topology' ? `/v1/internal/ui/service-topology/${encodeURIComponent(name)}` : null,
    { kind: '' },
  );
  const sidecars = (connect.data ?? []).filter((row) => row.ServiceKind === 'connect-proxy');
  const edges = topology.data === undefined ? undefined : topologyEdges(topology.data, sidecars);
  const entries = health.data ?? [];
  // The service's tags are its instances' tags together, as /v1/catalog/services lists them.
  const tags = [...new Set(entries.flatMap((entry) => entry.Service.Tags))].sort();
  const inMesh = sidecars.length > 0 || entries.some((entry) => entry.Service.Connect?.Native === true);
  const counts = countChecks(entries.flatMap((entry) => entry.Checks));
  const incoming = (intentions.data ?? []).filter((intention) => intentionMatches(intention, null, name));
  const outgoing = (intentions.data ?? []).filter((intention) => intentionMatches(intention, name, null));
  const applying = [...new Set([...incoming, ...outgoing])];
  const tabs: readonly [Tab, string][] = [
    ['instances', `Instances (${entries.length})`],
    ['topology', 'Topology'],
    ['intentions', `Intentions (${applying.length})`],
  ];
  return (
    <section>
      <p class="crumbs">
        <Link href={href(dc, 'services')}>Services</Link> /
      </p>
      <div class="page-head">
        <h1>{name}</h1>
        {health.data ? <StatusPill status={worstStatus(counts)} /> : null}
        {health.data ? <HealthCountsView counts={counts} /> : null}
        <Tags tags={tags} />
      </div>
      <ErrorBox error={health.error} />
      <div class="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            class={tab === id ? 'tab active' : 'tab'}
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === 'instances' ? (
        health.data === undefined ? (
          health.error ? null : (
            <Loading what="instances" />
          )
        ) : entries.length === 0 ? (
          <p class="empty">
            No instances of {name} are registered in {dc}.
          </p>
        ) : (
          <div class="instances">
            {entries.map((entry) => (
              <Instance key={`${entry.Node.Node}/${entry.Service.ID}`} entry={entry} dc={dc} sidecars={sidecars} />
            ))}
          </div>
        )
      ) : null}
      {tab === 'topology' ? (
        <div class="card">
          <ErrorBox error={topology.error ?? connect.error} />
          {edges === undefined ? (
            topology.error ? null : (
              <Loading what="topology" />
            )
          ) : (
            <>
              {!inMesh && connect.data !== undefined ? (
                <p class="notice">
                  {name} has no sidecar proxy and is not Connect-native, so it is not in the service mesh yet.
                </p>
              ) : null}
              <div class="topology-wrap">
                <TopologyGraph
                  service={name}
                  upstreams={edges.upstreams}
                  downstreams={edges.downstreams}
                  hrefOf={(other) => href(dc, 'services', other)}
                />
              </div>
              <p class="muted legend">
                Downstreams (left) call {name}; upstreams (right) are what {name} calls. Green links are allowed by
                intentions, red dashed links are denied.
              </p>
            </>
          )}
        </div>
      ) : null}
      {tab === 'intentions' ? (
        <div>
          <ErrorBox error={intentions.error} />
          {applying.length === 0 ? (
            <p class="empty">
              No intentions name {name}; the default policy decides.{' '}
              <Link href={href(dc, 'intentions')}>Create one</Link>
            </p>
          ) : (
            <>
              <h2>Incoming: who may call {name}</h2>
              {incoming.length === 0 ? (
                <p class="muted">None: the default policy decides.</p>
              ) : (
                <IntentionTable intentions={incoming} />
              )}
              <h2>Outgoing: what {name} may call</h2>
              {outgoing.length === 0 ? (
                <p class="muted">None: the default policy decides.</p>
              ) : (
                <IntentionTable intentions={outgoing} />
              )}
              <p class="muted legend">In precedence order: for each connection the first matching intention decides.</p>
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}
