// Proves how `lattice connect proxy` reads its flags before contacting anything: exactly one of -sidecar-for,
// -proxy-id and -service; dev-mode flags only with -service; -upstream as name:port (127.0.0.1) or
// name:host:port; -listen and -service-addr as host:port; a dev proxy without a public side is refused as not
// implemented rather than half-run.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostPort, parseUpstream, proxyModeOf } from './connect-proxy.js';

describe('lattice connect proxy flags', () => {
  it('parses -upstream as Consul does, repeatable', () => {
    const one = parseUpstream('db:8181');
    assert.deepEqual(one, [{ DestinationName: 'db', LocalBindAddress: '127.0.0.1', LocalBindPort: 8181 }]);
    assert.deepEqual(parseUpstream('api:127.0.0.5:9191', one)[1], {
      DestinationName: 'api',
      LocalBindAddress: '127.0.0.5',
      LocalBindPort: 9191,
    });
    for (const bad of ['db', 'db:', ':80', 'db:99999', 'db:host:x']) assert.throws(() => parseUpstream(bad), bad);
  });

  it('parses host:port, IPv6 in brackets', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:21000'), { host: '127.0.0.1', port: 21000 });
    assert.deepEqual(parseHostPort('[::1]:8080'), { host: '::1', port: 8080 });
    for (const bad of ['8080', 'host:', 'host:0', 'a:b:c']) assert.throws(() => parseHostPort(bad), bad);
  });

  it('takes exactly one way to name the proxy', () => {
    assert.deepEqual(proxyModeOf({ sidecarFor: 'web' }), { sidecarFor: 'web' });
    assert.deepEqual(proxyModeOf({ proxyId: 'web-sidecar-proxy' }), {
      kind: 'registered',
      proxyId: 'web-sidecar-proxy',
    });
    assert.throws(() => proxyModeOf({}), { message: 'One of -sidecar-for, -proxy-id or -service must be set' });
    assert.throws(() => proxyModeOf({ sidecarFor: 'web', proxyId: 'x' }), {
      message: 'Only one of -sidecar-for, -proxy-id and -service may be set',
    });
    assert.throws(() => proxyModeOf({ sidecarFor: 'web', upstream: parseUpstream('db:1') }), {
      message: '-listen, -service-addr, -upstream and -register only apply with -service (dev mode)',
    });
  });

  it('builds a dev-mode registration from -service, -listen, -service-addr and -upstream', () => {
    const mode = proxyModeOf({
      service: 'web',
      listen: parseHostPort('127.0.0.1:21000'),
      serviceAddr: parseHostPort('127.0.0.1:8080'),
      upstream: parseUpstream('api:9191'),
      register: true,
    });
    assert.deepEqual(mode, {
      kind: 'flags',
      register: true,
      registration: {
        ID: 'web-proxy',
        Address: '127.0.0.1',
        Port: 21000,
        Proxy: {
          DestinationServiceName: 'web',
          LocalServiceAddress: '127.0.0.1',
          LocalServicePort: 8080,
          Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 9191 }],
        },
      },
    });
    assert.throws(() => proxyModeOf({ service: 'web', upstream: parseUpstream('api:9191') }), {
      code: 'ERR_NOT_IMPLEMENTED',
    });
    assert.throws(
      () =>
        proxyModeOf({
          service: 'web',
          listen: parseHostPort('127.0.0.1:21000'),
          serviceAddr: parseHostPort('127.0.0.1:8080'),
          registerId: 'x',
        }),
      { message: '-register-id needs -register' },
    );
  });
});
