import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OfficeMap } from './office-map.js';
import { ASCII_GIDS, tiledFromAscii, type AsciiZone } from './testing.js';
import type { TiledMapJson, TiledObjectJson, TiledTileLayerJson, TiledTilesetJson } from './tiled.js';
import { MAP_LIMITS, validateTiledMap, type MapProblem, type TilesetRule, type ValidateTiledMapOptions } from './tiled-validate.js';

const FLIP_H = 0x80000000;
const FLIP_D = 0x20000000;
const HEX_120 = 0x10000000;

/** A 12x10 room: walls round the edge, a table, a rug, a collider and a spawn strip. */
const ROOM = [
  '############',
  '#SSS.......#',
  '#..........#',
  '#...TT.....#',
  '#...TT..~..#',
  '#..........#',
  '#......c...#',
  '#..........#',
  '#..........#',
  '############',
];
const ROOM_ZONES: AsciiZone[] = [
  { kind: 'meeting-room', name: 'Blue room', x: 6, y: 1, width: 4, height: 3, capacity: 4 },
  { kind: 'focus', name: 'Quiet corner', x: 1, y: 6, width: 3, height: 3 },
  { kind: 'desk', name: 'Desk 1', x: 8, y: 7, width: 1, height: 1 },
];

const asciiTileset = (): TiledTilesetJson & { name: string; image: string; tilecount: number; columns: number } =>
  structuredClone(tiledFromAscii(['.']).tilesets[0]) as TiledTilesetJson & { name: string; image: string; tilecount: number; columns: number };
const RULE: TilesetRule = { embedded: asciiTileset(), externalSources: ['ascii.tsj', 'ascii.tsx'] };
const OPTIONS: ValidateTiledMapOptions = { tileset: RULE };

function room(zones: AsciiZone[] = ROOM_ZONES): TiledMapJson {
  return tiledFromAscii(ROOM, { zones });
}

function layer(tmj: TiledMapJson, name: string): TiledTileLayerJson {
  const found = tmj.layers.find((l): l is TiledTileLayerJson => l.type === 'tilelayer' && l.name === name);
  if (!found) throw new Error(`no layer ${name}`);
  return found;
}

function zones(tmj: TiledMapJson): TiledObjectJson[] {
  const found = tmj.layers.find((l) => l.type === 'objectgroup');
  if (!found || found.type !== 'objectgroup') throw new Error('no zones');
  return found.objects;
}

function zoneNamed(tmj: TiledMapJson, name: string): TiledObjectJson {
  const z = zones(tmj).find((o) => o.name === name);
  if (!z) throw new Error(`no zone ${name}`);
  return z;
}

function problemsOf(tmj: unknown, options: ValidateTiledMapOptions = OPTIONS): MapProblem[] {
  const r = validateTiledMap(tmj, options);
  if (r.ok) throw new Error('expected the map to be refused');
  return r.problems;
}

/** The map is refused with exactly one problem, which matches. */
function expectOnly(tmj: unknown, expected: Partial<MapProblem> & { message: RegExp }): MapProblem {
  const problems = problemsOf(tmj);
  expect(problems, JSON.stringify(problems, null, 1)).toHaveLength(1);
  const [p] = problems as [MapProblem];
  const { message, ...rest } = expected;
  expect(p.message).toMatch(message);
  expect(p).toMatchObject(rest);
  return p;
}

