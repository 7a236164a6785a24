// Parses a go-bexpr `?filter=` expression into an AST, following its grammar: `or` < `and` < `not` < parentheses
// < match; matches are `Selector == | != | contains | not contains | matches | not matches Value`,
// `Selector is empty | is not empty`, and `Value in | not in Selector`. Selectors are dotted paths
// (`Service.Meta.env`, `Node.Meta["rack-1"]`, `Checks.0.Status`) or JSON pointers (`"/Service/Meta/env"`); a value is
// a string, a number, or a bare word (taken as its text). Errors carry Consul's prefix and the position.

import { FilterError, Scanner } from './lexer.js';

export type MatchOperator =
  | 'equal'
  | 'not-equal'
  | 'in'
  | 'not-in'
  | 'is-empty'
  | 'is-not-empty'
  | 'matches'
  | 'not-matches';

export interface Selector {
  readonly path: readonly string[];
  /** As written, for messages. */
  readonly text: string;
}

export interface MatchValue {
  /** The literal as text; coerced to the selected field's type when evaluated. */
  readonly raw: string;
  /** Compiled once for `matches` / `not matches`. */
  readonly regex?: RegExp;
}

export type Expression =
  | { readonly kind: 'or' | 'and'; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'not'; readonly operand: Expression }
  | {
      readonly kind: 'match';
      readonly selector: Selector;
      readonly operator: MatchOperator;
      readonly value: MatchValue | null;
    };

