// The part of HashiCorp's HIL (the `${...}` language Consul's prepared-query templates use) that templates can
// reach: literal text with `${expr}` interpolations (`$${` is a literal `${`), where an expression is an integer,
// float, string or boolean literal, a dotted variable (`name.full`), a function call (`match(1)`), parentheses,
// unary minus and integer/float arithmetic (+ - * / %). Parsing happens once when a template is stored; evaluation
// is pure and takes the variables and functions as arguments. Conditionals and comparisons are not supported
// (they parse as errors, never silently as text).

export type HilValue = string | number | boolean;

type Expression =
  | { readonly kind: 'literal'; readonly value: HilValue; readonly isInteger: boolean }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expression[] }
  | { readonly kind: 'negate'; readonly operand: Expression }
  | {
      readonly kind: 'arithmetic';
      readonly operator: '+' | '-' | '*' | '/' | '%';
      readonly left: Expression;
      readonly right: Expression;
    };

/** A parsed template string: text pieces and expressions, in order. */
export interface HilTemplate {
  readonly parts: readonly (string | Expression)[];
}

export class HilError extends Error {
  override readonly name = 'HilError';
}

/** A typed value during evaluation: HIL keeps ints and floats apart. */
interface Typed {
  readonly value: HilValue;
  readonly type: 'string' | 'int' | 'float' | 'bool';
}

export interface HilScope {
  readonly variables: Readonly<Record<string, string>>;
  /** Functions take integers and return strings (all templates need: `match(N)`). */
  readonly functions: Readonly<Record<string, (args: readonly number[]) => string>>;
}

class Parser {
  private position = 0;

  constructor(private readonly text: string) {}

  parseTemplate(): HilTemplate {
    const parts: (string | Expression)[] = [];
    let literal = '';
    while (this.position < this.text.length) {
      if (this.text.startsWith('$${', this.position)) {
        literal += '${';
        this.position += 3;
      } else if (this.text.startsWith('${', this.position)) {
        if (literal !== '') parts.push(literal);
        literal = '';
        this.position += 2;
        parts.push(this.parseExpression());
        this.skipSpace();
        if (this.text[this.position] !== '}') this.fail('expected "}"');
        this.position++;
      } else {
        literal += this.text[this.position];
        this.position++;
      }
    }
    if (literal !== '') parts.push(literal);
    return { parts };
  }

  private fail(expected: string): never {
    const found = this.position >= this.text.length ? 'end of string' : JSON.stringify(this.text[this.position]);
    throw new HilError(`parse error at column ${this.position + 1}: ${expected} but found ${found}`);
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position++;
  }

  private parseExpression(): Expression {
    let left = this.parseTerm();
    for (;;) {
      this.skipSpace();
      const operator = this.text[this.position];
      if (operator !== '+' && operator !== '-') return left;
      this.position++;
      left = { kind: 'arithmetic', operator, left, right: this.parseTerm() };
    }
  }

  private parseTerm(): Expression {
    let left = this.parseUnary();
    for (;;) {
      this.skipSpace();
      const operator = this.text[this.position];
      if (operator !== '*' && operator !== '/' && operator !== '%') return left;
      this.position++;
      left = { kind: 'arithmetic', operator, left, right: this.parseUnary() };
    }
  }

