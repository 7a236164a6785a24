// Proves the parsing of Raft addresses: IPv4, names and bracketed IPv6 split into host and port; anything
// without a usable port is refused with the address in the message.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { splitHostPort } from './host-port.js';

it('splits host:port, names and bracketed IPv6, and refuses addresses without a port', () => {
  assert.deepEqual(splitHostPort('10.0.0.1:8300'), { host: '10.0.0.1', port: 8300 });
  assert.deepEqual(splitHostPort('server-1.dc1:0'), { host: 'server-1.dc1', port: 0 });
  assert.deepEqual(splitHostPort('[::1]:8300'), { host: '::1', port: 8300 });
  for (const bad of ['10.0.0.1', '10.0.0.1:', 'host:port', 'host:70000', 'host:-1']) {
    assert.throws(() => splitHostPort(bad), new RegExp(`invalid address "${bad}": expected host:port`));
  }
});
