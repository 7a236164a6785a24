// Vivaldi settings (reference §3.5, serf/coordinate/config.go): the defaults every Consul agent uses, and a
// validator that reports every problem at once.

import { ValidationError } from '../../lib/errors.js';

export interface VivaldiConfig {
  /** Euclidean dimensions of the coordinate vector. */
  readonly dimensionality: number;
  /** Upper bound and starting value of a coordinate's error estimate. */
  readonly vivaldiErrorMax: number;
  /** How fast the error estimate follows new samples. */
  readonly vivaldiCE: number;
  /** How far a sample moves the coordinate. */
  readonly vivaldiCC: number;
  /** Samples averaged into the adjustment term; 0 turns adjustment off. */
  readonly adjustmentWindowSize: number;
  /** Smallest height, in seconds (10 µs): the access-link latency floor. */
  readonly heightMinSeconds: number;
  /** Per-peer median filter length. */
  readonly latencyFilterSize: number;
  /** Gravity pulling coordinates to the origin, in seconds; keeps the cloud from drifting. */
  readonly gravityRhoSeconds: number;
  /** Peers whose latency samples are kept at most; oldest is forgotten first (bounds memory under churn). */
  readonly latencyFilterPeerCountMax: number;
}

export const defaultVivaldiConfig: VivaldiConfig = Object.freeze({
  dimensionality: 8,
  vivaldiErrorMax: 1.5,
  vivaldiCE: 0.25,
  vivaldiCC: 0.25,
  adjustmentWindowSize: 20,
  heightMinSeconds: 10.0e-6,
  latencyFilterSize: 3,
  gravityRhoSeconds: 150.0,
  latencyFilterPeerCountMax: 10_000,
});

export function validateVivaldiConfig(init: Partial<VivaldiConfig> = {}): VivaldiConfig {
  const config = { ...defaultVivaldiConfig, ...init };
  const problems: string[] = [];
  const positiveInteger = (name: keyof VivaldiConfig): void => {
    const value = config[name];
    if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${name} must be a positive integer, got ${value}`);
  };
  const positiveNumber = (name: keyof VivaldiConfig): void => {
    const value = config[name];
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number, got ${value}`);
  };
  positiveInteger('dimensionality');
  positiveInteger('latencyFilterSize');
  positiveInteger('latencyFilterPeerCountMax');
  positiveNumber('vivaldiErrorMax');
  positiveNumber('heightMinSeconds');
  positiveNumber('gravityRhoSeconds');
  for (const name of ['vivaldiCE', 'vivaldiCC'] as const) {
    if (!(config[name] > 0 && config[name] <= 1)) problems.push(`${name} must be in (0, 1], got ${config[name]}`);
  }
  if (!Number.isSafeInteger(config.adjustmentWindowSize) || config.adjustmentWindowSize < 0) {
    problems.push(`adjustmentWindowSize must be a non-negative integer, got ${config.adjustmentWindowSize}`);
  }
  if (problems.length > 0) throw new ValidationError(`invalid Vivaldi config: ${problems.join('; ')}`);
  return Object.freeze(config);
}
