// Response codes, and the one table that turns an operating error into one (STYLE §3.5: errors become DNS rcodes
// only at this edge). Consul's rCodeFromError: an unknown datacenter is NXDOMAIN, anything else SERVFAIL.

import { findCause } from '../../lib/errors.js';
import { NoPathToDatacenterError } from '../../server/rpc/errors.js';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export const rcodeNumbers: Readonly<Record<Rcode, number>> = Object.freeze({
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
});

export function rcodeForError(error: unknown): Rcode {
  if (findCause(error, NoPathToDatacenterError)) return 'NXDOMAIN';
  return 'SERVFAIL';
}
