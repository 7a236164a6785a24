// A Porcupine-style linearizability checker (Wing & Gong's search with Lowe's memoization, as in
// anishathalye/porcupine): given a model and a history of operations with call and return times, it looks for
// an order of the operations that the model accepts and that respects real time. Histories are split by the
// model's partition function (per key for a KV store), which keeps each search small.

export interface Operation<Input, Output> {
  readonly clientId: number;
  readonly input: Input;
  readonly output: Output;
  readonly callMs: number;
  /** Infinity when the outcome is unknown (client gave up, node crashed): it may take effect at any later time. */
  readonly returnMs: number;
}

export interface Model<State, Input, Output> {
  init(): State;
  /** Whether `input` producing `output` is legal in `state`, and the state after it. */
  step(state: State, input: Input, output: Output): { ok: boolean; state: State };
  /** Independent sub-histories (per key); the whole history when absent. */
  partition?(operations: readonly Operation<Input, Output>[]): Operation<Input, Output>[][];
  /** A string equal for equal states, for the memo. */
  key(state: State): string;
  describe?(input: Input, output: Output): string;
}

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface CheckResult {
  readonly verdict: Verdict;
  /** For 'illegal': the operations of the partition that has no linearization, in call order. */
  readonly counterexample: readonly string[];
  readonly partitions: number;
  readonly searchSteps: number;
}

interface Node {
  readonly id: number;
  readonly isCall: boolean;
  readonly operation: number;
  /** For a call: its return node. */
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

function buildList<I, O>(operations: readonly Operation<I, O>[]): Node {
  const events: { time: number; isCall: boolean; operation: number }[] = [];
  operations.forEach((operation, position) => {
    events.push({ time: operation.callMs, isCall: true, operation: position });
    events.push({ time: operation.returnMs, isCall: false, operation: position });
  });
  // Calls sort before returns at the same instant: touching operations count as concurrent (more permissive).
  events.sort((left, right) => left.time - right.time || Number(right.isCall) - Number(left.isCall));
  const head: Node = { id: -1, isCall: false, operation: -1, match: null, prev: null, next: null };
  const calls = new Map<number, Node>();
  let tail = head;
  for (const event of events) {
    const node: Node = {
      id: event.operation,
      isCall: event.isCall,
      operation: event.operation,
      match: null,
      prev: tail,
      next: null,
    };
    if (event.isCall) calls.set(event.operation, node);
    else calls.get(event.operation)!.match = node;
    tail.next = node;
    tail = node;
  }
  return head;
}

function lift(call: Node): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  stepsMax: number,
): { verdict: Verdict; steps: number } {
  const head = buildList(operations);
  const linearized = new Uint32Array(Math.ceil(operations.length / 32) + 1);
  const memo = new Set<string>();
  const stack: { call: Node; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  while (head.next !== null) {
    if (++steps > stepsMax) return { verdict: 'unknown', steps };
    if (entry === null) return { verdict: 'illegal', steps }; // cannot happen with a well-formed list
    if (entry.isCall) {
      const operation = operations[entry.operation]!;
      const result = model.step(state, operation.input, operation.output);
      let advanced = false;
      if (result.ok) {
        linearized[entry.id >>> 5]! |= 1 << (entry.id & 31);
        const memoKey = `${linearized.join(',')}|${model.key(result.state)}`;
        if (!memo.has(memoKey)) {
          memo.add(memoKey);
          stack.push({ call: entry, state });
          state = result.state;
          lift(entry);
          entry = head.next;
          advanced = true;
        } else {
          linearized[entry.id >>> 5]! &= ~(1 << (entry.id & 31));
        }
      }
      if (!advanced) entry = entry.next;
      continue;
    }
    // A return whose call is not linearized yet: backtrack.
    const top = stack.pop();
    if (!top) return { verdict: 'illegal', steps };
    state = top.state;
    linearized[top.call.id >>> 5]! &= ~(1 << (top.call.id & 31));
    unlift(top.call);
    entry = top.call.next;
  }
  return { verdict: 'ok', steps };
}

export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  stepsMax = 2_000_000,
): CheckResult {
  const partitions = model.partition ? model.partition(history) : [[...history]];
  let searchSteps = 0;
  let sawUnknown = false;
  for (const partition of partitions) {
    const result = checkPartition(model, partition, stepsMax);
    searchSteps += result.steps;
    if (result.verdict === 'illegal') {
      const describe =
        model.describe ?? ((input: I, output: O) => `${JSON.stringify(input)} -> ${JSON.stringify(output)}`);
      const counterexample = [...partition]
        .sort((left, right) => left.callMs - right.callMs)
        .map(
          (operation) =>
            `client ${operation.clientId} [${operation.callMs}, ${operation.returnMs}] ${describe(operation.input, operation.output)}`,
        );
      return { verdict: 'illegal', counterexample, partitions: partitions.length, searchSteps };
    }
    if (result.verdict === 'unknown') sawUnknown = true;
  }
  return { verdict: sawUnknown ? 'unknown' : 'ok', counterexample: [], partitions: partitions.length, searchSteps };
}

// ---- a KV register model: puts and gets per key ----

export type KvInput =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string };
/** For a get: the value read (null when absent); for a put: null. */
export type KvOutput = { readonly value: string | null };

export const kvModel: Model<string | null, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    if (input.kind === 'put') return { ok: true, state: input.value };
    return { ok: output.value === state, state };
  },
  partition(operations) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const operation of operations) {
      const list = byKey.get(operation.input.key) ?? [];
      list.push(operation);
      byKey.set(operation.input.key, list);
    }
    return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
  },
  key: (state) => (state === null ? '\u0000' : state),
  describe: (input, output) =>
    input.kind === 'put' ? `put ${input.key}=${input.value}` : `get ${input.key} -> ${output.value ?? '(none)'}`,
};
