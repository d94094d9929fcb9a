/**
 * Simulated time for the Graph benchmark: real speed while the benchmark sets up (so sign-in tokens are valid for
 * every real-time check MSAL and jose make), then `speed` times real time from one instant on. The product's parts
 * and the fake Microsoft (in a worker thread) read clocks built on the same shared state, so Graph's limit windows,
 * Retry-After and staleness are all measured on one simulated time line.
 */

/** Shared layout: [0] real origin (ms, absolute), [1] simulated origin, [2] real switch instant (Infinity = none), [3] speed. */
const SLOTS = 4;

/** Milliseconds since the epoch with sub-millisecond resolution, the same in every thread of the process. */
function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

export class AcceleratedClock {
  readonly state: Float64Array;

  /**
   * A new time line starting at `startMs` (simulated), or, given the `state` of another clock (from another
   * thread), the same time line.
   */
  constructor(
    start: number | Float64Array = Date.now(),
    private readonly realNow: () => number = absoluteNow,
  ) {
    if (typeof start === 'number') {
      this.state = new Float64Array(new SharedArrayBuffer(SLOTS * Float64Array.BYTES_PER_ELEMENT));
      this.state[0] = realNow();
      this.state[1] = start;
      this.state[2] = Infinity;
      this.state[3] = 1;
    } else {
      if (start.length !== SLOTS) throw new RangeError(`a clock state has ${SLOTS} slots, not ${start.length}`);
      this.state = start;
    }
  }

  now(): number {
    const [originReal, originSim, switchAt, speed] = this.state as unknown as [number, number, number, number];
    const t = this.realNow();
    if (t < switchAt) return originSim + (t - originReal);
    return originSim + (switchAt - originReal) + (t - switchAt) * speed;
  }

  /** From now on, `speed` simulated milliseconds pass per real millisecond. Only once: time never jumps. */
  accelerate(speed: number): void {
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be a positive number, got ${speed}`);
    if (this.state[2] !== Infinity) throw new Error('the clock was accelerated already');
    // Speed first: a reader in another thread that sees the switch instant must also see its speed.
    this.state[3] = speed;
    this.state[2] = this.realNow();
  }

  /** Simulated milliseconds per real millisecond now. */
  get rate(): number {
    return this.realNow() < this.state[2]! ? 1 : this.state[3]!;
  }

  /** The governor's `sleep`: resolves after about `simMs` of simulated time (callers re-check the clock). */
  readonly sleep = (simMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, simMs / this.rate)));
}