describe('validateTiledMap accepts', () => {
  it('a correct map, normalised to what the rules read the same way', () => {
    const tmj = room();
    const r = validateTiledMap(tmj, OPTIONS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.map.layers.map((l) => [l.name, l.type])).toEqual([
      ['floor', 'tilelayer'],
      ['walls', 'tilelayer'],
      ['furniture', 'tilelayer'],
      ['zones', 'objectgroup'],
      ['decoration', 'tilelayer'],
    ]);
    const before = OfficeMap.fromTiled(tmj);
    const after = OfficeMap.fromTiled(r.map);
    for (let y = 0; y < before.height; y++) for (let x = 0; x < before.width; x++) expect(after.isWalkable(x, y)).toBe(before.isWalkable(x, y));
    expect(after.zones).toEqual(before.zones);
    expect(r.map.tilesets).toEqual([{ ...RULE.embedded, firstgid: 1 }]);
  });

  it('its own output unchanged (normalising is idempotent) and leaves the input alone', () => {
    const tmj = room();
    const copy = structuredClone(tmj);
    const first = validateTiledMap(tmj, OPTIONS);
    expect(tmj).toEqual(copy);
    if (!first.ok) throw new Error('refused');
    const second = validateTiledMap(structuredClone(first.map), OPTIONS);
    expect(second).toEqual(first);
  });

  it('zones whose kind is in "class" (Tiled 1.9), written back as "type"', () => {
    const tmj = tiledFromAscii(ROOM, { zones: ROOM_ZONES, kindField: 'class' });
    const r = validateTiledMap(tmj, OPTIONS);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(zones(r.map).map((z) => z.type)).toEqual(zones(room()).map((z) => z.type));
    expect(zones(r.map).every((z) => z.class === undefined)).toBe(true);
  });

  it('layers inside groups, with names in any case, flattened into the canonical order', () => {
    const tmj = room();
    const [floor, walls, furniture, decoration, zoneLayer] = tmj.layers;
    floor!.name = ' Floor';
    tmj.layers = [zoneLayer!, { type: 'group', id: 9, name: 'building', layers: [decoration!, { type: 'group', id: 10, name: 'inner', layers: [walls!, floor!] }] }, furniture!];
    const r = validateTiledMap(tmj, OPTIONS);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.map.layers.map((l) => l.name)).toEqual(['floor', 'walls', 'furniture', 'zones', 'decoration']);
    expect(r.map).toEqual((validateTiledMap(room(), OPTIONS) as { map: unknown }).map);
  });

  it('flipped and rotated tiles (the renderer draws them), keeping the flags', () => {
    const tmj = room();
    const furniture = layer(tmj, 'furniture');
    const i = furniture.data.indexOf(ASCII_GIDS.table);
    furniture.data[i] = (ASCII_GIDS.table | FLIP_H | FLIP_D) >>> 0;
    const r = validateTiledMap(tmj, OPTIONS);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(layer(r.map, 'furniture').data[i]).toBe((ASCII_GIDS.table | FLIP_H | FLIP_D) >>> 0);
  });

  it('the tileset referenced as an external file under an accepted name, and embeds ours instead', () => {
    for (const source of ['ascii.tsj', '../art/ascii.tsx', 'ASCII.TSJ']) {
      const tmj = room();
      tmj.tilesets = [{ firstgid: 1, source }];
      const r = validateTiledMap(tmj, OPTIONS);
      if (!r.ok) throw new Error(`${source}: ${JSON.stringify(r.problems)}`);
      expect(r.map.tilesets).toEqual([{ ...RULE.embedded, firstgid: 1 }]);
    }
  });

  it('a map without a decoration layer, adding an empty one', () => {
    const tmj = room();
    tmj.layers = tmj.layers.filter((l) => l.name !== 'decoration');
    const r = validateTiledMap(tmj, OPTIONS);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(layer(r.map, 'decoration').data.every((g) => g === 0)).toBe(true);
    expect(layer(r.map, 'decoration').properties).toEqual([{ name: 'ge_alwaysTop', type: 'bool', value: true }]);
  });

  it('random valid offices, whose normalised form the rules read exactly as the original', () => {
    const picture = fc
      .record({ w: fc.integer({ min: 10, max: 24 }), h: fc.integer({ min: 10, max: 18 }) })
      .chain(({ w, h }) => fc.array(fc.array(fc.constantFrom('.', '.', '.', '#', 'T', '~', 'c', ' '), { minLength: w, maxLength: w }), { minLength: h, maxLength: h }))
      .map((grid) => grid.map((row) => row.join('')));
    fc.assert(
      fc.property(picture, fc.nat(), (rows, seed) => {
        // One guaranteed spawn tile on floor.
        const y = seed % rows.length;
        const x = (seed >> 8) % rows[0]!.length;
        rows[y] = `${rows[y]!.slice(0, x)}S${rows[y]!.slice(x + 1)}`;
        const tmj = tiledFromAscii(rows);
        const r = validateTiledMap(tmj, OPTIONS);
        if (!r.ok) throw new Error(JSON.stringify(r.problems));
        const before = OfficeMap.fromTiled(tmj);
        const after = OfficeMap.fromTiled(r.map);
        expect(after.zones).toEqual(before.zones);
        for (let ty = 0; ty < before.height; ty++) for (let tx = 0; tx < before.width; tx++) expect(after.isWalkable(tx, ty)).toBe(before.isWalkable(tx, ty));
      }),
      { numRuns: 60 },
    );
  });
});

