/**
 * Time as the governor sees it. Everything time-dependent (token buckets, Retry-After bookkeeping) reads this clock,
 * so a benchmark can run at accelerated time by passing its own clock and sleep.
 */
export interface Clock {
  now(): number;
}

/** Resolves after `ms` of the clock's time; the default waits real milliseconds. */
export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = { now: () => Date.now() };

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Waits until `clock.now() >= untilMs`. Timers may fire a millisecond before the wall clock agrees, so this checks
 * the clock again after every sleep rather than trusting one timer: a request must never leave early.
 */
export async function sleepUntil(clock: Clock, sleep: Sleep, untilMs: number): Promise<void> {
  for (let now = clock.now(); now < untilMs; now = clock.now()) {
    await sleep(Math.max(1, Math.ceil(untilMs - now)));
  }
}
