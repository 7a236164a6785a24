// `/v1/agent/monitor?logjson` (and `lattice monitor -log-json`) stream each log line as Consul's hclog JSON:
// {"@level":"info","@message":"...","@module":"agent.http","@timestamp":"..."} plus the line's own fields, so log
// shippers written for `consul monitor -log-json` parse it. The agent's lines arrive formatted: pino JSON when
// log_json is on, else pino-pretty's one-line text `[time] LEVEL: module: message {fields}`; both are turned
// into hclog's keys here. A text line that does not have that shape (a stack trace continuation) becomes the
// message of an info record, so nothing is lost.

const pinoLevels: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'error',
};

/** `[time] LEVEL: ` then an optional lower-case dotted module and `: `, the message, optional trailing JSON fields. */
const prettyLine = /^\[([^\]]+)\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): (?:([a-z][\w.-]*): )?(.*?)(?: (\{.*\}))?$/s;

type Fields = Record<string, unknown>;

function fromPino(record: Fields): Fields {
  const { level, time, msg, module, ...rest } = record;
  const out: Fields = {
    '@level': typeof level === 'number' ? (pinoLevels[level] ?? 'info') : String(level ?? 'info'),
    '@message': typeof msg === 'string' ? msg : '',
  };
  if (typeof module === 'string') out['@module'] = module;
  if (time !== undefined) out['@timestamp'] = typeof time === 'number' ? new Date(time).toISOString() : time;
  return { ...out, ...rest };
}

function fromPretty(line: string): Fields {
  const match = prettyLine.exec(line);
  if (!match) return { '@level': 'info', '@message': line };
  const [, time, level = 'INFO', module, message = '', fieldsText] = match;
  let fields: Fields = {};
  let text = message;
  if (fieldsText !== undefined) {
    try {
      fields = JSON.parse(fieldsText) as Fields;
    } catch {
      text = `${message} ${fieldsText}`; // braces that are part of the message
    }
  }
  const out: Fields = { '@level': level === 'FATAL' ? 'error' : level.toLowerCase(), '@message': text };
  if (module !== undefined) out['@module'] = module;
  if (time !== undefined) out['@timestamp'] = time;
  return { ...out, ...fields };
}

/** One formatted log record (one write, possibly several lines for an error's details) as hclog JSON lines. */
export function logRecordAsJson(record: string): string {
  const trimmed = record.replace(/\n+$/, '');
  if (trimmed.startsWith('{')) {
    try {
      return `${JSON.stringify(fromPino(JSON.parse(trimmed) as Fields))}\n`;
    } catch {
      // not a pino record after all: read it as text below
    }
  }
  const [first = '', ...details] = trimmed.split('\n');
  const fields = fromPretty(first);
  if (details.length > 0) fields['@message'] = `${String(fields['@message'])}\n${details.join('\n')}`;
  return `${JSON.stringify(fields)}\n`;
}
