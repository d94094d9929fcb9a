import { WorldArgumentError } from './errors.js';

/** Walking speed of an avatar, in steps (tiles) per second. */
export const STEPS_PER_SECOND = 4;
/** Steps a client may take back to back; absorbs network jitter without allowing sustained speeding. */
export const STEP_BURST = 2;

// Tokens are fractional; this keeps a refill that lands a hair under one whole token from refusing a legal step.
const EPSILON = 1e-9;

/**
 * Token bucket for one avatar's steps. Messages from a client walking at the allowed speed arrive bunched up or
 * spread out by network jitter; a burst of 2 absorbs up to half a second of that (at 4 steps/s), while any client
 * walking faster for longer is refused the excess.
 */
export class StepRateLimiter {
  readonly stepsPerSecond: number;
  readonly burst: number;
  #tokens: number;
  #lastMs: number | undefined;

  constructor(stepsPerSecond: number = STEPS_PER_SECOND, burst: number = STEP_BURST) {
    if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) {
      throw new WorldArgumentError(`stepsPerSecond must be a positive number, got ${stepsPerSecond}`);
    }
    if (!Number.isFinite(burst) || burst < 1) {
      throw new WorldArgumentError(`burst must be at least 1, got ${burst}`);
    }
    this.stepsPerSecond = stepsPerSecond;
    this.burst = burst;
    this.#tokens = burst;
  }

  /** Takes one step's token at time `nowMs` (any monotonic millisecond clock). False means: refuse the step. */
  tryStep(nowMs: number): boolean {
    if (!Number.isFinite(nowMs)) return false;
    if (this.#lastMs === undefined) {
      this.#lastMs = nowMs;
    } else if (nowMs > this.#lastMs) {
      // A clock that goes backwards adds nothing rather than draining the bucket.
      this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#lastMs) * this.stepsPerSecond) / 1000);
      this.#lastMs = nowMs;
    }
    if (this.#tokens + EPSILON < 1) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
  }
}