describe('validateTiledMap refuses what is not a Tiled map', () => {
  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['a string', 'map'],
    ['a number', 7],
  ])('%s', (_name, value) => {
    expectOnly(value, { path: '', message: /expected a Tiled map/ });
  });

  it('a tileset or another Tiled document', () => {
    expectOnly({ ...room(), type: 'tileset' }, { path: '/type', message: /"type": "map"/ });
    const { type: _t, ...untyped } = room();
    expectOnly(untyped, { path: '/type', message: /"type": "map"/ });
  });

  it('an infinite map, at once (its chunks cannot be checked)', () => {
    expectOnly({ ...room(), infinite: true }, { path: '/infinite', message: /Infinite/ });
  });

  it('other orientations, render orders and tile sizes', () => {
    expectOnly({ ...room(), orientation: 'isometric' }, { path: '/orientation', message: /orthogonal/ });
    expectOnly({ ...room(), renderorder: 'diagonal' }, { path: '/renderorder', message: /renderorder/ });
    expectOnly({ ...room(), tilewidth: 16 }, { path: '/tilewidth', message: /32x32/ });
    expectOnly({ ...room(), tileheight: 48 }, { path: '/tileheight', message: /32x32/ });
  });
});

describe('validateTiledMap size limits', () => {
  it('refuses sides outside 10..500 tiles, and fractional sides', () => {
    expect(MAP_LIMITS.minSide).toBe(10);
    expect(MAP_LIMITS.maxSide).toBe(500);
    const narrow = tiledFromAscii(['#########', '#S......#', '#########']);
    const problems = problemsOf(narrow);
    expect(problems.map((p) => p.path)).toEqual(['/width', '/height']);
    expect(problems.find((p) => p.path === '/height')!.message).toMatch(/from 10 to 500, got 3/);
    expect(problemsOf({ ...room(), width: 600 }).map((p) => p.path)).toContain('/width');
    expect(problemsOf({ ...room(), width: 12.5 }).map((p) => p.path)).toContain('/width');
  });

  it('refuses more tiles than the cap', () => {
    const problems = problemsOf(room(), { tileset: RULE, limits: { maxTiles: 100 } });
    expect(problems).toEqual([{ path: '/width', message: expect.stringMatching(/120 tiles \(12x10\); at most 100/) }]);
  });

  it('refuses too many zones', () => {
    const many = Array.from({ length: 5 }, (_, i): AsciiZone => ({ kind: 'desk', x: 1 + i, y: 2, width: 1, height: 1 }));
    const problems = problemsOf(room(many), { tileset: RULE, limits: { maxZones: 4 } });
    expect(problems).toEqual([expect.objectContaining({ path: '/layers/4/objects', layer: 'zones', message: expect.stringMatching(/6 zones; at most 4/) })]);
  });
});

