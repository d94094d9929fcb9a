import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MapFormatError } from './errors.js';
import { OfficeMap } from './office-map.js';
import { ASCII_GIDS, tiledFromAscii } from './testing.js';
import type { TiledMapJson, TiledObjectJson, TiledTileLayerJson } from './tiled.js';

const FLIP_H = 0x80000000;
const FLIP_V = 0x40000000;
const FLIP_D = 0x20000000;

/** Random ASCII office pictures using every legend character. */
const asciiPicture = fc
  .record({ w: fc.integer({ min: 1, max: 12 }), h: fc.integer({ min: 1, max: 12 }) })
  .chain(({ w, h }) =>
    fc.array(fc.array(fc.constantFrom('.', '.', '.', 'S', '#', 'T', '~', 'c', ' '), { minLength: w, maxLength: w }), {
      minLength: h,
      maxLength: h,
    }),
  )
  .map((grid) => grid.map((row) => row.join('')))
  .filter((rows) => rows.some((row) => /[.S~]/.test(row)));

function tileLayer(tmj: TiledMapJson, name: string): TiledTileLayerJson {
  const layer = tmj.layers.find((l): l is TiledTileLayerJson => l.type === 'tilelayer' && l.name === name);
  if (!layer) throw new Error(`no layer ${name}`);
  return layer;
}

function zoneObjects(tmj: TiledMapJson): TiledObjectJson[] {
  const layer = tmj.layers.find((l) => l.type === 'objectgroup');
  if (!layer || layer.type !== 'objectgroup') throw new Error('no zones layer');
  return layer.objects;
}

function expectMapError(tmj: unknown, message: RegExp): void {
  let caught: unknown;
  try {
    OfficeMap.fromTiled(tmj);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(MapFormatError);
  expect((caught as MapFormatError).code).toBe('MAP_INVALID');
  expect((caught as MapFormatError).message).toMatch(message);
}

describe('OfficeMap.fromTiled walkability', () => {
  it('matches the ASCII picture tile for tile, and is false out of bounds', () => {
    fc.assert(
      fc.property(asciiPicture, (rows) => {
        const map = OfficeMap.fromTiled(tiledFromAscii(rows));
        const h = rows.length;
        const w = rows[0]!.length;
        expect(map.width).toBe(w);
        expect(map.height).toBe(h);
        let count = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const expected = '.S~'.includes(rows[y]![x]!);
            if (expected) count++;
            expect(map.isWalkable(x, y)).toBe(expected);
          }
        }
        expect(map.walkableCount()).toBe(count);
        for (const [x, y] of [[-1, 0], [0, -1], [w, 0], [0, h], [w, h], [0.5, 0]] as const) {
          expect(map.isWalkable(x, y)).toBe(false);
        }
      }),
    );
  });

  it('masks the flip bits off gids in every layer', () => {
    const tmj = tiledFromAscii(['...', '.#.', '..c']);
    const floor = tileLayer(tmj, 'floor');
    floor.data = floor.data.map((gid) => (gid === 0 ? 0 : (gid | FLIP_H | FLIP_V) >>> 0));
    const walls = tileLayer(tmj, 'walls');
    walls.data = walls.data.map((gid) => (gid === 0 ? 0 : (gid | FLIP_D) >>> 0));
    const decoration = tileLayer(tmj, 'decoration');
    decoration.data = decoration.data.map((gid) => (gid === 0 ? 0 : (gid | FLIP_H) >>> 0));
    const map = OfficeMap.fromTiled(tmj);
    expect(map.isWalkable(0, 0)).toBe(true);
    expect(map.isWalkable(1, 1)).toBe(false);
    expect(map.isWalkable(2, 2)).toBe(false); // the flipped collider still collides
    expect(map.walkableCount()).toBe(7);
  });

  it('blocks ge_collide tiles in any layer, even an unknown one', () => {
    const tmj = tiledFromAscii(['....']);
    tmj.layers.push({
      type: 'tilelayer',
      name: 'overlay',
      data: [0, ASCII_GIDS.collider, ASCII_GIDS.rug, 0],
    });
    const map = OfficeMap.fromTiled(tmj);
    expect([0, 1, 2, 3].map((x) => map.isWalkable(x, 0))).toEqual([true, false, true, true]);
  });

  it('reads layers nested in groups and matches layer names case-insensitively', () => {
    const tmj = tiledFromAscii(['...']);
    const walls = tileLayer(tmj, 'walls');
    walls.name = 'Walls';
    walls.data = [0, ASCII_GIDS.wall, 0];
    tmj.layers = [tmj.layers[0]!, { type: 'group', name: 'structure', layers: [walls] }];
    const map = OfficeMap.fromTiled(tmj);
    expect(map.isWalkable(1, 0)).toBe(false);
    expect(map.isWalkable(0, 0)).toBe(true);
  });
});

