import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { LOOKS } from '../scripts/lib/avatars.js';
import { generateAll } from '../scripts/lib/outputs.js';
import { buildTileset } from '../scripts/lib/tileset.js';
import { assetsDir, avatarFrame, avatarSheet, loadTemplateMap, templateThumbnailPath, templates, templatesDir, tileset, type OfficeTilesetJson } from './index.js';

interface Property {
  name: string;
  type: string;
  value: unknown;
}
interface TileLayer {
  type: 'tilelayer';
  name: string;
  properties?: Property[];
  width: number;
  height: number;
  data: number[];
}
interface MapObject {
  id: number;
  name: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties?: Property[];
}
interface ObjectLayer {
  type: 'objectgroup';
  name: string;
  objects: MapObject[];
}
interface TiledMap {
  orientation: string;
  infinite: boolean;
  width: number;
  height: number;
  tilewidth: number;
  tileheight: number;
  layers: (TileLayer | ObjectLayer)[];
  tilesets: OfficeTilesetJson[];
  properties?: Property[];
}

const LAYERS = [
  ['floor', 'tilelayer'],
  ['walls', 'tilelayer'],
  ['furniture', 'tilelayer'],
  ['zones', 'objectgroup'],
  ['decoration', 'tilelayer'],
] as const;
const ZONE_TYPES = new Set(['meeting-room', 'focus', 'desk', 'spawn']);

/**
 * What each template promises (issue #6): a team office for 10 to 20, an open-plan floor for 200 with 6 meeting
 * rooms, a kitchen and focus areas, and an event hall for 1,000. `people` is the crowd it is sized for.
 */
const PROMISES: Record<string, { people: number; desks: [number, number]; rooms: [number, number]; focus: number; spawns: number; kitchen: boolean }> = {
  'open-office': { people: 48, desks: [48, 48], rooms: [3, 3], focus: 1, spawns: 1, kitchen: true },
  'open-plan-floor': { people: 200, desks: [200, 240], rooms: [6, 6], focus: 2, spawns: 2, kitchen: true },
  'small-studio': { people: 20, desks: [12, 20], rooms: [1, 1], focus: 1, spawns: 1, kitchen: true },
  'event-hall': { people: 1_000, desks: [1, Infinity], rooms: [6, 6], focus: 1, spawns: 4, kitchen: false },
  'convention-centre': { people: 10_000, desks: [1, Infinity], rooms: [16, 16], focus: 1, spawns: 12, kitchen: false },
};
const tilesetNames = buildTileset();
/** The gid a template uses for a named tile of the office tileset. */
const gidOf = (name: string): number => tilesetNames.id(name) + 1;

function tileLayer(map: TiledMap, name: string): TileLayer {
  const layer = map.layers.find((l) => l.name === name);
  if (!layer || layer.type !== 'tilelayer') throw new Error(`no tile layer ${name}`);
  return layer;
}
function zonesOf(map: TiledMap): MapObject[] {
  const layer = map.layers.find((l) => l.name === 'zones');
  if (!layer || layer.type !== 'objectgroup') throw new Error('no zones layer');
  return layer.objects;
}
function collidingIds(map: TiledMap): Set<number> {
  const ids = new Set<number>();
  for (const t of map.tilesets[0]!.tiles) if (t.properties?.some((p) => p.name === 'ge_collide' && p.value === true)) ids.add(t.id);
  return ids;
}
/** The rule grid-engine and the server share: floor present, no wall, no furniture. */
function walkable(map: TiledMap): boolean[] {
  const floor = tileLayer(map, 'floor').data;
  const walls = tileLayer(map, 'walls').data;
  const furniture = tileLayer(map, 'furniture').data;
  return floor.map((g, i) => g !== 0 && walls[i] === 0 && furniture[i] === 0);
}
function tilesOf(z: MapObject): [number, number][] {
  const out: [number, number][] = [];
  for (let y = z.y / 32; y < (z.y + z.height) / 32; y++) for (let x = z.x / 32; x < (z.x + z.width) / 32; x++) out.push([x, y]);
  return out;
}
function pngSize(path: string): { width: number; height: number } {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height };
}

describe('template list', () => {
  it('starts with open-office and has unique ids', () => {
    expect(templates[0]?.id).toBe('open-office');
    expect(templates.map((t) => t.id)).toEqual(['open-office', 'open-plan-floor', 'small-studio', 'event-hall', 'convention-centre']);
    expect(templates.find((t) => t.id === 'open-plan-floor')?.name).toBe('Open-plan floor');
    expect(new Set(templates.map((t) => t.id)).size).toBe(templates.length);
    for (const t of templates) {
      expect(t.name.length).toBeGreaterThan(0);
      expect(t.description.length).toBeGreaterThan(0);
    }
  });

  it('rejects unknown ids, including path tricks, with TEMPLATE_NOT_FOUND', () => {
    for (const id of ['nope', '../package', '../templates/open-office', 'open-office.tmj', '', 'OPEN-OFFICE']) {
      expect(() => loadTemplateMap(id)).toThrow(expect.objectContaining({ code: 'TEMPLATE_NOT_FOUND' }));
      expect(() => templateThumbnailPath(id)).toThrow(expect.objectContaining({ code: 'TEMPLATE_NOT_FOUND' }));
    }
  });

  it('returns a fresh object on each load', () => {
    expect(loadTemplateMap('open-office')).not.toBe(loadTemplateMap('open-office'));
  });
});

