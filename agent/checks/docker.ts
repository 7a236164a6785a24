// Docker check (Consul agent/checks/docker.go, CheckDocker): runs the check's `args` inside the container through
// the Docker Engine API at DOCKER_HOST (unix:///var/run/docker.sock by default; tcp://host:port[/base] too):
// POST /containers/<id>/exec (Cmd, stdout and stderr attached), POST /exec/<id>/start (Detach false, Tty true, so
// the answer is the raw output), GET /exec/<id>/json for the ExitCode. Exit 0 passing, 1 warning, anything else
// critical, as a script check. The output keeps the last output_max_size bytes (Consul's ring buffer) with its
// `Captured N of M bytes` note; every API failure is critical with Consul's wording.

import { request as httpRequest } from 'node:http';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe } from './types.js';

/** Consul's DefaultDockerHost on Unix. */
export const dockerHostDefault = 'unix:///var/run/docker.sock';

export interface DockerEndpoint {
  /** unix: the socket path; tcp: host and port, and a base path put before every API path. */
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly basePath: string;
}

/** Consul's ParseHost (from docker's client): `proto://addr`, only unix and tcp reach an engine here. */
export function parseDockerHost(text: string): DockerEndpoint {
  const host = text === '' ? dockerHostDefault : text;
  const separator = host.indexOf('://');
  if (separator === -1) throw new Error(`unable to parse docker host \`${host}\``);
  const proto = host.slice(0, separator);
  const address = host.slice(separator + 3);
  if (proto === 'unix') return { socketPath: address, basePath: '' };
  if (proto === 'tcp') {
    const url = new URL(`http://${address}`);
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || '2375'),
      basePath: url.pathname === '/' ? '' : url.pathname,
    };
  }
  throw new Error(`unsupported docker host protocol "${proto}" in \`${host}\` (use unix:// or tcp://)`);
}

/** Go's url.QueryEscape, which Consul uses for the container ID in the path. */
function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The last `bytesMax` bytes of a body and how many there were (Consul's circbuf). */
interface Tail {
  readonly bytes: Buffer;
  readonly total: number;
}

function keepTail(chunks: Buffer[], bytesMax: number): Tail {
  const all = Buffer.concat(chunks);
  return { bytes: all.subarray(Math.max(0, all.length - bytesMax)), total: all.length };
}

interface Answer {
  readonly status: number;
  readonly body: Tail;
}

/**
 * The engine's JSON answers (exec IDs, exit codes) are small; Consul reads them through the same output-sized
 * buffer, which would cut them with a tiny output_max_size, so they get a bound of their own.
 */
const apiAnswerBytesMax = 64 * 1024;

class DockerApi {
  constructor(
    private readonly endpoint: DockerEndpoint,
    readonly bytesMax: number,
    private readonly signal: AbortSignal,
  ) {}

  /** `tailBytesMax`: keep only the body's last bytes (the exec output); API answers are read whole. */
  call(method: string, path: string, data?: unknown, tailBytesMax = apiAnswerBytesMax): Promise<Answer> {
    const body = data === undefined ? undefined : `${JSON.stringify(data)}\n`;
    const { endpoint } = this;
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          method,
          path: `${endpoint.basePath}${path}`,
          // Over a socket any host will do; Docker's client says "docker" (Consul too).
          ...(endpoint.socketPath !== undefined
            ? { socketPath: endpoint.socketPath, headers: { Host: 'docker' } }
            : { host: endpoint.host, port: endpoint.port, headers: {} }),
          signal: this.signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('error', reject);
          response.once('end', () =>
            resolve({ status: response.statusCode ?? 0, body: keepTail(chunks, tailBytesMax) }),
          );
        },
      );
      request.once('error', reject);
      if (body !== undefined) {
        request.setHeader('Content-Type', 'application/json');
        request.setHeader('Content-Length', Buffer.byteLength(body));
      }
      request.end(body);
    });
  }
}

class DockerCheckError extends Error {}

const text = (tail: Tail): string => tail.bytes.toString('utf8');