describe('validateTiledMap layers', () => {
  it('requires floor, walls, furniture and zones', () => {
    const tmj = room();
    tmj.layers = tmj.layers.filter((l) => l.name !== 'walls' && l.name !== 'zones');
    const problems = problemsOf(tmj);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/no tile layer "walls"/),
      expect.stringMatching(/no object layer "zones"/),
    ]);
  });

  it('refuses unknown, duplicate and image layers, naming each', () => {
    const tmj = room();
    tmj.layers.push(
      { ...layer(room(), 'floor'), name: 'rugs' },
      { ...layer(room(), 'floor'), name: 'FLOOR' },
      { type: 'objectgroup', name: 'notes', objects: [] },
      { type: 'imagelayer', name: 'photo', image: 'photo.png' } as never,
      { type: 'mystery', name: 'odd' } as never,
    );
    const problems = problemsOf(tmj);
    expect(problems).toEqual([
      expect.objectContaining({ path: '/layers/5', layer: 'rugs', message: expect.stringMatching(/layer "rugs": a tile layer with this name is not allowed/) }),
      expect.objectContaining({ path: '/layers/6', layer: 'FLOOR', message: expect.stringMatching(/already a layer "floor" \(\/layers\/0\)/) }),
      expect.objectContaining({ path: '/layers/7', layer: 'notes', message: expect.stringMatching(/an object layer with this name is not allowed/) }),
      expect.objectContaining({ path: '/layers/8', layer: 'photo', message: expect.stringMatching(/image layer/) }),
      expect.objectContaining({ path: '/layers/9', layer: 'odd', message: expect.stringMatching(/unknown type "mystery"/) }),
    ]);
  });

  it('refuses shifted layers', () => {
    const tmj = room();
    layer(tmj, 'furniture').offsetx = 16;
    expectOnly(tmj, { path: '/layers/2/offsetx', layer: 'furniture', message: /shifted/ });
  });

  it('refuses base64, compressed, chunked and wrongly sized tile data', () => {
    const tmj = room();
    Object.assign(layer(tmj, 'floor'), { encoding: 'base64', data: 'AAAA' });
    Object.assign(layer(tmj, 'walls'), { compression: 'zlib' });
    Object.assign(layer(tmj, 'furniture'), { data: [0, 0, 0] });
    Object.assign(layer(tmj, 'decoration'), { chunks: [] });
    expect(problemsOf(tmj)).toEqual([
      expect.objectContaining({ path: '/layers/0/encoding', layer: 'floor', message: expect.stringMatching(/CSV/) }),
      expect.objectContaining({ path: '/layers/1/compression', layer: 'walls', message: expect.stringMatching(/compressed/) }),
      expect.objectContaining({ path: '/layers/2/data', layer: 'furniture', message: expect.stringMatching(/3 tiles, expected 120/) }),
      expect.objectContaining({ path: '/layers/3/chunks', layer: 'decoration', message: expect.stringMatching(/chunked/) }),
    ]);
  });

  it('refuses a layer whose own width disagrees with the map', () => {
    const tmj = room();
    layer(tmj, 'walls').width = 11;
    expectOnly(tmj, { path: '/layers/1/width', layer: 'walls', message: /11 tiles wide, the map 12/ });
  });
});

describe('validateTiledMap tile ids', () => {
  it('lists every foreign, malformed and badly flagged tile with its layer and position', () => {
    const tmj = room();
    const floor = layer(tmj, 'floor');
    const walls = layer(tmj, 'walls');
    floor.data[12 * 2 + 3] = 6; // one past the tileset's 5 tiles
    floor.data[12 * 5 + 7] = 2.5;
    (walls.data as unknown[])[12 * 9 + 11] = '2';
    walls.data[0] = (ASCII_GIDS.wall | HEX_120) >>> 0;
    walls.data[12 * 4 + 4] = FLIP_H; // a flipped nothing
    floor.data[12 * 8 + 10] = -1;
    floor.data[12 * 8 + 9] = 2 ** 32;
    const problems = problemsOf(tmj);
    expect(problems).toEqual([
      { path: '/layers/0/data/27', layer: 'floor', x: 3, y: 2, message: 'layer "floor", tile (3, 2): tile id 6 is not in the office tileset (ids 1 to 5)' },
      { path: '/layers/0/data/67', layer: 'floor', x: 7, y: 5, message: 'layer "floor", tile (7, 5): 2.5 is not a tile id' },
      { path: '/layers/0/data/105', layer: 'floor', x: 9, y: 8, message: 'layer "floor", tile (9, 8): 4294967296 is not a tile id' },
      { path: '/layers/0/data/106', layer: 'floor', x: 10, y: 8, message: 'layer "floor", tile (10, 8): -1 is not a tile id' },
      { path: '/layers/1/data/0', layer: 'walls', x: 0, y: 0, message: expect.stringMatching(/120° rotation flag is for hexagonal maps/) },
      { path: '/layers/1/data/52', layer: 'walls', x: 4, y: 4, message: expect.stringMatching(/empty cell cannot be flipped/) },
      { path: '/layers/1/data/119', layer: 'walls', x: 11, y: 9, message: 'layer "walls", tile (11, 9): "2" is not a tile id' },
    ]);
  });

  it('finds a single foreign tile wherever it is put', () => {
    fc.assert(
      fc.property(fc.constantFrom('floor', 'walls', 'furniture', 'decoration'), fc.nat({ max: 119 }), fc.integer({ min: 6, max: 0x0fffffff }), (name, i, gid) => {
        const tmj = room();
        const target = layer(tmj, name);
        target.data[i] = gid;
        const index = tmj.layers.indexOf(target);
        const problems = problemsOf(tmj);
        expect(problems).toEqual([{ path: `/layers/${index}/data/${i}`, layer: name, x: i % 12, y: Math.floor(i / 12), message: expect.stringContaining(`tile id ${gid} is not in the office tileset`) }]);
      }),
      { numRuns: 80 },
    );
  });

  it('lists at most maxProblems, then says how many more there are', () => {
    const tmj = room();
    layer(tmj, 'decoration').data.fill(99);
    const problems = problemsOf(tmj, { tileset: RULE, limits: { maxProblems: 10 } });
    expect(problems).toHaveLength(11);
    expect(problems.at(-1)!.message).toMatch(/…and 110 more problems/);
  });
});

