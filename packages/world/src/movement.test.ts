import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorldArgumentError } from './errors.js';
import { checkStep, directionBetween, isAdjacent4, isAdjacent8, stepFrom } from './movement.js';
import { OfficeMap } from './office-map.js';
import { StepRateLimiter } from './step-rate-limiter.js';
import { tiledFromAscii } from './testing.js';
import { DIRECTIONS } from './tile.js';

const coord = fc.integer({ min: -50, max: 50 });
const pos = fc.record({ x: coord, y: coord });
const direction = fc.constantFrom(...DIRECTIONS);

const randomMap = fc
  .record({ w: fc.integer({ min: 1, max: 10 }), h: fc.integer({ min: 1, max: 10 }) })
  .chain(({ w, h }) =>
    fc.array(fc.array(fc.constantFrom('.', '.', '#', ' '), { minLength: w, maxLength: w }), { minLength: h, maxLength: h }),
  )
  .map((grid) => grid.map((row) => row.join('')))
  .filter((rows) => rows.some((row) => row.includes('.')))
  .map((rows) => ({ rows, map: OfficeMap.fromTiled(tiledFromAscii(rows)) }));

describe('adjacency and directions', () => {
  it('stepFrom moves exactly one tile, and directionBetween recovers the direction', () => {
    fc.assert(
      fc.property(pos, direction, (p, d) => {
        const q = stepFrom(p, d);
        expect(isAdjacent4(p, q)).toBe(true);
        expect(isAdjacent8(p, q)).toBe(true);
        expect(directionBetween(p, q)).toBe(d);
        expect(Math.abs(q.x - p.x) + Math.abs(q.y - p.y)).toBe(1);
      }),
    );
  });

  it('isAdjacent4 holds exactly for the four stepFrom neighbours', () => {
    fc.assert(
      fc.property(pos, pos, (a, b) => {
        const neighbours = DIRECTIONS.map((d) => stepFrom(a, d));
        expect(isAdjacent4(a, b)).toBe(neighbours.some((n) => n.x === b.x && n.y === b.y));
      }),
    );
  });

  it('isAdjacent8 adds the diagonals and excludes the tile itself', () => {
    expect(isAdjacent8({ x: 0, y: 0 }, { x: 1, y: 1 })).toBe(true);
    expect(isAdjacent4({ x: 0, y: 0 }, { x: 1, y: 1 })).toBe(false);
    expect(isAdjacent8({ x: 0, y: 0 }, { x: 0, y: 0 })).toBe(false);
    expect(isAdjacent8({ x: 0, y: 0 }, { x: 2, y: 1 })).toBe(false);
  });

  it('directionBetween follows the dominant axis for distant tiles', () => {
    fc.assert(
      fc.property(pos, pos, (a, b) => {
        const d = directionBetween(a, b);
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        if (Math.abs(dx) > Math.abs(dy)) expect(d).toBe(dx > 0 ? 'right' : 'left');
        if (Math.abs(dy) > Math.abs(dx)) expect(d).toBe(dy > 0 ? 'down' : 'up');
      }),
    );
    expect(directionBetween({ x: 0, y: 0 }, { x: 0, y: 0 })).toBe('down');
    expect(directionBetween({ x: 0, y: 0 }, { x: -3, y: 3 })).toBe('left');
  });
});

describe('checkStep', () => {
  it('agrees with the rules on random maps and random steps', () => {
    fc.assert(
      fc.property(randomMap, fc.integer({ min: -2, max: 11 }), fc.integer({ min: -2, max: 11 }), fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }),
        ({ rows, map }, x, y, dx, dy) => {
          const from = { x, y };
          const to = { x: x + dx, y: y + dy };
          const verdict = checkStep(map, from, to);
          const inside = to.y >= 0 && to.y < rows.length && to.x >= 0 && to.x < rows[0]!.length;
          const floor = inside && rows[to.y]![to.x] === '.';
          if (dx === 0 && dy === 0) expect(verdict).toEqual({ ok: true });
          else if (Math.abs(dx) + Math.abs(dy) !== 1) expect(verdict).toEqual({ ok: false, reason: 'not-adjacent' });
          else if (!inside) expect(verdict).toEqual({ ok: false, reason: 'out-of-bounds' });
          else if (!floor) expect(verdict).toEqual({ ok: false, reason: 'blocked' });
          else expect(verdict).toEqual({ ok: true });
        }),
    );
  });

  it('rejects fractional positions instead of treating them as adjacent', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(['...', '...']));
    expect(checkStep(map, { x: 0.5, y: 0 }, { x: 1, y: 0.5 }).ok).toBe(false);
    expect(checkStep(map, { x: 0.5, y: 0 }, { x: 1.5, y: 0 })).toEqual({ ok: false, reason: 'out-of-bounds' });
  });
});

