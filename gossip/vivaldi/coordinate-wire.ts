// The Vivaldi coordinate as it rides on every probe ack: a compact binary form, since each member acks one probe a
// second and the JSON shape (~250 bytes) was most of a quiet pool's UDP traffic. Layout: [version u8 = 1]
// [dimensionality u8][vec: float64 × d][error float64][adjustment float64][height float64], big-endian: 90 bytes
// for Consul's 8 dimensions. A payload starting with `{` is the JSON form older Lattice agents send; it is still
// accepted, so a pool can be upgraded one agent at a time.

import { type Coordinate, coordinateFromJson, InvalidCoordinateError } from './coordinate.js';

const WIRE_VERSION = 1;
const HEADER_BYTES = 2;
const JSON_OPENING_BRACE = 0x7b;
/** Larger payloads are refused before any parsing. */
const PAYLOAD_BYTES_MAX = 1_024;

export function encodeCoordinateWire(coordinate: Coordinate): Uint8Array {
  const dimensionality = coordinate.vec.length;
  const bytes = new Uint8Array(HEADER_BYTES + 8 * (dimensionality + 3));
  const view = new DataView(bytes.buffer);
  bytes[0] = WIRE_VERSION;
  bytes[1] = dimensionality;
  let position = HEADER_BYTES;
  for (const component of [...coordinate.vec, coordinate.error, coordinate.adjustment, coordinate.height]) {
    view.setFloat64(position, component);
    position += 8;
  }
  return bytes;
}

/** Decodes and validates (finite numbers, `dimensionality` components, no negative error or height). */
export function decodeCoordinateWire(bytes: Uint8Array, dimensionality: number): Coordinate {
  if (bytes.length > PAYLOAD_BYTES_MAX) throw new InvalidCoordinateError('coordinate payload too large');
  if (bytes[0] === JSON_OPENING_BRACE) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new InvalidCoordinateError('coordinate payload is not valid JSON');
    }
    return coordinateFromJson(parsed, dimensionality);
  }
  if (bytes[0] !== WIRE_VERSION) throw new InvalidCoordinateError(`coordinate wire version ${bytes[0]} is unknown`);
  if (bytes[1] !== dimensionality || bytes.length !== HEADER_BYTES + 8 * (dimensionality + 3))
    throw new InvalidCoordinateError(`coordinate must have ${dimensionality} dimensions in ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numbers: number[] = [];
  for (let position = HEADER_BYTES; position < bytes.length; position += 8) numbers.push(view.getFloat64(position));
  return coordinateFromJson(
    {
      Vec: numbers.slice(0, dimensionality),
      Error: numbers[dimensionality],
      Adjustment: numbers[dimensionality + 1],
      Height: numbers[dimensionality + 2],
    },
    dimensionality,
  );
}
