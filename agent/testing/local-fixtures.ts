// Shared doubles for tests of the agent's local state: a plain service row, and a LocalState + Registrar pair for
// node n1 on a given clock, as the check runner, the agent routes and other tests build them.

import type { Clock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { Registrar } from '../local/registrar.js';
import { LocalState } from '../local/state.js';
import type { LocalServiceRow } from '../local/types.js';

/** A service row with Consul's registration defaults, ID and name `web`, port 80, unless `fields` says otherwise. */
export function localServiceRow(fields: Partial<LocalServiceRow> = {}): LocalServiceRow {
  return {
    ID: 'web',
    Service: 'web',
    Tags: [],
    Address: '',
    TaggedAddresses: {},
    Meta: {},
    Port: 80,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Kind: '',
    Proxy: null,
    Connect: null,
    SocketPath: '',
    ...fields,
  };
}

/** LocalState for node n1 (127.0.0.1, dc1) and a Registrar over it without persistence, sidecars in 21000–21255. */
export function localStateForN1(clock: Clock): { state: LocalState; registrar: Registrar } {
  const state = new LocalState(
    { clock },
    {
      node: { ID: 'id', Node: 'n1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      checkUpdateIntervalMs: 0,
    },
  );
  const registrar = new Registrar(
    state,
    null,
    { nodeName: 'n1', sidecarMinPort: 21000, sidecarMaxPort: 21255 },
    silentLogger(),
  );
  return { state, registrar };
}
