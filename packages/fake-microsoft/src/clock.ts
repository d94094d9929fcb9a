/** Every time-dependent rule reads this, so a benchmark can run the fake at accelerated time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; tests use it to cross limit windows and expiries instantly. */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance needs a non-negative number, got ${ms}`);
    this.current += ms;
  }
}
