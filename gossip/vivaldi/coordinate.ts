// A Vivaldi network coordinate (serf/coordinate/coordinate.go): a Euclidean vector plus a height (access-link
// latency), an adjustment (non-Euclidean correction) and an error estimate, all in seconds. Estimated RTT between
// two coordinates is |a − b| + heights, plus both adjustments when that stays positive (reference §3.5).

import { ValidationError } from '../../lib/errors.js';
import type { Rand } from '../../lib/rand.js';
import type { VivaldiConfig } from './config.js';

export interface Coordinate {
  readonly vec: readonly number[];
  readonly error: number;
  readonly adjustment: number;
  readonly height: number;
}

/** Consul's wire and API shape (`/v1/coordinate/...`). */
export interface CoordinateJson {
  readonly Vec: number[];
  readonly Error: number;
  readonly Adjustment: number;
  readonly Height: number;
}

/** Below this a vector is treated as zero length (serf's zeroThreshold). */
export const zeroThresholdSeconds = 1.0e-6;

export class InvalidCoordinateError extends ValidationError {
  override readonly name = 'InvalidCoordinateError';
}

export function originCoordinate(config: VivaldiConfig): Coordinate {
  return {
    vec: new Array<number>(config.dimensionality).fill(0),
    error: config.vivaldiErrorMax,
    adjustment: 0,
    height: config.heightMinSeconds,
  };
}

export function isValidCoordinate(coordinate: Coordinate): boolean {
  return (
    coordinate.vec.every(Number.isFinite) &&
    Number.isFinite(coordinate.error) &&
    Number.isFinite(coordinate.adjustment) &&
    Number.isFinite(coordinate.height)
  );
}

export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.vec.length === b.vec.length;
}

function magnitude(vec: readonly number[]): number {
  let sum = 0;
  for (const component of vec) sum += component * component;
  return Math.sqrt(sum);
}

/** |a − b| + heights, in seconds, without the adjustment terms. */
export function rawDistanceSeconds(a: Coordinate, b: Coordinate): number {
  let sum = 0;
  for (let position = 0; position < a.vec.length; position++) {
    const difference = a.vec[position]! - b.vec[position]!;
    sum += difference * difference;
  }
  return Math.sqrt(sum) + a.height + b.height;
}

/** Estimated round-trip time between two coordinates, in seconds. */
export function distanceSeconds(a: Coordinate, b: Coordinate): number {
  if (!isCompatible(a, b)) throw new InvalidCoordinateError('coordinates have different dimensions');
  const raw = rawDistanceSeconds(a, b);
  const adjusted = raw + a.adjustment + b.adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/** Estimated round-trip time between two coordinates, in milliseconds. */
export function distanceMs(a: Coordinate, b: Coordinate): number {
  return distanceSeconds(a, b) * 1000;
}

/** The unit vector from `to` towards `from` and the distance between them; a random direction when they coincide. */
function unitVectorAt(from: readonly number[], to: readonly number[], rand: Rand): [number[], number] {
  const difference = from.map((component, position) => component - to[position]!);
  const length = magnitude(difference);
  if (length > zeroThresholdSeconds) return [difference.map((component) => component / length), length];
  const random = difference.map(() => rand.float() - 0.5);
  const randomLength = magnitude(random);
  if (randomLength > zeroThresholdSeconds) return [random.map((component) => component / randomLength), 0];
  const fallback = new Array<number>(from.length).fill(0);
  fallback[0] = 1;
  return [fallback, 0];
}

/** Moves `coordinate` by `force` seconds away from `other` (towards it when negative); heights move too. */
export function applyForce(
  config: VivaldiConfig,
  coordinate: Coordinate,
  force: number,
  other: Coordinate,
  rand: Rand,
): Coordinate {
  const [unit, length] = unitVectorAt(coordinate.vec, other.vec, rand);
  const vec = coordinate.vec.map((component, position) => component + unit[position]! * force);
  let height = coordinate.height;
  if (length > zeroThresholdSeconds) {
    height = Math.max(
      ((coordinate.height + other.height) * force) / length + coordinate.height,
      config.heightMinSeconds,
    );
  }
  return { vec, error: coordinate.error, adjustment: coordinate.adjustment, height };
}

export function coordinateToJson(coordinate: Coordinate): CoordinateJson {
  return {
    Vec: [...coordinate.vec],
    Error: coordinate.error,
    Adjustment: coordinate.adjustment,
    Height: coordinate.height,
  };
}

/** Parses Consul's JSON shape; refuses anything that is not a finite coordinate of `dimensionality` dimensions. */
export function coordinateFromJson(value: unknown, dimensionality: number): Coordinate {
  if (typeof value !== 'object' || value === null) throw new InvalidCoordinateError('coordinate must be an object');
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const vec = record.Vec;
  if (!Array.isArray(vec) || vec.length !== dimensionality) {
    problems.push(`Vec must be a list of ${dimensionality} numbers`);
  } else if (!vec.every((component) => typeof component === 'number' && Number.isFinite(component))) {
    problems.push('Vec must hold finite numbers');
  }
  for (const field of ['Error', 'Adjustment', 'Height'] as const) {
    const number = record[field];
    if (typeof number !== 'number' || !Number.isFinite(number)) problems.push(`${field} must be a finite number`);
  }
  if (typeof record.Height === 'number' && record.Height < 0) problems.push('Height must not be negative');
  if (typeof record.Error === 'number' && record.Error < 0) problems.push('Error must not be negative');
  if (problems.length > 0) throw new InvalidCoordinateError(`invalid coordinate: ${problems.join('; ')}`);
  return {
    vec: [...(vec as number[])],
    error: record.Error as number,
    adjustment: record.Adjustment as number,
    height: record.Height as number,
  };
}