  private parseUnary(): Expression {
    this.skipSpace();
    if (this.text[this.position] === '-') {
      this.position++;
      return { kind: 'negate', operand: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expression {
    this.skipSpace();
    const rest = this.text.slice(this.position);
    const number = /^\d+(\.\d+)?/.exec(rest);
    if (number) {
      this.position += number[0].length;
      return { kind: 'literal', value: Number(number[0]), isInteger: number[1] === undefined };
    }
    if (rest.startsWith('"')) return this.parseString();
    if (rest.startsWith('(')) {
      this.position++;
      const inner = this.parseExpression();
      this.skipSpace();
      if (this.text[this.position] !== ')') this.fail('expected ")"');
      this.position++;
      return inner;
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_.\-*]*/.exec(rest);
    if (!identifier) this.fail('expected an expression');
    const name = identifier[0];
    this.position += name.length;
    if (name === 'true' || name === 'false') return { kind: 'literal', value: name === 'true', isInteger: false };
    this.skipSpace();
    if (this.text[this.position] !== '(') return { kind: 'variable', name };
    this.position++;
    const args: Expression[] = [];
    this.skipSpace();
    if (this.text[this.position] === ')') {
      this.position++;
      return { kind: 'call', name, args };
    }
    for (;;) {
      args.push(this.parseExpression());
      this.skipSpace();
      const next = this.text[this.position];
      this.position++;
      if (next === ')') return { kind: 'call', name, args };
      if (next !== ',') {
        this.position--;
        this.fail('expected "," or ")"');
      }
    }
  }

  private parseString(): Expression {
    this.position++; // opening quote
    let value = '';
    while (this.position < this.text.length && this.text[this.position] !== '"') {
      if (this.text[this.position] === '\\' && this.position + 1 < this.text.length) {
        const escaped = this.text[this.position + 1]!;
        value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        this.position += 2;
      } else {
        value += this.text[this.position];
        this.position++;
      }
    }
    if (this.text[this.position] !== '"') this.fail('expected a closing quote');
    this.position++;
    return { kind: 'literal', value, isInteger: false };
  }
}

/** Parses a template string; HilError on a syntax error. */
export function parseHil(text: string): HilTemplate {
  return new Parser(text).parseTemplate();
}

function asText(typed: Typed): string {
  return typeof typed.value === 'string' ? typed.value : String(typed.value);
}

function evaluate(expression: Expression, scope: HilScope): Typed {
  switch (expression.kind) {
    case 'literal': {
      const value = expression.value;
      if (typeof value === 'number') return { value, type: expression.isInteger ? 'int' : 'float' };
      return { value, type: typeof value === 'boolean' ? 'bool' : 'string' };
    }
    case 'variable': {
      const value = scope.variables[expression.name];
      if (value === undefined) throw new HilError(`unknown variable accessed: ${expression.name}`);
      return { value, type: 'string' };
    }
    case 'call': {
      const fn = scope.functions[expression.name];
      if (fn === undefined) throw new HilError(`unknown function called: ${expression.name}`);
      const args = expression.args.map((arg, position) => {
        const typed = evaluate(arg, scope);
        if (typed.type !== 'int')
          throw new HilError(`${expression.name}: argument ${position + 1} should be type int, got type ${typed.type}`);
        return typed.value as number;
      });
      return { value: fn(args), type: 'string' };
    }
    case 'negate': {
      const operand = evaluate(expression.operand, scope);
      if (operand.type !== 'int' && operand.type !== 'float')
        throw new HilError(`negation applies to numbers, got type ${operand.type}`);
      return { value: -(operand.value as number), type: operand.type };
    }
    case 'arithmetic':
      return arithmetic(expression.operator, evaluate(expression.left, scope), evaluate(expression.right, scope));
  }
}

function arithmetic(operator: '+' | '-' | '*' | '/' | '%', left: Typed, right: Typed): Typed {
  const numeric = (typed: Typed): number => {
    if (typed.type === 'int' || typed.type === 'float') return typed.value as number;
    throw new HilError(`arithmetic operator ${operator} applies to numbers, got type ${typed.type}`);
  };
  const a = numeric(left);
  const b = numeric(right);
  const integer = left.type === 'int' && right.type === 'int';
  if (integer && (operator === '/' || operator === '%') && b === 0) throw new HilError('divide by zero');
  let value: number;
  switch (operator) {
    case '+':
      value = a + b;
      break;
    case '-':
      value = a - b;
      break;
    case '*':
      value = a * b;
      break;
    case '/':
      value = integer ? Math.trunc(a / b) : a / b;
      break;
    case '%':
      value = a % b;
      break;
  }
  return { value, type: integer ? 'int' : 'float' };
}

/** Evaluates a parsed template to its text (numbers and booleans print as HIL prints them). */
export function evaluateHil(template: HilTemplate, scope: HilScope): string {
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? part : asText(evaluate(part, scope));
  return out;
}
