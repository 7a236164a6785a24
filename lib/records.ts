// Maps keyed by user strings (service IDs and names, Meta, NodeMeta, TaggedAddresses) kept as plain JSON objects.
// `record[key] = value` on a plain object does not create a key named `__proto__` (it sets the prototype, or is
// ignored for a string value), so a service called `__proto__` or a Meta key `__proto__` vanished from answers.
// These helpers define own properties instead. Plain objects (not null-prototype ones) stay, so the answers keep
// comparing equal to object literals; reads of user keys go through ownValue so `constructor` is not inherited.

/** Sets `record[key]` as an own, enumerable property, whatever the key (also `__proto__`). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}

/** `record[key]` when `record` has that own key; undefined otherwise (never an inherited `constructor`). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
