// A minimal Reflect metadata polyfill: exactly the functions tsyringe uses (defineMetadata, getOwnMetadata,
// getMetadata, which walks the prototype chain). It is global by nature; it only adds what is missing and never
// replaces a polyfill another package installed first.

type MetadataKey = unknown;
type PropertyKeyOrNone = PropertyKey | undefined;
const store = new WeakMap<object, Map<PropertyKeyOrNone, Map<MetadataKey, unknown>>>();

function table(target: object, property: PropertyKeyOrNone, create: boolean): Map<MetadataKey, unknown> | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let byKey = byProperty.get(property);
  if (!byKey && create) {
    byKey = new Map();
    byProperty.set(property, byKey);
  }
  return byKey;
}

interface ReflectMetadata {
  defineMetadata(key: MetadataKey, value: unknown, target: object, property?: PropertyKey): void;
  getOwnMetadata(key: MetadataKey, target: object, property?: PropertyKey): unknown;
  getMetadata(key: MetadataKey, target: object, property?: PropertyKey): unknown;
}

const reflect = Reflect as typeof Reflect & Partial<ReflectMetadata>;
if (typeof reflect.getMetadata !== 'function') {
  const polyfill: ReflectMetadata = {
    defineMetadata(key, value, target, property) {
      table(target, property, true)!.set(key, value);
    },
    getOwnMetadata(key, target, property) {
      return table(target, property, false)?.get(key);
    },
    getMetadata(key, target, property) {
      for (let current: object | null = target; current !== null; current = Object.getPrototypeOf(current)) {
        const byKey = table(current, property, false);
        if (byKey?.has(key)) return byKey.get(key);
      }
      return undefined;
    },
  };
  Object.assign(reflect, polyfill);
}