describe('assets', () => {
  it('has the tileset and the avatar sheet in assetsDir', () => {
    expect(existsSync(join(assetsDir, tileset.image))).toBe(true);
    const avatars = pngSize(join(assetsDir, avatarSheet.image));
    expect(avatars.width).toBe(avatarSheet.columns * avatarSheet.frameWidth);
    // 4 looks per block of 4 direction rows.
    expect(avatars.height).toBe(Math.ceil(avatarSheet.looks / 4) * 4 * avatarSheet.frameHeight);
    expect(avatarSheet.looks).toBeGreaterThanOrEqual(8);
    expect(avatarSheet.looks).toBe(LOOKS.length);
  });

  it('lays avatar frames out the way grid-engine numbers them', () => {
    // grid-engine: row = dir + floor(L / 4) * 4, first column = (L % 4) * 3; rightFoot, standing, leftFoot.
    expect(avatarFrame(0, 0, 1)).toBe(1);
    expect(avatarFrame(1, 0, 0)).toBe(3);
    expect(avatarFrame(3, 3, 2)).toBe(3 * 12 + 11);
    expect(avatarFrame(4, 0, 0)).toBe(4 * 12);
    expect(avatarFrame(5, 2, 1)).toBe(6 * 12 + 4);
  });

  it('draws every avatar frame: opaque pixels inside the frame, feet near the bottom', () => {
    const png = PNG.sync.read(readFileSync(join(assetsDir, avatarSheet.image)));
    for (let look = 0; look < avatarSheet.looks; look++) {
      for (let dir = 0; dir < 4; dir++) {
        for (let f = 0; f < 3; f++) {
          const i = avatarFrame(look, dir, f);
          const fx = (i % 12) * 32;
          const fy = Math.floor(i / 12) * 32;
          let minX = 32;
          let maxX = -1;
          let minY = 32;
          let maxY = -1;
          for (let y = 0; y < 32; y++) {
            for (let x = 0; x < 32; x++) {
              if (png.data[((fy + y) * png.width + fx + x) * 4 + 3]! < 200) continue;
              minX = Math.min(minX, x);
              maxX = Math.max(maxX, x);
              minY = Math.min(minY, y);
              maxY = Math.max(maxY, y);
            }
          }
          expect(maxX - minX + 1, `look ${look} dir ${dir} frame ${f} width`).toBeLessThanOrEqual(24);
          expect(maxY - minY + 1, `look ${look} dir ${dir} frame ${f} height`).toBeGreaterThanOrEqual(24);
          expect(maxY, `look ${look} dir ${dir} frame ${f} feet`).toBeGreaterThanOrEqual(29);
        }
      }
    }
  });

  // Drawing every asset takes 20–60 s on a loaded 2-core machine: a slow test, not a hung one.
  it('are exactly what scripts/generate.ts draws (regenerate and commit after changing the art)', { timeout: 180_000 }, () => {
    const root = join(assetsDir, '..');
    for (const [rel, bytes] of generateAll()) {
      const path = join(root, rel);
      expect(existsSync(path), `${rel} exists`).toBe(true);
      expect(readFileSync(path).equals(bytes), `${rel} is up to date`).toBe(true);
    }
  });
});