async function createExec(api: DockerApi, container: string, cmd: readonly string[]): Promise<string> {
  let answer: Answer;
  try {
    answer = await api.call('POST', `/containers/${queryEscape(container)}/exec`, {
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Cmd: cmd,
    });
  } catch (error) {
    throw new DockerCheckError(`create exec failed for container ${container}: ${errorText(error)}`);
  }
  switch (answer.status) {
    case 201: {
      let id: unknown;
      try {
        id = (JSON.parse(text(answer.body)) as { Id?: unknown }).Id;
      } catch (error) {
        throw new DockerCheckError(
          `create exec response for container ${container} cannot be parsed: ${errorText(error)}`,
        );
      }
      return typeof id === 'string' ? id : '';
    }
    case 404:
      throw new DockerCheckError(`create exec failed for unknown container ${container}`);
    case 409:
      throw new DockerCheckError(`create exec failed since container ${container} is paused or stopped`);
    default:
      throw new DockerCheckError(
        `create exec failed for container ${container} with status ${answer.status}: ${text(answer.body)}`,
      );
  }
}

async function startExec(api: DockerApi, container: string, execId: string): Promise<Tail> {
  let answer: Answer;
  try {
    answer = await api.call('POST', `/exec/${execId}/start`, { Detach: false, Tty: true }, api.bytesMax);
  } catch (error) {
    throw new DockerCheckError(`start exec failed for container ${container}: ${errorText(error)}`);
  }
  switch (answer.status) {
    case 200:
      return answer.body;
    case 404:
      throw new DockerCheckError(`start exec failed for container ${container}: invalid exec id ${execId}`);
    case 409:
      throw new DockerCheckError(`start exec failed since container ${container} is paused or stopped`);
    default:
      throw new DockerCheckError(
        `start exec failed for container ${container} with status ${answer.status}: body: ${text(answer.body)} err: <nil>`,
      );
  }
}

async function inspectExec(api: DockerApi, container: string, execId: string): Promise<number> {
  let answer: Answer;
  try {
    answer = await api.call('GET', `/exec/${execId}/json`);
  } catch (error) {
    throw new DockerCheckError(`inspect exec failed for container ${container}: ${errorText(error)}`);
  }
  switch (answer.status) {
    case 200: {
      let exitCode: unknown;
      try {
        exitCode = (JSON.parse(text(answer.body)) as { ExitCode?: unknown }).ExitCode;
      } catch (error) {
        throw new DockerCheckError(
          `inspect exec response for container ${container} cannot be parsed: ${errorText(error)}`,
        );
      }
      return typeof exitCode === 'number' ? exitCode : 0;
    }
    case 404:
      throw new DockerCheckError(`inspect exec failed for container ${container}: invalid exec id ${execId}`);
    default:
      throw new DockerCheckError(
        `inspect exec failed for container ${container} with status ${answer.status}: ${text(answer.body)}`,
      );
  }
}

/** `dockerHost`: the DOCKER_HOST value ('' for Consul's default socket). */
export function dockerProbe(definition: CheckDefinition, dockerHost: string): Probe {
  const container = definition.dockerContainerId ?? '';
  return async (signal): Promise<CheckResult> => {
    let endpoint: DockerEndpoint;
    try {
      endpoint = parseDockerHost(dockerHost);
    } catch (error) {
      return { status: 'critical', output: `error creating docker client: ${(error as Error).message}` };
    }
    const api = new DockerApi(endpoint, definition.outputMaxSizeBytes, signal);
    try {
      const execId = await createExec(api, container, definition.args);
      const output = await startExec(api, container, execId);
      const exitCode = await inspectExec(api, container, execId);
      const shown = text(output);
      const note =
        output.total > output.bytes.length ? `Captured ${output.bytes.length} of ${output.total} bytes\n...\n` : '';
      const status = exitCode === 0 ? 'passing' : exitCode === 1 ? 'warning' : 'critical';
      return { status, output: `${note}${shown}` };
    } catch (error) {
      // Consul's Docker client has no timeout of its own; Lattice cuts a hung engine call at the check's timeout.
      if (signal.aborted) return { status: 'critical', output: 'Timed out running check' };
      if (error instanceof DockerCheckError) return { status: 'critical', output: error.message };
      return { status: 'critical', output: errorText(error) };
    }
  };
}