describe('OfficeMap zones', () => {
  const rows = ['..........', '..........', '..........', '..........'];

  it('converts pixel rectangles to tiles and reads kind, name and capacity', () => {
    const tmj = tiledFromAscii(rows, {
      zones: [
        { kind: 'meeting-room', name: 'Blue room', x: 1, y: 0, width: 4, height: 3, capacity: 6 },
        { kind: 'focus', x: 6, y: 1, width: 2, height: 2 },
      ],
    });
    const map = OfficeMap.fromTiled(tmj);
    expect(map.zones).toEqual([
      { id: '1', name: 'Blue room', kind: 'meeting-room', x: 1, y: 0, width: 4, height: 3, capacity: 6 },
      { id: '2', name: 'focus 2', kind: 'focus', x: 6, y: 1, width: 2, height: 2 },
    ]);
    expect(map.zones[1]).not.toHaveProperty('capacity');
    expect(map.zoneById('1')?.name).toBe('Blue room');
  });

  it('accepts the kind in "class" (Tiled 1.9) as well as "type"', () => {
    const map = OfficeMap.fromTiled(
      tiledFromAscii(rows, { kindField: 'class', zones: [{ kind: 'desk', x: 0, y: 0, width: 1, height: 1 }] }),
    );
    expect(map.zones[0]?.kind).toBe('desk');
  });

  it('zonesAt returns exactly the zones whose rectangle covers the tile, in map order', () => {
    const zoneArb = fc.record({
      kind: fc.constantFrom('meeting-room' as const, 'focus' as const, 'desk' as const, 'spawn' as const),
      x: fc.integer({ min: 0, max: 9 }),
      y: fc.integer({ min: 0, max: 3 }),
      width: fc.integer({ min: 1, max: 10 }),
      height: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(zoneArb, { maxLength: 6 }), (specs) => {
        const zones = specs.map((z) => ({ ...z, width: Math.min(z.width, 10 - z.x), height: Math.min(z.height, 4 - z.y) }));
        const map = OfficeMap.fromTiled(tiledFromAscii(rows, { zones }));
        for (let y = -1; y <= 4; y++) {
          for (let x = -1; x <= 10; x++) {
            const expected = zones
              .map((z, i) => ({ z, id: String(i + 1) }))
              .filter(({ z }) => x >= z.x && x < z.x + z.width && y >= z.y && y < z.y + z.height)
              .map(({ id }) => id);
            expect(map.zonesAt(x, y).map((z) => z.id)).toEqual(expected);
          }
        }
      }),
    );
  });

  it('zonesAt results cannot corrupt the map', () => {
    const map = OfficeMap.fromTiled(tiledFromAscii(rows, { zones: [{ kind: 'focus', x: 0, y: 0, width: 2, height: 2 }] }));
    map.zonesAt(0, 0).pop();
    expect(map.zonesAt(0, 0)).toHaveLength(1);
  });
});

describe('OfficeMap.spawnTiles', () => {
  it('returns the walkable tiles of spawn zones in row-major order', () => {
    const map = OfficeMap.fromTiled(
      tiledFromAscii(['#####', '#.S.#', '#SS.#', '#####'], { zones: [{ kind: 'spawn', x: 3, y: 2, width: 2, height: 2 }] }),
    );
    expect(map.spawnTiles()).toEqual([
      { x: 2, y: 1 },
      { x: 1, y: 2 },
      { x: 2, y: 2 },
      { x: 3, y: 2 },
    ]);
  });

  it('without spawn zones: non-empty, walkable, and nothing walkable is closer to the centre', () => {
    const noSpawn = asciiPicture.map((rows) => rows.map((r) => r.replaceAll('S', '.')));
    fc.assert(
      fc.property(noSpawn, (rows) => {
        const map = OfficeMap.fromTiled(tiledFromAscii(rows));
        const spawns = map.spawnTiles();
        expect(spawns.length).toBeGreaterThan(0);
        const dist = (x: number, y: number): number => (x - (map.width - 1) / 2) ** 2 + (y - (map.height - 1) / 2) ** 2;
        const best = Math.min(...spawns.map((p) => dist(p.x, p.y)));
        for (const p of spawns) {
          expect(map.isWalkable(p.x, p.y)).toBe(true);
          expect(dist(p.x, p.y)).toBe(best);
        }
        for (let y = 0; y < map.height; y++) {
          for (let x = 0; x < map.width; x++) {
            if (map.isWalkable(x, y)) expect(dist(x, y)).toBeGreaterThanOrEqual(best);
            if (map.isWalkable(x, y) && dist(x, y) === best) expect(spawns).toContainEqual({ x, y });
          }
        }
      }),
    );
  });

  it('falls back to the centre when spawn zones cover only walls', () => {
    const map = OfficeMap.fromTiled(
      tiledFromAscii(['#####', '#...#', '#####'], { zones: [{ kind: 'spawn', x: 0, y: 0, width: 5, height: 1 }] }),
    );
    expect(map.spawnTiles()).toEqual([{ x: 2, y: 1 }]);
  });
});

