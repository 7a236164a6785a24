// The `http` watch handler of agent config (Consul's api/watch parseHttpHandlerConfig and agent/watch_handler.go
// makeHTTPWatchHandler): each result is sent as JSON (Go's json.Encoder: the document and a newline) with the
// `method` (POST by default) to `path`, with `Content-Type: application/json`, `X-Consul-Index: <index>` and the
// configured `header` values, cancelled after `timeout` (10s by default); `tls_skip_verify` turns off certificate
// checks for an https path. The answer's body is read (its last 4 KiB kept for the log); a non-2xx status is
// logged as an error, nothing more: the watch goes on either way, as Consul's does.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DurationError, parseDuration } from '../../lib/duration.js';
import { LatticeError } from '../../lib/errors.js';

/** Consul's watch.DefaultTimeout. */
export const httpHandlerTimeoutMsDefault = 10_000;
/** Consul's WatchBufSize: only the last 4 KiB of a handler's output reach the log. */
export const handlerOutputBytesMax = 4 * 1024;

export interface HttpHandlerConfig {
  readonly path: string;
  readonly method: string;
  readonly timeoutMs: number;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly tlsSkipVerify: boolean;
}

export interface HttpHandlerOutcome {
  /** The status line as Go prints resp.Status (`500 Internal Server Error`). */
  readonly status: string;
  readonly ok: boolean;
  /** The body's last 4 KiB, with Consul's `Captured N of M bytes` note when it was cut. */
  readonly output: string;
}

export class HttpHandlerError extends LatticeError {
  override readonly name = 'HttpHandlerError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_HANDLER', message, options);
  }
}

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** HCL gives a nested block as a one-element list of objects where JSON has the object. */
const block = (value: unknown): unknown => (Array.isArray(value) && value.length === 1 ? value[0] : value);

/** mapstructure's WeakDecode of a scalar into a string (Consul retries with it when the strict decode fails). */
function weakString(value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean')
    return typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  throw new HttpHandlerError(`'${name}' expected type 'string', got unconvertible type '${goType(value)}'`);
}

function weakBool(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    // Go's strconv.ParseBool, which WeakDecode uses; an empty string is false.
    if (value === '') return false;
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
    throw new HttpHandlerError(`cannot parse '${name}' as bool: strconv.ParseBool: parsing "${value}": invalid syntax`);
  }
  throw new HttpHandlerError(`'${name}' expected type 'bool', got unconvertible type '${goType(value)}'`);
}

function goType(value: unknown): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (isPlain(value)) return 'map[string]interface {}';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  return typeof value;
}

/** `header`: each name takes a list of values; a lone string is one value (WeakDecode makes the slice). */
function headerValues(raw: unknown): Record<string, readonly string[]> {
  const value = block(raw);
  if (value === undefined || value === null) return {};
  if (!isPlain(value))
    throw new HttpHandlerError(`'header' expected a map, got '${Array.isArray(value) ? 'slice' : typeof value}'`);
  const header: Record<string, readonly string[]> = {};
  for (const [name, values] of Object.entries(value)) {
    const list = Array.isArray(values) ? values : [values];
    header[name] = list.map((item, index) => weakString(item, `header[${name}][${index}]`));
  }
  return header;
}

/**
 * Checks `http_handler_config` as Consul's parseHttpHandlerConfig does (unknown keys are ignored, as mapstructure
 * ignores them); throws an HttpHandlerError with the reason Consul gives after `Failed to parse
 * 'http_handler_config': `.
 */
export function parseHttpHandlerConfig(raw: unknown): HttpHandlerConfig {
  const value = block(raw);
  if (!isPlain(value))
    throw new HttpHandlerError(`'' expected a map, got '${Array.isArray(value) ? 'slice' : typeof value}'`);
  const path = weakString(value['path'], 'path');
  if (path === '') throw new HttpHandlerError("Requires 'path' to be set");
  const method = weakString(value['method'], 'method') || 'POST';
  const timeoutText = weakString(value['timeout'], 'timeout');
  let timeoutMs = httpHandlerTimeoutMsDefault;
  if (timeoutText !== '') {
    try {
      timeoutMs = parseDuration(timeoutText);
    } catch (error) {
      if (error instanceof DurationError)
        throw new HttpHandlerError(`Failed to parse timeout: time: ${error.message}`, { cause: error });
      throw error;
    }
  }
  return {
    path,
    method,
    timeoutMs,
    header: headerValues(value['header']),
    tlsSkipVerify: weakBool(value['tls_skip_verify'], 'tls_skip_verify'),
  };
}

/** Keeps the last `handlerOutputBytesMax` bytes, as Consul's circbuf does. */
class OutputTail {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept - (this.chunks[0]?.length ?? 0) >= handlerOutputBytesMax) this.kept -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.subarray(Math.max(0, all.length - handlerOutputBytesMax));
    const text = tail.toString('utf8');
    return this.total > tail.length ? `Captured ${tail.length} of ${this.total} bytes\n...\n${text}` : text;
  }
}

/** Sends one result to the handler; rejects (HttpHandlerError) only when no answer came. */
export function invokeHttpHandler(
  config: HttpHandlerConfig,
  index: bigint,
  data: unknown,
  signal?: AbortSignal,
): Promise<HttpHandlerOutcome> {
  const body = `${JSON.stringify(data === undefined ? null : data)}\n`;
  // Consul checks the path only when the handler runs (http.NewRequest, then the client's scheme check).
  let url: URL;
  try {
    url = new URL(config.path);
  } catch (error) {
    return Promise.reject(new HttpHandlerError(`parse ${JSON.stringify(config.path)}: invalid URL`, { cause: error }));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(
      new HttpHandlerError(
        `${config.method} ${JSON.stringify(config.path)}: unsupported protocol scheme "${url.protocol.slice(0, -1)}"`,
      ),
    );
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'X-Consul-Index': index.toString(),
    'Content-Length': String(Buffer.byteLength(body)),
  };
  // Go's Header.Add appends: a configured Content-Type goes beside the default one, as in Consul.
  for (const [name, values] of Object.entries(config.header)) {
    const existing = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase());
    if (existing === undefined) headers[name] = [...values];
    else headers[existing] = [...[headers[existing]!].flat(), ...values];
  }
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: config.method,
        headers,
        signal: combined,
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !config.tlsSkipVerify } : {}),
      },
      (response: IncomingMessage) => {
        const output = new OutputTail();
        response.on('data', (chunk: Buffer) => output.write(chunk));
        response.once('error', (error) => reject(new HttpHandlerError(error.message, { cause: error })));
        response.once('end', () => {
          const code = response.statusCode ?? 0;
          resolve({
            status: `${code} ${response.statusMessage ?? ''}`.trim(),
            ok: code >= 200 && code <= 299,
            output: output.text(),
          });
        });
      },
    );
    outgoing.once('error', (error) => {
      const reason = timeout.aborted ? `context deadline exceeded (timeout ${config.timeoutMs}ms)` : error.message;
      reject(new HttpHandlerError(`${config.method} ${JSON.stringify(config.path)}: ${reason}`, { cause: error }));
    });
    outgoing.end(body);
  });
}
