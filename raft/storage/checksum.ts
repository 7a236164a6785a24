// CRC-32 (IEEE) of byte ranges, for the checksums every log record, stable value and snapshot carries. Node 20.15+
// has a native `zlib.crc32`; older Node 20 releases use the table version below.

import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, initial?: number) => number;

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function tableCrc32(): Crc32 {
  const table = makeTable();
  return (data, initial = 0) => {
    let crc = (initial ^ 0xffffffff) >>> 0;
    for (let position = 0; position < data.length; position++) {
      crc = (table[(crc ^ (data[position] as number)) & 0xff] as number) ^ (crc >>> 8);
    }
    return (crc ^ 0xffffffff) >>> 0;
  };
}

const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** CRC-32 of `data`, continuing from `initial` (the previous chunk's result) for streamed data. */
export const crc32: Crc32 = native ? (data, initial = 0) => native(data, initial) >>> 0 : tableCrc32();
