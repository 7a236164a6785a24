// Proves how `lattice connect proxy` reads its flags before contacting anything: exactly one of -sidecar-for,
// -proxy-id and -service (CONNECT_PROXY_ID / CONNECT_SIDECAR_FOR when none is given); dev-mode flags only with
// -service; -upstream as Consul parses it (name:port on 127.0.0.1, name:host:port, a `.service` suffix, a repeated
// name replacing the earlier one, `.query` refused as not implemented); -listen and -service-addr as host:port with
// an empty host allowed; a dev proxy without -listen runs upstream listeners only; Consul's errors for -listen
// without -service-addr and -register without -listen; -register-id as Consul's ID suffix.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  agentModeSummary,
  devModeSummary,
  parseHostPort,
  parseUpstream,
  proxyModeOf,
  withProxyEnv,
} from './connect-proxy.js';

function devModeOf(flags: Parameters<typeof proxyModeOf>[0]) {
  const mode = proxyModeOf(flags);
  if (!('kind' in mode) || mode.kind !== 'flags') throw new Error(`not dev mode: ${JSON.stringify(mode)}`);
  return mode;
}

describe('lattice connect proxy flags', () => {
  it('parses -upstream as Consul does, repeatable', () => {
    const one = parseUpstream('db:8181');
    assert.deepEqual(one, [{ DestinationName: 'db', LocalBindAddress: '127.0.0.1', LocalBindPort: 8181 }]);
    assert.deepEqual(parseUpstream('api:127.0.0.5:9191', one)[1], {
      DestinationName: 'api',
      LocalBindAddress: '127.0.0.5',
      LocalBindPort: 9191,
    });
    assert.deepEqual(parseUpstream('api.service:9191'), [
      { DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 9191 },
    ]);
    assert.deepEqual(parseUpstream('db:9000', one), [
      { DestinationName: 'db', LocalBindAddress: '127.0.0.1', LocalBindPort: 9000 },
    ]);
    assert.throws(() => parseUpstream('db.query:8181'), /prepared-query upstreams .* are not implemented/);
    assert.throws(() => parseUpstream('db.table:8181'), /Upstream type must be blank, 'service', or 'query'/);
    assert.throws(() => parseUpstream('db'), /Upstream value should be name:addr/);
    for (const bad of ['db:', ':80', 'db:99999', 'db:host:x']) assert.throws(() => parseUpstream(bad), bad);
  });

  it('parses host:port, IPv6 in brackets, an empty host as Go does', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:21000'), { host: '127.0.0.1', port: 21000 });
    assert.deepEqual(parseHostPort('[::1]:8080'), { host: '::1', port: 8080 });
    assert.deepEqual(parseHostPort(':8443'), { host: '', port: 8443 });
    for (const bad of ['8080', 'host:', 'host:0', 'a:b:c']) assert.throws(() => parseHostPort(bad), bad);
  });

  it("prints Consul's summary of a proxy read from the agent", () => {
    assert.equal(
      agentModeSummary('web-sidecar-proxy', 'web'),
      '    Configuration mode: Agent API\n        Sidecar for ID: web\n              Proxy ID: web-sidecar-proxy\n',
    );
    assert.equal(agentModeSummary('p1'), '    Configuration mode: Agent API\n              Proxy ID: p1\n');
  });

  it('takes exactly one way to name the proxy, from the environment when no flag names it', () => {
    assert.deepEqual(proxyModeOf({ sidecarFor: 'web' }), { sidecarFor: 'web' });
    assert.deepEqual(proxyModeOf({ proxyId: 'web-sidecar-proxy' }), {
      kind: 'registered',
      proxyId: 'web-sidecar-proxy',
    });
    assert.throws(() => proxyModeOf({}), {
      message: '-service or -proxy-id must be specified so that proxy can configure itself (or -sidecar-for)',
    });
    assert.throws(() => proxyModeOf({ sidecarFor: 'web', proxyId: 'x' }), {
      message: 'Only one of -sidecar-for, -proxy-id and -service may be set',
    });
    assert.throws(() => proxyModeOf({ sidecarFor: 'web', upstream: parseUpstream('db:1') }), {
      message: '-listen, -service-addr, -upstream, -register and -register-id only apply with -service (dev mode)',
    });
    assert.throws(() => proxyModeOf({ service: 'web', pprofAddr: ':6060' }), { code: 'ERR_NOT_IMPLEMENTED' });
    const env = { CONNECT_PROXY_ID: 'p1', CONNECT_SIDECAR_FOR: 'web' };
    assert.deepEqual(withProxyEnv({}, env), { proxyId: 'p1' }, 'the proxy ID wins, as in Consul');
    assert.deepEqual(withProxyEnv({}, { CONNECT_SIDECAR_FOR: 'web' }), { sidecarFor: 'web' });
    assert.deepEqual(withProxyEnv({ service: 'web' }, env), { service: 'web' }, 'a flag wins over the environment');
  });

  it('builds a dev-mode proxy with upstream listeners only when there is no -listen', () => {
    const mode = devModeOf({ service: 'web', upstream: parseUpstream('api:9191') });
    assert.deepEqual(mode, {
      kind: 'flags',
      register: null,
      registration: {
        ID: 'web-proxy',
        PublicListener: false,
        Port: 0,
        Proxy: {
          DestinationServiceName: 'web',
          LocalServicePort: 0,
          Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 9191 }],
        },
      },
    });
    assert.equal(
      devModeSummary(mode),
      '    Configuration mode: Flags\n' +
        '               Service: web\n' +
        '              Upstream: api => 127.0.0.1:9191\n' +
        '       Public listener: Disabled\n',
    );
    assert.throws(() => proxyModeOf({ service: 'web', upstream: parseUpstream('b:9191', parseUpstream('a:9191')) }), {
      code: 'ERR_USAGE',
      message: /Upstreams\[1\] binds 127\.0\.0\.1:9191 twice/,
    });
    assert.throws(() => proxyModeOf({ service: 'web' }), {
      message: 'a dev-mode proxy needs -upstream name:port, or -listen and -service-addr, or both',
    });
    assert.throws(() => proxyModeOf({ service: 'web', upstream: parseUpstream('api:9191'), register: true }), {
      message: '-register may only be specified with -service and -listen',
    });
  });

  it('builds a dev-mode proxy with a public listener from -listen and -service-addr, and its -register', () => {
    const mode = devModeOf({
      service: 'web',
      listen: parseHostPort(':21000'),
      serviceAddr: parseHostPort(':8080'),
      upstream: parseUpstream('api:9191'),
      register: true,
      registerId: 'blue',
    });
    assert.deepEqual(mode, {
      kind: 'flags',
      register: { service: 'web', idSuffix: 'blue', address: '', port: 21000 },
      registration: {
        ID: 'web-proxy-blue',
        Address: '0.0.0.0',
        Port: 21000,
        Proxy: {
          DestinationServiceName: 'web',
          LocalServiceAddress: '127.0.0.1',
          LocalServicePort: 8080,
          Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 9191 }],
        },
      },
    });
    assert.match(devModeSummary(mode), /Public listener: 0\.0\.0\.0:21000 => 127\.0\.0\.1:8080\n$/);
    assert.throws(() => proxyModeOf({ service: 'web', listen: parseHostPort('127.0.0.1:21000') }), {
      message: '-service-addr must be specified with -listen so the proxy knows the backend service address.',
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
