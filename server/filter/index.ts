// `?filter=` expressions (go-bexpr syntax, as Consul's list endpoints take them), pure:
//   const filter = compileFilter('Service.Meta.version == "2" and "primary" in Service.Tags')  // FilterError → 400
//   compileFilter(expression, filterSchemas.serviceEntry)   also refuses unknown selectors, as Consul does
//   filter.matches(entry) · filter.apply(list) · filter.applyToRecord({id: value})   // FilterEvaluationError
// Selectors name the fields of the JSON the endpoint returns (Consul's names, e.g. ServiceMeta.env on
// /v1/catalog/service, Service.Tags and Checks.Status on /v1/health/service, Meta["k"] for map keys).

import { evaluateFilter } from './evaluate.js';
import { type Expression, parseFilter } from './parser.js';
import { type FieldSchema, validateSelectors } from './schema.js';

export { evaluateFilter, FilterEvaluationError } from './evaluate.js';
export { FilterError, filterErrorPrefix } from './lexer.js';
export type { Expression, MatchOperator, MatchValue, Selector } from './parser.js';
export { filterDepthMax, filterLengthMax, parseFilter } from './parser.js';
export type { FieldSchema } from './schema.js';
export { filterSchemas, validateSelectors } from './schema.js';

export interface CompiledFilter {
  readonly expression: string;
  readonly ast: Expression;
  matches(datum: unknown): boolean;
  apply<T>(items: readonly T[]): T[];
  /** For map-shaped answers (`/v1/agent/services`): keeps the entries whose value matches. */
  applyToRecord<T>(record: Readonly<Record<string, T>>): Record<string, T>;
}

/** Parses once (and checks selectors against `schema` when given); the result evaluates many objects. */
export function compileFilter(expression: string, schema?: FieldSchema): CompiledFilter {
  const ast = parseFilter(expression);
  if (schema !== undefined) validateSelectors(ast, schema);
  const matches = (datum: unknown): boolean => evaluateFilter(ast, datum);
  return {
    expression,
    ast,
    matches,
    apply: (items) => items.filter(matches),
    applyToRecord: (record) => Object.fromEntries(Object.entries(record).filter(([, value]) => matches(value))),
  };
}
