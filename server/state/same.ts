// Structural equality of JSON-shaped values, for the skip-if-unchanged rule: a write that changes nothing keeps
// ModifyIndex and wakes nobody (Consul's IsSame / reflect.DeepEqual).

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as readonly unknown[];
    return a.length === other.length && a.every((item, position) => sameValue(item, other[position]));
  }
  const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Equal apart from CreateIndex and ModifyIndex. */
export function sameRow(a: object, b: object): boolean {
  const { CreateIndex: _aCreate, ModifyIndex: _aModify, ...aRest } = a as Record<string, unknown>;
  const { CreateIndex: _bCreate, ModifyIndex: _bModify, ...bRest } = b as Record<string, unknown>;
  return sameValue(aRest, bRest);
}
