// The app: picks the page for the route inside the frame. `/ui/` goes to the local agent's datacenter's
// services, the first page a person sees.

import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { getJson, setRequestDatacenter } from './api/client.js';
import { useLoad } from './api/live.js';
import type { AgentSelfConfigReply } from './api/types.js';
import { ErrorBox } from './components/error-box.js';
import { Layout } from './components/layout.js';
import { IntentionsPage } from './pages/intentions.js';
import { KvPage } from './pages/kv.js';
import { NodePage } from './pages/node.js';
import { NodesPage } from './pages/nodes.js';
import { ServicePage } from './pages/service.js';
import { ServicesPage } from './pages/services.js';
import { href, Link, navigate, useRoute } from './router.js';

interface AgentSelf {
  readonly Config: AgentSelfConfigReply;
}

function RootRedirect() {
  const self = useLoad((signal) => getJson<AgentSelf>('/v1/agent/self', signal), []);
  useEffect(() => {
    if (self.data) navigate(href(self.data.Config.Datacenter, 'services'), { replace: true });
  }, [self.data]);
  return (
    <div class="frame">
      <main>
        {self.error ? <ErrorBox error={self.error} context="Cannot reach the agent" /> : <p class="muted">Loading…</p>}
      </main>
    </div>
  );
}

export function App() {
  const route = useRoute();
  if (route.page === 'root') return <RootRedirect />;
  setRequestDatacenter(route.dc);
  const { dc } = route;
  let page: ComponentChildren;
  switch (route.page) {
    case 'services':
      page = <ServicesPage dc={dc} />;
      break;
    case 'service':
      page = <ServicePage key={route.name} dc={dc} name={route.name} />;
      break;
    case 'nodes':
      page = <NodesPage dc={dc} />;
      break;
    case 'node':
      page = <NodePage key={route.name} dc={dc} name={route.name} />;
      break;
    case 'intentions':
      page = <IntentionsPage />;
      break;
    case 'kv':
      page = <KvPage dc={dc} keyPath={route.key} />;
      break;
    default:
      page = (
        <section class="empty">
          <h1>Page not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <Link href={href(dc, 'services')}>Go to services</Link>
          </p>
        </section>
      );
  }
  return (
    // Keyed by datacenter: switching it restarts every query against the new one.
    <Layout key={dc} dc={dc} route={route}>
      {page}
    </Layout>
  );
}
