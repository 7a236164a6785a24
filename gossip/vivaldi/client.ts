// The Vivaldi client (serf/coordinate/client.go): each RTT sample to a peer, through a per-peer median filter,
// moves this node's coordinate like a spring, updates the adjustment window and applies gravity toward the
// origin. Pure: randomness comes from an injected Rand, time from the caller's RTT measurement.

import { ValidationError } from '../../lib/errors.js';
import type { Rand } from '../../lib/rand.js';
import type { VivaldiConfig } from './config.js';
import {
  applyForce,
  type Coordinate,
  distanceSeconds,
  InvalidCoordinateError,
  isCompatible,
  isValidCoordinate,
  originCoordinate,
  rawDistanceSeconds,
  zeroThresholdSeconds,
} from './coordinate.js';

/** RTTs above this are measurement errors (a stalled process, a paused VM), not network distance. */
export const rttMsMax = 10_000;

export class InvalidRttError extends ValidationError {
  override readonly name = 'InvalidRttError';
}

export interface VivaldiStats {
  /** Times the coordinate went invalid (NaN/Inf) and was reset to the origin. */
  resets: number;
  /** Samples refused (bad coordinate or RTT). */
  rejected: number;
}

export class VivaldiClient {
  private coordinate: Coordinate;
  private readonly origin: Coordinate;
  private readonly adjustmentSamples: number[];
  private adjustmentPosition = 0;
  /** Per-peer recent RTTs in seconds; Map order is insertion order, used to forget the oldest peer first. */
  private readonly latencySamples = new Map<string, number[]>();
  readonly stats: VivaldiStats = { resets: 0, rejected: 0 };

  constructor(
    private readonly config: VivaldiConfig,
    private readonly rand: Rand,
  ) {
    this.coordinate = originCoordinate(config);
    this.origin = originCoordinate(config);
    this.adjustmentSamples = new Array<number>(config.adjustmentWindowSize).fill(0);
  }

  getCoordinate(): Coordinate {
    return { ...this.coordinate, vec: [...this.coordinate.vec] };
  }

  /** Replaces the coordinate (e.g. restored from a snapshot); refuses an invalid one. */
  setCoordinate(coordinate: Coordinate): void {
    this.check(coordinate);
    this.coordinate = { ...coordinate, vec: [...coordinate.vec] };
  }

  /** Drops a peer's samples (it left or was reaped). */
  forgetNode(node: string): void {
    this.latencySamples.delete(node);
  }

  /** Estimated RTT from this node to `other`, in milliseconds. */
  distanceToMs(other: Coordinate): number {
    return distanceSeconds(this.coordinate, other) * 1000;
  }

  /**
   * Folds one RTT sample to `node`, whose coordinate is `other`, into this node's coordinate and returns the new
   * one. Throws InvalidCoordinateError / InvalidRttError (and counts) for input that must not move the coordinate.
   */
  update(node: string, other: Coordinate, rttMs: number): Coordinate {
    try {
      this.check(other);
      if (!Number.isFinite(rttMs) || rttMs < 0 || rttMs > rttMsMax) {
        throw new InvalidRttError(`round-trip time ${rttMs} ms is not between 0 and ${rttMsMax} ms`);
      }
    } catch (error) {
      this.stats.rejected++;
      throw error;
    }
    const rttSeconds = this.latencyFilter(node, rttMs / 1000);
    this.updateVivaldi(other, rttSeconds);
    this.updateAdjustment(other, rttSeconds);
    this.updateGravity();
    if (!isValidCoordinate(this.coordinate)) {
      this.stats.resets++;
      this.coordinate = originCoordinate(this.config);
    }
    return this.getCoordinate();
  }

  private check(coordinate: Coordinate): void {
    if (!isCompatible(this.coordinate, coordinate)) {
      throw new InvalidCoordinateError(
        `coordinate has ${coordinate.vec.length} dimensions, expected ${this.config.dimensionality}`,
      );
    }
    if (!isValidCoordinate(coordinate)) throw new InvalidCoordinateError('coordinate holds NaN or infinite values');
  }

  private latencyFilter(node: string, rttSeconds: number): number {
    let samples = this.latencySamples.get(node);
    if (samples === undefined) {
      if (this.latencySamples.size >= this.config.latencyFilterPeerCountMax) {
        const oldest = this.latencySamples.keys().next().value as string;
        this.latencySamples.delete(oldest);
      }
      samples = [];
      this.latencySamples.set(node, samples);
    }
    samples.push(rttSeconds);
    if (samples.length > this.config.latencyFilterSize) samples.shift();
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  private updateVivaldi(other: Coordinate, sampleSeconds: number): void {
    const rttSeconds = Math.max(sampleSeconds, zeroThresholdSeconds);
    const distance = distanceSeconds(this.coordinate, other);
    const wrongness = Math.abs(distance - rttSeconds) / rttSeconds;
    const totalError = Math.max(this.coordinate.error + other.error, zeroThresholdSeconds);
    const weight = this.coordinate.error / totalError;
    const { vivaldiCE, vivaldiCC, vivaldiErrorMax } = this.config;
    const error = Math.min(
      vivaldiCE * weight * wrongness + this.coordinate.error * (1 - vivaldiCE * weight),
      vivaldiErrorMax,
    );
    const force = vivaldiCC * weight * (rttSeconds - distance);
    this.coordinate = applyForce(this.config, { ...this.coordinate, error }, force, other, this.rand);
  }

  private updateAdjustment(other: Coordinate, rttSeconds: number): void {
    const windowSize = this.config.adjustmentWindowSize;
    if (windowSize === 0) return;
    this.adjustmentSamples[this.adjustmentPosition] = rttSeconds - rawDistanceSeconds(this.coordinate, other);
    this.adjustmentPosition = (this.adjustmentPosition + 1) % windowSize;
    let sum = 0;
    for (const sample of this.adjustmentSamples) sum += sample;
    this.coordinate = { ...this.coordinate, adjustment: sum / (2 * windowSize) };
  }

  private updateGravity(): void {
    const distance = distanceSeconds(this.origin, this.coordinate);
    const force = -1 * (distance / this.config.gravityRhoSeconds) ** 2;
    this.coordinate = applyForce(this.config, this.coordinate, force, this.origin, this.rand);
  }
}