describe('OfficeMap.fromTiled validation', () => {
  const good = (): TiledMapJson => tiledFromAscii(['....', '.S..', '....']);

  it('accepts the helper output', () => {
    expect(OfficeMap.fromTiled(good()).walkableCount()).toBe(12);
  });

  it.each<[string, (m: TiledMapJson) => unknown, RegExp]>([
    ['not an object', () => 'hello', /expected a map object/],
    ['null', () => null, /expected a map object/],
    ['infinite', (m) => ({ ...m, infinite: true }), /infinite/],
    ['isometric', (m) => ({ ...m, orientation: 'isometric' }), /orthogonal/],
    ['zero width', (m) => ({ ...m, width: 0 }), /width must be an integer from 1 to 1000/],
    ['huge height', (m) => ({ ...m, height: 1001 }), /height must be an integer from 1 to 1000/],
    ['fractional width', (m) => ({ ...m, width: 4.5 }), /width/],
    ['16 px tiles', (m) => ({ ...m, tilewidth: 16 }), /32x32/],
    ['no layers', (m) => ({ ...m, layers: undefined }), /"layers" must be an array/],
    ['no floor layer', (m) => ({ ...m, layers: m.layers.filter((l) => l.name !== 'floor') }), /no tile layer named "floor"/],
    ['external tileset', (m) => ({ ...m, tilesets: [{ firstgid: 1, source: 'office.tsx' }] }), /external.*office\.tsx.*embed/i],
    ['unknown layer type', (m) => ({ ...m, layers: [...m.layers, { type: 'weird', name: 'x' }] }), /unknown type "weird"/],
  ])('rejects %s', (_label, mutate, message) => {
    expectMapError(mutate(good()), message);
  });

  it('rejects base64 and compressed tile data, naming the layer', () => {
    const b64 = good();
    Object.assign(tileLayer(b64, 'walls'), { encoding: 'base64', data: 'AAAA' });
    expectMapError(b64, /layer "walls" uses "base64" encoding/);
    const zlib = good();
    Object.assign(tileLayer(zlib, 'floor'), { compression: 'zlib' });
    expectMapError(zlib, /layer "floor" is compressed/);
  });

  it('rejects a layer whose data length is not width*height', () => {
    const m = good();
    tileLayer(m, 'furniture').data.pop();
    expectMapError(m, /layer "furniture" has 11 tiles, expected 12 \(4x3\)/);
  });

  it('rejects a map without any walkable tile', () => {
    expectMapError(tiledFromAscii(['###', '#T#']), /no walkable tile/);
    expectMapError(tiledFromAscii(['   ']), /no walkable tile/);
  });

  it('rejects gids no tileset defines and non-integer gids', () => {
    const m = good();
    tileLayer(m, 'floor').data[5] = 99;
    expectMapError(m, /gid 99 at tile \(1, 1\).*no tileset/);
    const n = good();
    (tileLayer(n, 'floor').data as unknown[])[0] = 'x';
    expectMapError(n, /invalid gid "x"/);
  });

  it('rejects bad zones with a message naming the zone', () => {
    const withZone = (edit: (o: TiledObjectJson) => void): TiledMapJson => {
      const m = tiledFromAscii(['....', '....'], { zones: [{ kind: 'meeting-room', name: 'Red', x: 0, y: 0, width: 2, height: 1 }] });
      edit(zoneObjects(m)[0]!);
      return m;
    };
    expectMapError(withZone((o) => (o.type = 'kitchen')), /zone "Red".*unknown kind "kitchen"/);
    expectMapError(withZone((o) => delete o.type), /zone "Red".*no type\/class/);
    expectMapError(withZone((o) => (o.x = 10)), /zone "Red".*multiples of 32/);
    expectMapError(withZone((o) => (o.width = 160)), /zone "Red".*outside the 4x2 map/);
    expectMapError(withZone((o) => (o.width = 0)), /zone "Red".*empty rectangle/);
    expectMapError(withZone((o) => (o.ellipse = true)), /zone "Red".*rectangle/);
    expectMapError(withZone((o) => (o.properties = [{ name: 'capacity', type: 'int', value: 0 }])), /zone "Red".*capacity 0/);
    expectMapError(withZone((o) => (o.properties = [{ name: 'capacity', type: 'float', value: 2.5 }])), /capacity 2.5/);
  });

  it('rejects duplicate zone ids', () => {
    const m = tiledFromAscii(['S..S']);
    for (const o of zoneObjects(m)) o.id = 7;
    expectMapError(m, /share id 7/);
  });
});

describe('new OfficeMap', () => {
  it('builds from a grid and validates zones like the Tiled path', () => {
    const map = new OfficeMap({ width: 3, height: 1, walkable: [1, 0, 1] });
    expect(map.walkableCount()).toBe(2);
    expect(map.spawnTiles()).toEqual([{ x: 0, y: 0 }, { x: 2, y: 0 }]);
    expect(() => new OfficeMap({ width: 2, height: 1, walkable: [1] })).toThrow(MapFormatError);
    expect(
      () => new OfficeMap({ width: 2, height: 1, walkable: [1, 1], zones: [{ id: 'a', name: 'a', kind: 'desk', x: 1, y: 0, width: 2, height: 1 }] }),
    ).toThrow(/outside/);
  });
});
