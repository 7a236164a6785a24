// The two demo apps `npm start` runs beside the dev agent (scripts/start-demo.mjs). Plain node:http, no
// dependencies, so they read as what any service in the mesh would be:
// - api answers JSON with its name and a request counter;
// - web answers JSON (or a small page for a browser) with what it got when it called api through its sidecar's
//   upstream listener: the mesh, not api's own port. A refused call (a deny intention) is reported, not hidden.
// Both answer GET /health for their HTTP checks.

import { createServer, request } from 'node:http';

/** Ports in the demo's service definitions (api.hcl, web.hcl); none is in the sidecar range 21000-21255. */
export const demoPorts = Object.freeze({ api: 9001, web: 9002, webUpstreamApi: 9191 });

const upstreamTimeoutMs = 2_000;

function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function sendJson(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}

export function startApi(host, port = demoPorts.api) {
  let count = 0;
  const server = createServer((incoming, response) => {
    if (incoming.url === '/health') return response.end('ok\n');
    count++;
    sendJson(response, 200, { service: 'api', count, message: `hello from api, request #${count}` });
  });
  return listen(server, host, port);
}

/** One GET through the upstream listener, on a fresh connection so a new intention applies to it. */
function callUpstream(host, port) {
  return new Promise((resolve) => {
    const outgoing = request({ host, port, path: '/', agent: false, timeout: upstreamTimeoutMs }, (answer) => {
      let body = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk) => {
        body += chunk;
      });
      answer.on('end', () => {
        try {
          resolve({ ok: answer.statusCode === 200, status: answer.statusCode, body: JSON.parse(body) });
        } catch {
          resolve({ ok: false, status: answer.statusCode, error: `unreadable answer: ${body.slice(0, 200)}` });
        }
      });
      answer.on('error', (error) => resolve({ ok: false, error: error.message }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${upstreamTimeoutMs} ms`)));
    outgoing.on('error', (error) => resolve({ ok: false, error: `${error.code ?? ''} ${error.message}`.trim() }));
    outgoing.end();
  });
}

function page(report) {
  const escapeHtml = (text) => text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  const verdict = report.upstream.ok ? 'reached api through the mesh' : 'could NOT reach api through the mesh';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Lattice demo: web</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>web ${escapeHtml(verdict)}</h1>
<p>web called <code>${escapeHtml(report.via)}</code> (its sidecar's upstream listener for <code>api</code>).</p>
<pre>${escapeHtml(JSON.stringify(report.upstream, null, 2))}</pre>
<p>Reload to call again. Try a deny intention and reload:
<code>curl -X PUT -d '{"Action":"deny"}' 'http://${escapeHtml(report.agent)}/v1/connect/intentions/exact?source=web&amp;destination=api'</code></p>
</body></html>
`;
}

/** `agentAddress` (host:port of the agent's HTTP API) only appears in the page's hint. */
export function startWeb(host, port = demoPorts.web, upstreamPort = demoPorts.webUpstreamApi, agentAddress = '') {
  const server = createServer(async (incoming, response) => {
    if (incoming.url === '/health') return response.end('ok\n');
    const upstream = await callUpstream(host, upstreamPort);
    const report = { service: 'web', via: `${host}:${upstreamPort}`, agent: agentAddress, upstream };
    // 502 when api cannot be reached: web depends on it, and the status tells curl -f users at once.
    const status = upstream.ok ? 200 : 502;
    if ((incoming.headers.accept ?? '').includes('text/html')) {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      return response.end(page(report));
    }
    sendJson(response, status, report);
  });
  return listen(server, host, port);
}