/** Longer expressions are refused rather than parsed (they arrive in URLs). */
export const filterLengthMax = 8192;
/** Deeper nesting is refused so a crafted expression cannot exhaust the stack. */
export const filterDepthMax = 64;
/** A group holding + * or {n,} that is itself quantified: catastrophic backtracking in JavaScript's engine. */
const nestedQuantifier = /\([^)]*[+*}][^)]*\)\s*[+*{?]/;

class Parser {
  private depth = 0;

  constructor(private readonly scanner: Scanner) {}

  input(): Expression {
    const { scanner } = this;
    scanner.skipWhitespace();
    const expression = this.or();
    scanner.skipWhitespace();
    if (!scanner.atEnd)
      throw scanner.error(`unexpected ${JSON.stringify(scanner.peek())}, expected "and", "or" or the end`);
    return expression;
  }

  /** Consumes ` word ` (whitespace required on both sides) or nothing. */
  private spacedKeyword(...words: string[]): boolean {
    const { scanner } = this;
    const start = scanner.position;
    for (const word of words) {
      if (!scanner.skipWhitespace() || !scanner.acceptKeyword(word)) {
        scanner.position = start;
        return false;
      }
    }
    if (!scanner.skipWhitespace()) {
      scanner.position = start;
      return false;
    }
    return true;
  }

  private or(): Expression {
    const left = this.and();
    if (!this.spacedKeyword('or')) return left;
    return { kind: 'or', left, right: this.or() };
  }

  private and(): Expression {
    const left = this.not();
    if (!this.spacedKeyword('and')) return left;
    return { kind: 'and', left, right: this.and() };
  }

  private not(): Expression {
    const { scanner } = this;
    const start = scanner.position;
    if (scanner.acceptKeyword('not') && scanner.skipWhitespace()) {
      const operand = this.nested(() => this.not());
      return operand.kind === 'not' ? operand.operand : { kind: 'not', operand };
    }
    scanner.position = start;
    return this.group();
  }

  private group(): Expression {
    const { scanner } = this;
    const start = scanner.position;
    if (!scanner.accept('(')) return this.match();
    scanner.skipWhitespace();
    const expression = this.nested(() => this.or());
    scanner.skipWhitespace();
    if (!scanner.accept(')')) throw scanner.error('Unmatched parentheses', start);
    return expression;
  }

  private nested(parse: () => Expression): Expression {
    if (++this.depth > filterDepthMax)
      throw this.scanner.error(`expression nested deeper than ${filterDepthMax} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private match(): Expression {
    const { scanner } = this;
    const start = scanner.position;
    const selector = this.selector();
    if (selector !== null) {
      const operator = this.selectorOperator();
      if (operator === 'is-empty' || operator === 'is-not-empty') {
        return { kind: 'match', selector, operator, value: null };
      }
      if (operator !== null) return { kind: 'match', selector, operator, value: this.value(operator) };
      scanner.position = start;
    }
    const value = this.value('in');
    const operator = this.spacedKeyword('in') ? 'in' : this.spacedKeyword('not', 'in') ? 'not-in' : null;
    if (operator === null) {
      throw scanner.error(
        selector === null
          ? 'expected "in" or "not in" after a value'
          : 'expected "==", "!=", "contains", "matches", "is empty", "in" or their "not" forms',
      );
    }
    const target = this.selector();
    if (target === null) throw scanner.error('Invalid selector');
    return { kind: 'match', selector: target, operator, value };
  }

  private selectorOperator(): MatchOperator | null {
    const { scanner } = this;
    const start = scanner.position;
    scanner.skipWhitespace();
    const symbol = scanner.accept('==') ? 'equal' : scanner.accept('!=') ? 'not-equal' : null;
    if (symbol !== null) {
      scanner.skipWhitespace();
      return symbol;
    }
    scanner.position = start;
    if (this.spacedKeywordsAtEnd('is', 'empty')) return 'is-empty';
    if (this.spacedKeywordsAtEnd('is', 'not', 'empty')) return 'is-not-empty';
    if (this.spacedKeyword('contains')) return 'in';
    if (this.spacedKeyword('not', 'contains')) return 'not-in';
    if (this.spacedKeyword('matches')) return 'matches';
    if (this.spacedKeyword('not', 'matches')) return 'not-matches';
    return null;
  }

  /** ` word word` with whitespace before each word and none required after the last. */
  private spacedKeywordsAtEnd(...words: string[]): boolean {
    const { scanner } = this;
    const start = scanner.position;
    for (const word of words) {
      if (!scanner.skipWhitespace() || !scanner.acceptKeyword(word)) {
        scanner.position = start;
        return false;
      }
    }
    return true;
  }

  private selector(): Selector | null {
    const { scanner } = this;
    const start = scanner.position;
    const pointer = scanner.pointer();
    if (pointer !== null) return { path: pointer, text: scanner.text.slice(start, scanner.position) };
    const first = scanner.identifier();
    if (first === null) return null;
    const path = [first];
    for (;;) {
      if (scanner.accept('.')) {
        const segment = scanner.identifier() ?? scanner.digits();
        if (segment === null) throw scanner.error('expected a field name or position after "."');
        path.push(segment);
      } else if (scanner.peek() === '[') {
        const open = scanner.position;
        scanner.accept('[');
        scanner.skipWhitespace();
        const key = scanner.string();
        if (key === null) throw scanner.error('Invalid index', open);
        scanner.skipWhitespace();
        if (!scanner.accept(']')) throw scanner.error('Unclosed index expression', open);
        path.push(key);
      } else {
        break;
      }
    }
    return { path, text: scanner.text.slice(start, scanner.position) };
  }

  private value(operator: MatchOperator): MatchValue {
    const { scanner } = this;
    const start = scanner.position;
    const raw = scanner.number() ?? scanner.string() ?? this.selector()?.path.join('.');
    if (raw === undefined || raw === null) throw scanner.error('expected a value (a string, a number or a word)');
    if (operator !== 'matches' && operator !== 'not-matches') return { raw };
    if (nestedQuantifier.test(raw)) {
      throw scanner.error(`Failed to compile regular expression ${JSON.stringify(raw)}: nested quantifiers`, start);
    }
    try {
      return { raw, regex: new RegExp(raw, 'u') };
    } catch (error) {
      throw scanner.error(
        `Failed to compile regular expression ${JSON.stringify(raw)}: ${(error as Error).message}`,
        start,
      );
    }
  }
}

/** Parses `expression`; throws FilterError (`Failed to create boolean expression evaluator: 1:7 (6): ...`). */
export function parseFilter(expression: string): Expression {
  const scanner = new Scanner(expression);
  if (expression.length > filterLengthMax)
    throw scanner.error(`expression longer than ${filterLengthMax} characters`, 0);
  if (expression.trim() === '') throw scanner.error('empty expression', 0);
  return new Parser(scanner).input();
}

export { FilterError };
