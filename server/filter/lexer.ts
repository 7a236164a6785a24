// The character-level scanner under the `?filter=` parser: go-bexpr's grammar is a PEG over characters (a dot
// inside a selector may not have spaces around it, `or` needs spaces on both sides), so the parser asks the
// scanner for one token shape at a time at the current position instead of reading a token stream.

import { ValidationError } from '../../lib/errors.js';

/** Consul's prefix for every expression error (a 400 at the HTTP edge). */
export const filterErrorPrefix = 'Failed to create boolean expression evaluator: ';

export class FilterError extends ValidationError {
  override readonly name: string = 'FilterError';
  constructor(
    message: string,
    /** Zero-based character offset of the problem. */
    readonly offset: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const identifierStart = /[a-zA-Z]/;
const identifierRest = /[a-zA-Z0-9_/]/;
const whitespace = /[ \t\r\n]/;
const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?/y;
const pointerSegmentChar = /[\p{L}\p{N}\-_.~:|]/u;

/** Go's strconv.Unquote for a double-quoted literal body (bexpr strings cannot contain `"`). */
function unquoteGo(body: string): string | null {
  let result = '';
  for (let position = 0; position < body.length; position++) {
    const char = body[position] as string;
    if (char === '\n') return null;
    if (char !== '\\') {
      result += char;
      continue;
    }
    const next = body[++position];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      "'": "'",
    };
    if (next !== undefined && next in simple) {
      result += simple[next];
      continue;
    }
    const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = body.slice(position + 1, position + 1 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return null;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) return null;
      result += String.fromCodePoint(code);
      position += hexLength;
      continue;
    }
    const octal = body.slice(position, position + 3);
    if (/^[0-7]{3}$/.test(octal)) {
      result += String.fromCharCode(Number.parseInt(octal, 8));
      position += 2;
      continue;
    }
    return null;
  }
  return result;
}

export class Scanner {
  position = 0;

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  /** An error at `offset` (default: here), formatted as pigeon does: `line:column (offset): message`. */
  error(message: string, offset = this.position): FilterError {
    const before = this.text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return new FilterError(`${filterErrorPrefix}${line}:${column} (${offset}): ${message}`, offset);
  }

  /** Skips whitespace; returns whether there was any. */
  skipWhitespace(): boolean {
    const start = this.position;
    while (whitespace.test(this.peek())) this.position++;
    return this.position > start;
  }

  /** Consumes `literal` if it is next. */
  accept(literal: string): boolean {
    if (!this.text.startsWith(literal, this.position)) return false;
    this.position += literal.length;
    return true;
  }

  /** Consumes keyword `word` if it is next and not the start of a longer identifier. */
  acceptKeyword(word: string): boolean {
    if (!this.text.startsWith(word, this.position)) return false;
    const after = this.text[this.position + word.length] ?? '';
    if (identifierRest.test(after)) return false;
    this.position += word.length;
    return true;
  }

  /** `[a-zA-Z][a-zA-Z0-9_/]*`, or null. */
  identifier(): string | null {
    if (!identifierStart.test(this.peek())) return null;
    const start = this.position;
    this.position++;
    while (identifierRest.test(this.peek())) this.position++;
    return this.text.slice(start, this.position);
  }

  digits(): string | null {
    const start = this.position;
    while (/[0-9]/.test(this.peek())) this.position++;
    return this.position > start ? this.text.slice(start, this.position) : null;
  }

  /** A number literal followed by whitespace, `)` or the end; null when none starts here. */
  number(): string | null {
    numberPattern.lastIndex = this.position;
    const match = numberPattern.exec(this.text);
    if (!match) return null;
    const start = this.position;
    this.position += match[0].length;
    const after = this.peek();
    if (after !== '' && after !== ')' && !whitespace.test(after)) throw this.error('Invalid number literal', start);
    return match[0];
  }

  /** A `"..."` (Go escapes) or `` `...` `` (raw) string; null when none starts here. */
  string(): string | null {
    const quote = this.peek();
    if (quote !== '"' && quote !== '`') return null;
    const start = this.position;
    const close = this.text.indexOf(quote, start + 1);
    if (close < 0) throw this.error('Unterminated string literal', start);
    const body = this.text.slice(start + 1, close);
    this.position = close + 1;
    if (quote === '`') return body;
    const value = unquoteGo(body);
    if (value === null) throw this.error('invalid syntax in string literal', start);
    return value;
  }

  /** A JSON-pointer selector `"/a/b"` (RFC 6901 escapes); null when none starts here. */
  pointer(): string[] | null {
    if (!this.text.startsWith('"/', this.position)) return null;
    const start = this.position;
    let cursor = start + 1;
    const segments: string[] = [];
    while (this.text[cursor] === '/') {
      let end = cursor + 1;
      while (pointerSegmentChar.test(this.text[end] ?? '')) end++;
      if (end === cursor + 1) return null;
      segments.push(
        this.text
          .slice(cursor + 1, end)
          .replaceAll('~1', '/')
          .replaceAll('~0', '~'),
      );
      cursor = end;
    }
    if (this.text[cursor] !== '"') return null;
    this.position = cursor + 1;
    return segments;
  }
}