describe('validateTiledMap tilesets', () => {
  it('requires one', () => {
    expectOnly({ ...room(), tilesets: [] }, { path: '/tilesets', message: /no tileset; use only the "ascii" tileset \(ascii\.tsj\)/ });
  });

  it('refuses a second tileset, a shifted firstgid, a foreign embedded one and a foreign file', () => {
    const tmj = room();
    tmj.tilesets = [{ ...asciiTileset(), firstgid: 2 }, { firstgid: 6, source: 'dungeon.tsx' }];
    expect(problemsOf(tmj)).toEqual([
      expect.objectContaining({ path: '/tilesets/0/firstgid', message: expect.stringMatching(/firstgid 1, got 2/) }),
      expect.objectContaining({ path: '/tilesets/1', message: expect.stringMatching(/tileset "dungeon.tsx" is not allowed/) }),
    ]);
    const foreign = room();
    foreign.tilesets = [{ ...asciiTileset(), name: 'dungeon', image: 'dungeon.png', tilecount: 400 }];
    expectOnly(foreign, { path: '/tilesets/0', message: /not the office tileset: name "dungeon" \(expected "ascii"\), image "dungeon.png" \(expected "ascii.png"\), tilecount 400 \(expected 5\)/ });
    const file = room();
    file.tilesets = [{ firstgid: 1, source: 'dungeon.tsj' }];
    expectOnly(file, { path: '/tilesets/0/source', message: /not the office tileset/ });
  });

  it('refuses an embedded copy whose collision flags were edited', () => {
    const tmj = room();
    const ts = tmj.tilesets[0]!;
    ts.tiles = [{ id: 0, properties: [{ name: 'ge_collide', type: 'bool', value: true }] }];
    expectOnly(tmj, { path: '/tilesets/0/tiles', message: /changed "ge_collide" on tile ids 0, 4/ });
  });

  it('accepts the image from another folder', () => {
    const tmj = room();
    tmj.tilesets[0]!.image = '../../art/ascii.png';
    expect(validateTiledMap(tmj, OPTIONS).ok).toBe(true);
  });
});