/** Arrival times of a client stepping at `stepsPerSecond`, each delayed or advanced by its jitter. */
function arrivals(stepsPerSecond: number, jitterMs: readonly number[], startMs = 1000): number[] {
  return jitterMs.map((j, k) => startMs + (k * 1000) / stepsPerSecond + j);
}

function accepted(limiter: StepRateLimiter, times: readonly number[]): number {
  // The network can reorder arrivals relative to send times, but the server sees them in arrival order.
  return [...times].sort((a, b) => a - b).filter((t) => limiter.tryStep(t)).length;
}

describe('StepRateLimiter', () => {
  it('never refuses a client walking at exactly 4 steps/s with network jitter of ±100 ms', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 400 }), (jitter) => {
        const times = arrivals(4, jitter);
        expect(accepted(new StepRateLimiter(), times)).toBe(times.length);
      }),
      { numRuns: 300 },
    );
  });

  it('survives the worst jitter pattern: alternating late and early arrivals', () => {
    const jitter = Array.from({ length: 200 }, (_, k) => (k % 2 === 0 ? 100 : -100));
    expect(accepted(new StepRateLimiter(), arrivals(4, jitter))).toBe(200);
    // Fractional millisecond clocks (performance.now()) must not tip the balance either.
    const fractional = Array.from({ length: 200 }, (_, k) => (k % 2 === 0 ? 99.999 : -99.999));
    expect(accepted(new StepRateLimiter(), arrivals(4, fractional, 1234.567))).toBe(200);
  });

  it('refuses about half of a sustained 8 steps/s, jitter or not', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 480, maxLength: 480 }), (jitter) => {
        const ratio = accepted(new StepRateLimiter(), arrivals(8, jitter)) / jitter.length;
        expect(ratio).toBeGreaterThan(0.45);
        expect(ratio).toBeLessThan(0.55);
      }),
      { numRuns: 50 },
    );
  });

  it('allows a burst of 2 and then refills at the configured rate', () => {
    const limiter = new StepRateLimiter();
    expect([0, 0, 0].map(() => limiter.tryStep(5000))).toEqual([true, true, false]);
    expect(limiter.tryStep(5249)).toBe(false);
    expect(limiter.tryStep(5250)).toBe(true);
    expect(limiter.tryStep(5250)).toBe(false);
    // Idling does not bank more than the burst.
    expect([0, 0, 0].map(() => limiter.tryStep(60_000))).toEqual([true, true, false]);
  });

  it('honours custom rates and ignores a clock going backwards or NaN', () => {
    const limiter = new StepRateLimiter(10, 1);
    expect(limiter.tryStep(0)).toBe(true);
    expect(limiter.tryStep(99)).toBe(false);
    expect(limiter.tryStep(100)).toBe(true);
    expect(limiter.tryStep(-10_000)).toBe(false);
    expect(limiter.tryStep(Number.NaN)).toBe(false);
    expect(limiter.tryStep(200)).toBe(true);
  });

  it('rejects nonsensical settings with a typed error', () => {
    for (const [rate, burst] of [[0, 2], [-1, 2], [Number.NaN, 2], [4, 0.5]] as const) {
      expect(() => new StepRateLimiter(rate, burst)).toThrow(WorldArgumentError);
    }
    const caught = ((): unknown => {
      try {
        new StepRateLimiter(0);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect((caught as WorldArgumentError | undefined)?.code).toBe('WORLD_INVALID_ARGUMENT');
  });
});
