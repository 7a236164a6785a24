// Member tags packed into the core's meta bytes (at most 512): [version u8 = 1], then per tag a key and a value.
// Well-known keys (role, dc, port, ...) cost one byte: a key byte with the high bit set names one of them; any
// other key byte is the length of a literal key that follows. Values are [length u16][UTF-8].

import { ValidationError } from '../../lib/errors.js';

export const tagsVersion = 1;
export const tagsSizeBytesMax = 512;

/** Consul's member tags, in a fixed order: the position is the wire code (never reorder, only append). */
export const wellKnownTagKeys: readonly string[] = [
  'role',
  'dc',
  'port',
  'build',
  'segment',
  'id',
  'vsn',
  'vsn_min',
  'vsn_max',
  'raft_vsn',
  'expect',
  'bootstrap',
  'wan_join_port',
  'grpc_port',
  'grpc_tls_port',
  'use_tls',
  'ft_fs',
  'ft_si',
  'ap',
  'nonvoter',
  'read_replica',
];

export class TagsDecodeError extends ValidationError {
  override readonly name = 'TagsDecodeError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  const parts: Buffer[] = [Buffer.from([tagsVersion])];
  for (const [key, value] of Object.entries(tags).sort(([a], [b]) => a.localeCompare(b))) {
    const code = wellKnownTagKeys.indexOf(key);
    if (code >= 0) {
      parts.push(Buffer.from([0x80 | code]));
    } else {
      const keyBytes = Buffer.from(key);
      if (keyBytes.length === 0 || keyBytes.length > 0x7f) {
        throw new ValidationError(`tag key "${key}" must be 1 to 127 bytes`);
      }
      parts.push(Buffer.from([keyBytes.length]), keyBytes);
    }
    const valueBytes = Buffer.from(value);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(valueBytes.length);
    parts.push(length, valueBytes);
  }
  const encoded = Buffer.concat(parts);
  if (encoded.length > tagsSizeBytesMax) {
    throw new ValidationError(`encoded tags take ${encoded.length} bytes, above the ${tagsSizeBytesMax}-byte limit`);
  }
  return encoded;
}

/** Strict decoding of a peer's meta bytes; throws TagsDecodeError naming what is wrong. Empty meta = no tags. */
export function decodeTags(bytes: Uint8Array): Record<string, string> {
  const tags = new Map<string, string>();
  if (bytes.length === 0) return {};
  if (bytes.length > tagsSizeBytesMax) throw new TagsDecodeError('tags are too large');
  if (bytes[0] !== tagsVersion) throw new TagsDecodeError(`unknown tags version ${bytes[0]}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let position = 1;
  const need = (count: number): void => {
    if (position + count > view.length) throw new TagsDecodeError('tags are truncated');
  };
  while (position < view.length) {
    need(1);
    const keyByte = view[position++]!;
    let key: string;
    if (keyByte & 0x80) {
      const known = wellKnownTagKeys[keyByte & 0x7f];
      if (known === undefined) throw new TagsDecodeError(`unknown well-known tag code ${keyByte & 0x7f}`);
      key = known;
    } else {
      if (keyByte === 0) throw new TagsDecodeError('empty tag key');
      need(keyByte);
      key = decodeText(view.subarray(position, position + keyByte));
      position += keyByte;
    }
    need(2);
    const valueLength = view.readUInt16BE(position);
    position += 2;
    need(valueLength);
    if (tags.has(key)) throw new TagsDecodeError(`duplicate tag "${key}"`);
    tags.set(key, decodeText(view.subarray(position, position + valueLength)));
    position += valueLength;
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain tag.
  return Object.fromEntries(tags);
}

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new TagsDecodeError('tag is not valid UTF-8', { cause: error });
  }
}