describe('validateTiledMap zones', () => {
  const base = () => room();

  it.each<[string, (z: TiledObjectJson) => void, string, RegExp]>([
    ['an unknown kind', (z) => { z.type = 'kitchen'; }, 'type', /unknown class "kitchen"; use one of meeting-room, focus, desk, spawn/],
    ['no kind', (z) => { delete z.type; }, 'class', /has no class/],
    ['an ellipse', (z) => { z.ellipse = true; }, 'ellipse', /an ellipse; zones must be plain rectangles/],
    ['a point', (z) => { z.point = true; }, 'point', /a point/],
    ['a polygon', (z) => { z.polygon = [{ x: 0, y: 0 }]; }, 'polygon', /a polygon/],
    ['a tile object', (z) => { z.gid = 3; }, 'gid', /a tile object/],
    ['a template instance', (z) => { z.template = 'room.tx'; }, 'template', /a template instance/],
    ['rotated', (z) => { z.rotation = 45; }, 'rotation', /rotated \(45°\)/],
    ['off the grid', (z) => { z.x = 200; }, 'x', /x is 200 px; zone rectangles must line up with the 32 px tile grid/],
    ['a fractional size', (z) => { z.height = 95.5; }, 'height', /height is 95.5 px/],
    ['a name too long', (z) => { z.name = 'B'.repeat(81); }, 'name', /81 characters long; at most 80/],
    ['a control character in the name', (z) => { z.name = 'Blue\u0007room'; }, 'name', /control characters/],
    ['a capacity of 0', (z) => { z.properties = [{ name: 'capacity', type: 'int', value: 0 }]; }, 'properties/0/value', /from 1 to 1000, got 0/],
    ['a capacity written as text', (z) => { z.properties = [{ name: 'capacity', type: 'string', value: '6' }]; }, 'properties/0/type', /must be an int property/],
    ['a misspelt property', (z) => { z.properties = [{ name: 'Capacity', type: 'int', value: 6 }]; }, 'properties/0/name', /unknown custom property "Capacity"; a meeting-room zone has only "capacity"/],
    ['properties in the pre-1.2 object form', (z) => { z.properties = { capacity: 6 } as never; }, 'properties', /must be an array/],
    ['a non-numeric id', (z) => { z.id = 'x' as never; }, 'id', /positive whole-number object id/],
  ])('refuses a room with %s, naming the zone, its field and tile', (_what, change, field, message) => {
    const tmj = base();
    change(zoneNamed(tmj, 'Blue room'));
    // The Blue room is object 1, after the spawn strip drawn with 'S'; its top-left tile is (6, 1).
    expectOnly(tmj, { layer: 'zones', path: `/layers/4/objects/1/${field}`, x: 6, y: 1, message });
  });

  it('refuses a capacity on a zone kind that has none', () => {
    const tmj = base();
    zoneNamed(tmj, 'Quiet corner').properties = [{ name: 'capacity', type: 'int', value: 3 }];
    expectOnly(tmj, { path: '/layers/4/objects/2/properties/0/name', message: /a focus zone has no custom properties/ });
  });

  it('keeps a desk\'s assigned member, and refuses one that is not a user id or sits on another kind', () => {
    const ok = base();
    zoneNamed(ok, 'Desk 1').properties = [{ name: 'member', type: 'string', value: '6f1c2d3e-0a1b-4c5d-8e9f-001122334455' }];
    const result = validateTiledMap(ok, OPTIONS);
    expect(result.ok).toBe(true);
    const stored = result.ok ? OfficeMap.fromTiled(result.map).zones.find((z) => z.name === 'Desk 1') : undefined;
    expect(stored?.member).toBe('6f1c2d3e-0a1b-4c5d-8e9f-001122334455');

    const bad = base();
    zoneNamed(bad, 'Desk 1').properties = [{ name: 'member', type: 'string', value: 'Ada <script>' }];
    expectOnly(bad, { path: '/layers/4/objects/3/properties/0/value', message: /"member" must be a user id/ });
    const onRoom = base();
    zoneNamed(onRoom, 'Blue room').properties = [{ name: 'member', type: 'string', value: 'u1' }];
    expectOnly(onRoom, { path: '/layers/4/objects/1/properties/0/name', message: /unknown custom property "member"; a meeting-room zone has only "capacity"/ });
  });

  it('refuses an empty rectangle, one reaching outside and one on no floor', () => {
    const tmj = base();
    Object.assign(zoneNamed(tmj, 'Blue room'), { width: 0 });
    Object.assign(zoneNamed(tmj, 'Quiet corner'), { x: 10 * 32, width: 4 * 32 });
    Object.assign(zoneNamed(tmj, 'Desk 1'), { x: 4 * 32, y: 3 * 32 }); // on the table
    expect(problemsOf(tmj)).toEqual([
      expect.objectContaining({ path: '/layers/4/objects/1', x: 6, y: 1, message: expect.stringMatching(/"Blue room": the rectangle is empty \(0x3 tiles\)/) }),
      expect.objectContaining({ path: '/layers/4/objects/2', x: 10, y: 6, message: expect.stringMatching(/"Quiet corner": the rectangle \(tiles 10,6, 4x3\) reaches outside the 12x10 map/) }),
      expect.objectContaining({ path: '/layers/4/objects/3', x: 4, y: 3, message: expect.stringMatching(/"Desk 1": covers no walkable tile/) }),
    ]);
  });

  it('refuses overlapping meeting rooms and duplicate ids', () => {
    const tmj = room([...ROOM_ZONES, { kind: 'meeting-room', name: 'Green room', x: 8, y: 2, width: 3, height: 3 }]);
    zoneNamed(tmj, 'Desk 1').id = zoneNamed(tmj, 'Quiet corner').id;
    expect(problemsOf(tmj)).toEqual([
      expect.objectContaining({ path: '/layers/4/objects/3/id', message: expect.stringMatching(/"Desk 1": object id 3 is used twice/) }),
      expect.objectContaining({ path: '/layers/4/objects/4', x: 8, y: 2, message: 'meeting room "Green room" overlaps meeting room "Blue room"; rooms must not share tiles' }),
    ]);
  });

  it('requires a spawn zone on walkable floor', () => {
    const noSpawn = tiledFromAscii(ROOM.map((r) => r.replace(/S/g, '.')), { zones: ROOM_ZONES });
    expectOnly(noSpawn, { path: '/layers/4/objects', message: /no spawn zone/ });
    const spawnInWall = room([{ kind: 'spawn', name: 'Door', x: 0, y: 0, width: 3, height: 1 }]);
    expect(problemsOf(spawnInWall)).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/"Door": covers no walkable tile/) }));
  });

  it('keeps object ids (they name the rooms\' calls) and nextobjectid', () => {
    const tmj = room();
    tmj.nextobjectid = 40;
    zoneNamed(tmj, 'Blue room').id = 33;
    const r = validateTiledMap(tmj, OPTIONS);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(zoneNamed(r.map, 'Blue room').id).toBe(33);
    expect(r.map.nextobjectid).toBe(40);
    zoneNamed(tmj, 'Blue room').id = 50;
    expect((validateTiledMap(tmj, OPTIONS) as { map: TiledMapJson }).map.nextobjectid).toBe(51);
  });
});

