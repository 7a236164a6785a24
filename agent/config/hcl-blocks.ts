// HCL gives a nested block (`MeshGateway { Mode = "local" }`, `config { protocol = "http" }`) as a one-element list
// of objects where JSON has the object. Free-form sections (config entries, connect.ca_config) are read without a
// schema, so this turns such lists back into objects, except under keys whose values are lists by definition.

const listKeys =
  /^(sources|permissions|header|methods|routes|splits|upstreams|bootstrap|overrides|targets|datacenters)$/i;

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function unwrapHclBlocks(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (Array.isArray(inner) && inner.length === 1 && isPlain(inner[0]) && !listKeys.test(key))
      out[key] = unwrapHclBlocks(inner[0]);
    else if (Array.isArray(inner)) out[key] = inner.map((item) => (isPlain(item) ? unwrapHclBlocks(item) : item));
    else if (isPlain(inner)) out[key] = unwrapHclBlocks(inner);
    else out[key] = inner;
  }
  return out;
}

/** An opaque block as an object: a one-element list of objects (HCL) or the object (JSON); {} otherwise. */
export function opaqueBlock(value: unknown): Record<string, unknown> {
  const inner = Array.isArray(value) && value.length === 1 ? value[0] : value;
  return isPlain(inner) ? unwrapHclBlocks(inner) : {};
}
