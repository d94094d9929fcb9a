import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkStep } from './movement.js';
import { OfficeMap } from './office-map.js';
import { findPath, nearestWalkable } from './pathfinding.js';
import { tiledFromAscii } from './testing.js';
import type { TilePos } from './tile.js';

type Blocked = (x: number, y: number) => boolean;

interface Scenario {
  map: OfficeMap;
  from: TilePos;
  to: TilePos;
  /** Extra obstacles (e.g. other avatars), as a set of "x,y". */
  occupied: Set<string>;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({ w: fc.integer({ min: 1, max: 14 }), h: fc.integer({ min: 1, max: 14 }) })
  .chain(({ w, h }) =>
    fc.record({
      rows: fc.array(fc.array(fc.constantFrom('.', '.', '.', '#', ' '), { minLength: w, maxLength: w }), {
        minLength: h,
        maxLength: h,
      }),
      from: fc.record({ x: fc.integer({ min: 0, max: w - 1 }), y: fc.integer({ min: 0, max: h - 1 }) }),
      to: fc.record({ x: fc.integer({ min: -1, max: w }), y: fc.integer({ min: -1, max: h }) }),
      occupied: fc.array(fc.record({ x: fc.integer({ min: 0, max: w - 1 }), y: fc.integer({ min: 0, max: h - 1 }) }), {
        maxLength: 6,
      }),
    }),
  )
  .filter(({ rows }) => rows.some((r) => r.includes('.')))
  .map(({ rows, from, to, occupied }) => ({
    map: OfficeMap.fromTiled(tiledFromAscii(rows.map((r) => r.join('')))),
    from,
    to,
    occupied: new Set(occupied.map((p) => `${p.x},${p.y}`)),
  }));

/** Shortest step count from `from` to every tile, by plain BFS over legal steps; the model findPath must match. */
function bfsDistances(map: OfficeMap, from: TilePos, blocked: Blocked = () => false): Map<string, number> {
  const dist = new Map<string, number>([[`${from.x},${from.y}`, 0]]);
  const queue: TilePos[] = [from];
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    for (const q of [{ x: p.x + 1, y: p.y }, { x: p.x - 1, y: p.y }, { x: p.x, y: p.y + 1 }, { x: p.x, y: p.y - 1 }]) {
      const key = `${q.x},${q.y}`;
      if (dist.has(key) || !map.isWalkable(q.x, q.y) || blocked(q.x, q.y)) continue;
      dist.set(key, dist.get(`${p.x},${p.y}`)! + 1);
      queue.push(q);
    }
  }
  return dist;
}

function expectLegalPath(map: OfficeMap, from: TilePos, to: TilePos, path: TilePos[], blocked: Blocked): void {
  let at = from;
  for (const tile of path) {
    expect(tile).not.toEqual(at);
    expect(checkStep(map, at, tile)).toEqual({ ok: true });
    expect(blocked(tile.x, tile.y)).toBe(false);
    at = tile;
  }
  expect(at).toEqual(to);
}