describe('validateTiledMap lists every problem', () => {
  it('across the whole document in one answer', () => {
    const tmj = room();
    tmj.tilewidth = 16;
    tmj.tilesets.push({ firstgid: 6, source: 'other.tsj' });
    layer(tmj, 'walls').data[13] = 77;
    layer(tmj, 'furniture').offsety = 32;
    zoneNamed(tmj, 'Blue room').rotation = 90;
    zoneNamed(tmj, 'Quiet corner').type = 'nap';
    tmj.properties = [{ name: 'notes', type: 'string', value: 'x'.repeat(1001) }];
    const problems = problemsOf(tmj);
    expect(problems.map((p) => p.path)).toEqual([
      '/tilewidth',
      '/tilesets/1',
      '/properties/0/value',
      '/layers/2/offsety',
      '/layers/1/data/13',
      '/layers/4/objects/1/rotation',
      '/layers/4/objects/2/type',
    ]);
  });
});

describe('validateTiledMap on hostile input', () => {
  it('never throws on arbitrary JSON, and refuses it with listed problems', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('type', 'width', 'height', 'layers', 'tilesets', 'tilewidth', 'tileheight', 'orientation', 'properties', '__proto__'), fc.jsonValue())), (value) => {
        const r = validateTiledMap(value, OPTIONS);
        if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when any part of a valid map is replaced by arbitrary JSON', () => {
    const paths: (string | number)[][] = [];
    const collect = (v: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => collect(x, [...path, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, [...path, k]);
    };
    collect(room(), []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
        const tmj = room() as unknown as Record<string | number, unknown>;
        let target = tmj;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
        target[path.at(-1)!] = value;
        const r = validateTiledMap(tmj, OPTIONS);
        // Whatever passes must be a map the rules accept.
        if (r.ok) expect(() => OfficeMap.fromTiled(r.map)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
