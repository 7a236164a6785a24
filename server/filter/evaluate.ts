// Evaluates a parsed `?filter=` expression against one JSON object as an endpoint returns it. A selector walks
// object keys; a numeric segment indexes a list; any other segment applied to a list is applied to each element
// (so `Checks.Status == critical` holds when any check is critical) and the negated operators are exact
// negations (`Checks.Status != passing` holds when no check is passing). A missing field is absent: `==`, `in`,
// `matches` are false, `is empty` true. Literals are coerced to the field's JSON type, as go-bexpr coerces to
// the Go field's type; a literal that does not fit (`Port == abc`) is a FilterEvaluationError.

import { ValidationError } from '../../lib/errors.js';
import type { Expression, MatchOperator, MatchValue, Selector } from './parser.js';

export class FilterEvaluationError extends ValidationError {
  override readonly name: string = 'FilterEvaluationError';
}

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The values a selector reaches in `datum` (none when missing; several when it crosses a list). */
function select(datum: unknown, path: readonly string[], from = 0, out: unknown[] = []): unknown[] {
  if (from === path.length) {
    if (datum !== undefined && datum !== null) out.push(datum);
    return out;
  }
  const segment = path[from] as string;
  if (Array.isArray(datum)) {
    if (/^[0-9]+$/.test(segment)) return select(datum[Number(segment)], path, from + 1, out);
    for (const item of datum) select(item, path, from, out);
    return out;
  }
  if (typeof datum === 'object' && datum !== null && Object.hasOwn(datum, segment)) {
    return select((datum as Record<string, unknown>)[segment], path, from + 1, out);
  }
  return out;
}

function coerce(raw: string, like: unknown, selector: Selector): string | number | boolean {
  if (typeof like === 'string') return raw;
  if (typeof like === 'boolean') {
    if (goTrue.has(raw)) return true;
    if (goFalse.has(raw)) return false;
  }
  if (typeof like === 'number') {
    const parsed = raw.trim() === '' ? Number.NaN : Number(raw);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new FilterEvaluationError(
    `error getting match value in expression: cannot use ${JSON.stringify(raw)} with ${selector.text} (${typeof like})`,
  );
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function equals(value: unknown, match: MatchValue, selector: Selector): boolean {
  if (!isPrimitive(value)) {
    throw new FilterEvaluationError(`unable to compare ${selector.text}: it is not a string, number or boolean`);
  }
  return coerce(match.raw, value, selector) === value;
}

function contains(value: unknown, match: MatchValue, selector: Selector): boolean {
  if (typeof value === 'string') return value.includes(match.raw);
  if (Array.isArray(value)) {
    return value.some((item) => {
      if (!isPrimitive(item)) return false;
      try {
        return coerce(match.raw, item, selector) === item;
      } catch {
        return false; // an element of another type cannot hold this literal
      }
    });
  }
  if (typeof value === 'object' && value !== null) return Object.hasOwn(value, match.raw);
  throw new FilterEvaluationError(
    `Cannot perform in/contains operations on type ${typeof value} for selector: "${selector.text}"`,
  );
}

function isEmpty(value: unknown, selector: Selector): boolean {
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0;
  throw new FilterEvaluationError(`cannot test ${selector.text} for emptiness: it is a ${typeof value}`);
}

function matches(value: unknown, match: MatchValue, selector: Selector): boolean {
  if (typeof value !== 'string') {
    throw new FilterEvaluationError(`Value of ${selector.text} is not a string and cannot be matched`);
  }
  return (match.regex as RegExp).test(value);
}

/** The positive form of each operator, and whether the operator negates it. */
const positive: Readonly<Record<MatchOperator, readonly ['equal' | 'in' | 'empty' | 'matches', boolean]>> = {
  equal: ['equal', false],
  'not-equal': ['equal', true],
  in: ['in', false],
  'not-in': ['in', true],
  'is-empty': ['empty', false],
  'is-not-empty': ['empty', true],
  matches: ['matches', false],
  'not-matches': ['matches', true],
};

function evaluateMatch(selector: Selector, operator: MatchOperator, value: MatchValue | null, datum: unknown): boolean {
  const [test, negated] = positive[operator];
  const reached = select(datum, selector.path);
  let holds: boolean;
  if (test === 'empty') {
    holds = reached.length === 0 || reached.some((item) => isEmpty(item, selector));
  } else {
    const match = value as MatchValue;
    holds = reached.some((item) =>
      test === 'equal'
        ? equals(item, match, selector)
        : test === 'in'
          ? contains(item, match, selector)
          : matches(item, match, selector),
    );
  }
  return negated ? !holds : holds;
}

/** Whether `datum` satisfies `expression`; throws FilterEvaluationError when a literal cannot fit its field. */
export function evaluateFilter(expression: Expression, datum: unknown): boolean {
  switch (expression.kind) {
    case 'or':
      return evaluateFilter(expression.left, datum) || evaluateFilter(expression.right, datum);
    case 'and':
      return evaluateFilter(expression.left, datum) && evaluateFilter(expression.right, datum);
    case 'not':
      return !evaluateFilter(expression.operand, datum);
    case 'match':
      return evaluateMatch(expression.selector, expression.operator, expression.value, datum);
  }
}