describe('findPath', () => {
  it('finds a shortest legal path exactly when BFS says the goal is reachable', () => {
    fc.assert(
      fc.property(scenario, ({ map, from, to, occupied }) => {
        const blocked: Blocked = (x, y) => occupied.has(`${x},${y}`);
        const path = findPath(map, from, to, { isBlocked: blocked });
        const sameTile = from.x === to.x && from.y === to.y;
        const distance = sameTile ? 0 : bfsDistances(map, from, blocked).get(`${to.x},${to.y}`);
        if (distance === undefined) {
          expect(path).toBeNull();
        } else {
          expect(path).not.toBeNull();
          expect(path!.length).toBe(distance);
          expectLegalPath(map, from, to, path!, blocked);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('also matches BFS with no extra obstacles, from any start', () => {
    fc.assert(
      fc.property(scenario, ({ map, from, to }) => {
        const path = findPath(map, from, to);
        const sameTile = from.x === to.x && from.y === to.y;
        const distance = sameTile ? 0 : bfsDistances(map, from).get(`${to.x},${to.y}`);
        expect(path?.length).toBe(distance);
        if (path) expectLegalPath(map, from, to, path, () => false);
      }),
      { numRuns: 300 },
    );
  });

  it('returns [] for the same tile and null for a wall, out-of-bounds or blocked goal', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(['..#', '...']));
    expect(findPath(map, { x: 0, y: 0 }, { x: 0, y: 0 })).toEqual([]);
    expect(findPath(map, { x: 0, y: 0 }, { x: 2, y: 0 })).toBeNull();
    expect(findPath(map, { x: 0, y: 0 }, { x: 3, y: 0 })).toBeNull();
    expect(findPath(map, { x: 0, y: 0 }, { x: 2, y: 1 }, { isBlocked: (x, y) => x === 2 && y === 1 })).toBeNull();
    expect(findPath(map, { x: 0, y: 0 }, { x: 2, y: 1 })).toHaveLength(3);
  });

  it('gives up with null when the search needs more than maxNodes expansions', () => {
    // A serpentine corridor: the only route is far longer than the straight-line distance.
    const rows = ['.........', '########.', '.........', '.########', '.........'];
    const map = OfficeMap.fromTiled(tiledFromAscii(rows));
    const from = { x: 0, y: 0 };
    const to = { x: 8, y: 4 };
    expect(findPath(map, from, to)).toHaveLength(28);
    expect(findPath(map, from, to, { maxNodes: 10 })).toBeNull();
    expect(findPath(map, from, to, { maxNodes: 28 })).toHaveLength(28);
  });

  it('survives an isBlocked callback that itself searches the same map', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(['.....', '.###.', '.....']));
    const path = findPath(map, { x: 0, y: 0 }, { x: 4, y: 2 }, {
      isBlocked: (x, y) => findPath(map, { x: 0, y: 2 }, { x, y }) === null,
    });
    expect(path).toHaveLength(6);
  });

  it('is fast on a 200x200 office', () => {
    // Rooms with doors: walls every 20 tiles with one gap, so most paths detour.
    const rows = Array.from({ length: 200 }, (_, y) =>
      Array.from({ length: 200 }, (_, x) => {
        const wallX = x % 20 === 19 && y % 20 !== 10;
        const wallY = y % 20 === 19 && x % 20 !== 5;
        return wallX || wallY ? '#' : '.';
      }).join(''),
    );
    const map = OfficeMap.fromTiled(tiledFromAscii(rows));
    const rng = fc.sample(fc.record({ x: fc.integer({ min: 0, max: 199 }), y: fc.integer({ min: 0, max: 199 }) }), {
      numRuns: 200,
      seed: 42,
    });
    const started = Date.now();
    let found = 0;
    for (let i = 0; i + 1 < rng.length; i += 2) {
      const path = findPath(map, rng[i]!, rng[i + 1]!, { maxNodes: 40_000 });
      if (path) found++;
    }
    const elapsed = Date.now() - started;
    expect(found).toBeGreaterThan(50);
    // Generous bound for slow CI machines; in practice this takes a few tens of milliseconds.
    expect(elapsed).toBeLessThan(2000);
    const corner = findPath(map, { x: 0, y: 0 }, { x: 198, y: 198 });
    expect(corner).not.toBeNull();
    expect(corner!.length).toBe(bfsDistances(map, { x: 0, y: 0 }).get('198,198'));
  });
});

describe('nearestWalkable', () => {
  const chebyshev = (a: TilePos, b: TilePos): number => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));

  it('returns a free walkable tile next to `around` whenever one exists, orthogonal first', () => {
    fc.assert(
      fc.property(scenario, fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), ({ map, from, occupied }, maxRadius) => {
        const isFree = (x: number, y: number): boolean => !occupied.has(`${x},${y}`);
        const found = nearestWalkable(map, from, isFree, maxRadius);
        const radius = maxRadius ?? Infinity;
        // Everything walkable, within the radius and reachable by walking from `around`.
        const reach = bfsDistances(map, from, (x, y) => chebyshev({ x, y }, from) > radius);
        const candidates = [...reach.keys()]
          .map((k) => ({ x: Number(k.split(',')[0]), y: Number(k.split(',')[1]) }))
          .filter((p) => !(p.x === from.x && p.y === from.y) && isFree(p.x, p.y));
        if (candidates.length === 0) {
          expect(found).toBeNull();
          return;
        }
        expect(found).not.toBeNull();
        const f = found!;
        expect(f).not.toEqual(from);
        expect(map.isWalkable(f.x, f.y)).toBe(true);
        expect(isFree(f.x, f.y)).toBe(true);
        expect(reach.has(`${f.x},${f.y}`)).toBe(true);
        expect(chebyshev(f, from)).toBeLessThanOrEqual(radius);
        const orthogonal = candidates.filter((p) => Math.abs(p.x - from.x) + Math.abs(p.y - from.y) === 1);
        if (orthogonal.length > 0) expect(orthogonal).toContainEqual(f);
        // A diagonal neighbour counts as "next to" only when the corner can be walked around (a wall corner cannot be cut).
        else if (candidates.some((p) => chebyshev(p, from) === 1 && (map.isWalkable(p.x, from.y) || map.isWalkable(from.x, p.y)))) expect(chebyshev(f, from)).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it('does not cross walls, even when the far side is closer', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(['.#.', '.#.', '.#.', '...']));
    const taken = new Set(['0,0', '0,1', '0,2']);
    const found = nearestWalkable(map, { x: 0, y: 1 }, (x, y) => !taken.has(`${x},${y}`));
    expect(found).toEqual({ x: 0, y: 3 });
  });

  it('prefers a diagonal neighbour over a tile two steps away, but never cuts a wall corner', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(['...', '...', '...']));
    const isFree = (x: number, y: number): boolean => !(x === 1 || y === 1);
    expect(nearestWalkable(map, { x: 1, y: 1 }, isFree)).toEqual({ x: 0, y: 0 });
    const corner = OfficeMap.fromTiled(tiledFromAscii(['.#.', '#..', '...']));
    const found = nearestWalkable(corner, { x: 0, y: 0 });
    expect(found).toBeNull();
  });

  it('returns null outside the map or with a radius below 1', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(['...']));
    expect(nearestWalkable(map, { x: 5, y: 0 })).toBeNull();
    expect(nearestWalkable(map, { x: 0, y: 0 }, undefined, 0)).toBeNull();
    expect(nearestWalkable(map, { x: 0, y: 0 })).toEqual({ x: 1, y: 0 });
  });
});
