// Turns the text of one config source into a plain value: JSON, HCL (version 1, the dialect Consul reads) or
// YAML. Syntax errors come back as messages with a line and column; nothing here knows any config key.
//
// HCL parser choice: js-hcl-parser wraps HashiCorp's own Go HCL1 parser (compiled with GopherJS), which is what
// Consul uses, so repeated blocks, one-line blocks (`check { http = "..." interval = "10s" }`) and repeated keys
// behave exactly as in Consul, and its errors carry `At LINE:COLUMN`. hcl2-parser speaks HCL2, which rejects
// valid Consul files (several attributes in a one-line block, a key given twice) and returns error objects with
// no message at all.

import { createRequire } from 'node:module';

export type ConfigFormat = 'json' | 'hcl' | 'yaml';

export const configFormats: readonly ConfigFormat[] = ['json', 'hcl', 'yaml'];

/** The format a file name implies, or null when its extension is not one we read. */
export function formatForPath(path: string): ConfigFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.hcl')) return 'hcl';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return null;
}

export type ParseResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string };

export function parseConfigText(text: string, format: ConfigFormat): ParseResult {
  switch (format) {
    case 'json':
      return parseJson(text);
    case 'hcl':
      return parseHcl(text);
    case 'yaml':
      return parseYaml(text);
  }
}

function parseJson(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 reports an offset ("at position 42"); people count lines.
    const position = /at position (\d+)/.exec(message);
    const where = position ? ` (${lineAndColumn(text, Number(position[1]))})` : '';
    return { ok: false, message: `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '')}${where}` };
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

interface HclModule {
  parse(text: string): string;
}

// Required on first use (Node caches it): the GopherJS bundle is 1.5 MB and most commands never read HCL. The
// yaml package likewise: a few hundred kB of code held for the life of every agent that read only JSON or HCL.
const requireCommonJs = createRequire(import.meta.url);

function parseHcl(text: string): ParseResult {
  const output = (requireCommonJs('js-hcl-parser') as HclModule).parse(text);
  // The Go side returns either the JSON rendering of the document or "unable to parse JSON: At L:C: reason".
  const failure = /^unable to parse JSON: (?:At (\d+):(\d+): )?(.*)$/s.exec(output);
  if (failure) {
    const where = failure[1] ? ` (line ${failure[1]}, column ${failure[2]})` : '';
    return { ok: false, message: `invalid HCL: ${failure[3]!.trim()}${where}` };
  }
  try {
    return { ok: true, value: JSON.parse(output) };
  } catch (error) {
    return { ok: false, message: `invalid HCL: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function parseYaml(text: string): ParseResult {
  const { parseDocument } = requireCommonJs('yaml') as typeof import('yaml');
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = document.errors[0];
  if (first) {
    const position = first.linePos?.[0];
    const where = position ? ` (line ${position.line}, column ${position.col})` : '';
    // Pretty messages append " at line L, column C:" and a code excerpt; we keep the reason and our own position.
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, message: `invalid YAML: ${reason}${where}` };
  }
  return { ok: true, value: document.toJS() ?? {} };
}