describe.each(templates.map((t) => t.id))('template %s', (id) => {
  const map = loadTemplateMap(id) as TiledMap;
  const n = map.width * map.height;
  const ts = map.tilesets[0]!;
  const solid = collidingIds(map);
  const ok = walkable(map);
  const zones = zonesOf(map);

  it('is a finite orthogonal 32 px map with one embedded office tileset', () => {
    expect(map.orientation).toBe('orthogonal');
    expect(map.infinite).toBe(false);
    expect(map.tilewidth).toBe(32);
    expect(map.tileheight).toBe(32);
    expect(map.properties).toContainEqual({ name: 'id', type: 'string', value: id });
    expect(map.tilesets).toHaveLength(1);
    expect(ts).toMatchObject({ firstgid: 1, name: tileset.name, image: tileset.image, tilewidth: 32, tileheight: 32, margin: 0, spacing: 0 });
    const image = pngSize(join(assetsDir, ts.image));
    expect(image).toEqual({ width: ts.imagewidth, height: ts.imageheight });
    expect(ts.columns).toBe(ts.imagewidth / 32);
    expect(ts.tilecount).toBeLessThanOrEqual(ts.columns * (ts.imageheight / 32));
    expect(ts.tilecount).toBeGreaterThan(ts.columns * (ts.imageheight / 32 - 1));
    // Tiled resolves the image beside the .tmj; a copy lives there.
    expect(readFileSync(join(templatesDir, ts.image)).equals(readFileSync(join(assetsDir, ts.image)))).toBe(true);
  });

  it('has the five layers, in order, with width*height data', () => {
    expect(map.layers.map((l) => [l.name, l.type])).toEqual(LAYERS.map(([name, type]) => [name, type]));
    for (const l of map.layers) {
      if (l.type !== 'tilelayer') continue;
      expect(l.width).toBe(map.width);
      expect(l.height).toBe(map.height);
      expect(l.data).toHaveLength(n);
    }
    // Only decoration is drawn above the avatars (grid-engine's layer flag).
    for (const l of map.layers) {
      const top = l.type === 'tilelayer' && (l.properties ?? []).some((p) => p.name === 'ge_alwaysTop' && p.value === true);
      expect(top, l.name).toBe(l.name === 'decoration');
    }
  });

  it('uses only gids that exist in the tileset', () => {
    for (const l of map.layers) {
      if (l.type !== 'tilelayer') continue;
      for (const gid of l.data) {
        expect(Number.isInteger(gid)).toBe(true);
        expect(gid >= 0 && gid <= ts.tilecount, `${l.name} gid ${gid}`).toBe(true);
      }
    }
  });

  it('marks walls and furniture ge_collide, and nothing on floor or decoration', () => {
    for (const name of ['walls', 'furniture']) for (const gid of tileLayer(map, name).data) if (gid) expect(solid.has(gid - 1), `${name} gid ${gid}`).toBe(true);
    for (const name of ['floor', 'decoration']) for (const gid of tileLayer(map, name).data) if (gid) expect(solid.has(gid - 1), `${name} gid ${gid}`).toBe(false);
  });

  it('is enclosed: the map border is wall except at the entrance', () => {
    const walls = tileLayer(map, 'walls').data;
    let openings = 0;
    for (let i = 0; i < n; i++) {
      const x = i % map.width;
      const y = Math.floor(i / map.width);
      if (x === 0 || y === 0 || x === map.width - 1 || y === map.height - 1) if (walls[i] === 0) openings++;
    }
    expect(openings).toBeGreaterThan(0);
    // A two-tile door per entrance (halls have several), and nothing else open.
    expect(openings).toBeLessThanOrEqual(Math.max(4, 2 * zones.filter((z) => z.type === 'spawn').length));
  });

  it('has well-formed zones inside the map', () => {
    expect(zones.length).toBeGreaterThan(0);
    for (const z of zones) {
      expect(ZONE_TYPES.has(z.type), `zone type ${z.type}`).toBe(true);
      expect(z.name.trim().length).toBeGreaterThan(0);
      for (const v of [z.x, z.y, z.width, z.height]) expect(v % 32).toBe(0);
      expect(z.width).toBeGreaterThan(0);
      expect(z.height).toBeGreaterThan(0);
      expect(z.x >= 0 && z.y >= 0 && z.x + z.width <= map.width * 32 && z.y + z.height <= map.height * 32, z.name).toBe(true);
    }
    expect(new Set(zones.map((z) => z.name)).size).toBe(zones.length);
  });

  it('keeps what it promises: people, desks, rooms, focus areas, entrances, a kitchen', () => {
    const promise = PROMISES[id];
    expect(promise, `PROMISES has no entry for ${id}`).toBeDefined();
    const count = (type: string): number => zones.filter((z) => z.type === type).length;
    const [minDesks, maxDesks] = promise!.desks;
    expect(count('desk')).toBeGreaterThanOrEqual(minDesks);
    expect(count('desk')).toBeLessThanOrEqual(maxDesks);
    expect(count('meeting-room')).toBeGreaterThanOrEqual(promise!.rooms[0]);
    expect(count('meeting-room')).toBeLessThanOrEqual(promise!.rooms[1]);
    expect(count('focus')).toBeGreaterThanOrEqual(promise!.focus);
    expect(count('spawn')).toBeGreaterThanOrEqual(promise!.spawns);
    // Room to move: at least 10 walkable tiles a person (the halls are sized at about 16).
    expect(ok.filter(Boolean).length / promise!.people).toBeGreaterThanOrEqual(10);
    // Within the upload limits (docs/maps.md), so an exported template can be uploaded again.
    for (const side of [map.width, map.height]) expect(side >= 10 && side <= 500).toBe(true);
    expect(n).toBeLessThanOrEqual(200_000);
    // A kitchen: kitchen floor with a fridge, a sink and a coffee machine on it.
    const floor = tileLayer(map, 'floor').data;
    const furniture = tileLayer(map, 'furniture').data;
    const kitchenFloor = floor.filter((g) => g === gidOf('floor.kitchen')).length;
    const has = (name: string): boolean => furniture.includes(gidOf(name));
    const parts = { kitchenFloor: kitchenFloor >= 20, fridge: has('fridge.0.1'), sink: has('counter.sink'), coffee: has('counter.coffee.0.1') };
    expect(Object.values(parts).every(Boolean), `kitchen: ${JSON.stringify(parts)}`).toBe(promise!.kitchen);
  });

  it('gives every meeting room an int capacity and walkable room to stand in, and no two rooms overlap', () => {
    const rooms = zones.filter((z) => z.type === 'meeting-room');
    expect(rooms.length).toBeGreaterThanOrEqual(1);
    for (const [i, a] of rooms.entries()) {
      for (const b of rooms.slice(i + 1)) {
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap, `${a.name} and ${b.name} overlap`).toBe(false);
      }
    }
    for (const room of rooms) {
      const cap = room.properties?.find((p) => p.name === 'capacity');
      expect(cap?.type).toBe('int');
      expect(Number.isInteger(cap?.value) && (cap?.value as number) > 0).toBe(true);
      const free = tilesOf(room).filter(([x, y]) => ok[y * map.width + x]).length;
      expect(free, room.name).toBeGreaterThanOrEqual(cap?.value as number);
    }
  });

  it('has a spawn zone of walkable tiles (at least 4x3 in open-office)', () => {
    const spawns = zones.filter((z) => z.type === 'spawn');
    expect(spawns.length).toBeGreaterThanOrEqual(1);
    for (const s of spawns) {
      for (const [x, y] of tilesOf(s)) expect(ok[y * map.width + x], `spawn tile ${x},${y}`).toBe(true);
      if (id === 'open-office') expect(s.width >= 4 * 32 && s.height >= 3 * 32).toBe(true);
    }
  });

  it('puts desk zones on walkable tiles next to a desk', () => {
    const desks = zones.filter((z) => z.type === 'desk');
    expect(desks.length).toBeGreaterThanOrEqual(id === 'open-office' ? 24 : 4);
    const furniture = tileLayer(map, 'furniture').data;
    for (const d of desks) {
      for (const [x, y] of tilesOf(d)) {
        expect(ok[y * map.width + x], `${d.name} walkable`).toBe(true);
        const nextToFurniture = [y - 1, y + 1].some((yy) => yy >= 0 && yy < map.height && furniture[yy * map.width + x] !== 0);
        expect(nextToFurniture, `${d.name} beside its desk`).toBe(true);
      }
    }
  });

  it('connects every walkable tile to the spawn (4-neighbourhood): every desk, room, focus area and entrance', () => {
    const spawn = zones.find((z) => z.type === 'spawn')!;
    const seen = new Uint8Array(n);
    const queue: number[] = [];
    const [sx, sy] = tilesOf(spawn)[0]!;
    seen[sy * map.width + sx] = 1;
    queue.push(sy * map.width + sx);
    while (queue.length > 0) {
      const i = queue.pop()!;
      const x = i % map.width;
      const y = Math.floor(i / map.width);
      for (const [nx, ny] of [
        [x + 1, y],
        [x - 1, y],
        [x, y + 1],
        [x, y - 1],
      ] as const) {
        if (nx < 0 || ny < 0 || nx >= map.width || ny >= map.height) continue;
        const j = ny * map.width + nx;
        if (ok[j] && !seen[j]) {
          seen[j] = 1;
          queue.push(j);
        }
      }
    }
    const stranded: string[] = [];
    ok.forEach((w, i) => {
      if (w && !seen[i]) stranded.push(`${i % map.width},${Math.floor(i / map.width)}`);
    });
    expect(stranded).toEqual([]);
    // Spelled out for what people walk to: every desk chair and every spawn tile, and some of every room and focus area.
    for (const z of zones) {
      const reached = tilesOf(z).filter(([x, y]) => seen[y * map.width + x]).length;
      if (z.type === 'desk' || z.type === 'spawn') expect(reached, `${z.name} reachable`).toBe(tilesOf(z).length);
      else expect(reached, `${z.name} reachable`).toBeGreaterThan(0);
    }
  });

  it('has a thumbnail at most 320 px wide with the map proportions', () => {
    const path = templateThumbnailPath(id);
    expect(path.startsWith(assetsDir)).toBe(true);
    const size = pngSize(path);
    expect(size.width).toBeLessThanOrEqual(320);
    expect(size.width / size.height).toBeCloseTo(map.width / map.height, 1);
  });
});
