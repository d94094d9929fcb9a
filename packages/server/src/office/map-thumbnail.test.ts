import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadTemplateMap, templateThumbnailPath, templates } from '@metaoffice/maps';
import type { TiledMapJson, TiledTileLayerJson } from '@metaoffice/world';
import { MapThumbnailCache, MapThumbnailError, renderMapThumbnail } from './map-thumbnail.js';

const FLIP_H = 0x80000000;
const FLIP_V = 0x40000000;
const FLIP_D = 0x20000000;

const template = (id: string) => loadTemplateMap(id) as TiledMapJson;
const layerOf = (map: TiledMapJson, name: string) => map.layers.find((l) => l.name === name) as TiledTileLayerJson;

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Mean colour of the pixels of the tiles x0..x1-1, y0..y1-1 at `p` pixels a tile. */
function meanColour(img: Awaited<ReturnType<typeof pixels>>, p: number, x0: number, y0: number, x1: number, y1: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = y0 * p; y < y1 * p; y++) {
    for (let x = x0 * p; x < x1 * p; x++) {
      const k = (y * img.width + x) * img.channels;
      for (let c = 0; c < 3; c++) sum[c]! += img.data[k + c]!;
      n++;
    }
  }
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

const distance = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

describe('renderMapThumbnail', () => {
  it('renders every template like its pre-made thumbnail: the same size and, near enough, the same pixels', async () => {
    for (const { id } of templates) {
      // The pre-made ones are at most 320 px wide with no bound on the height.
      const png = await renderMapThumbnail(JSON.stringify(template(id)), { maxWidth: 320, maxHeight: 4096 });
      const made = await sharp(templateThumbnailPath(id)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const ours = await pixels(png);
      expect([id, ours.width, ours.height, ours.channels]).toEqual([id, made.info.width, made.info.height, 3]);
      let diff = 0;
      for (let i = 0; i < made.data.length; i++) diff += Math.abs(ours.data[i]! - made.data[i]!);
      expect(diff / made.data.length, id).toBeLessThan(6); // the same art, drawn by another renderer
    }
  });

  it('fits every template in 320 x 240 with the map proportions, whole pixels a tile where it can', async () => {
    for (const { id } of templates) {
      const map = template(id);
      const meta = await sharp(await renderMapThumbnail(JSON.stringify(map))).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeLessThanOrEqual(320);
      expect(meta.height).toBeLessThanOrEqual(240);
      expect(meta.width / meta.height).toBeCloseTo(map.width / map.height, 1);
      if (map.width <= 320 && map.height <= 240) expect([meta.width % map.width, meta.height % map.height], id).toEqual([0, 0]);
    }
    const office = await sharp(await renderMapThumbnail(JSON.stringify(template('open-office')))).metadata();
    expect([office.width, office.height]).toEqual([288, 192]); // 48 x 32 tiles at 6 px a tile
    const small = await sharp(await renderMapThumbnail(JSON.stringify(template('open-office')), { maxWidth: 100, maxHeight: 100 })).metadata();
    expect([small.width, small.height]).toEqual([96, 64]); // 2 px a tile
    const tiny = await sharp(await renderMapThumbnail(JSON.stringify(template('open-office')), { maxWidth: 24, maxHeight: 100 })).metadata();
    expect([tiny.width, tiny.height]).toEqual([24, 16]); // under a pixel a tile: shrunk to fit
  });

  it('draws a wall painted over a floor region, and leaves the rest as it was', async () => {
    const map = template('open-office');
    const before = await pixels(await renderMapThumbnail(JSON.stringify(map)));
    const walls = layerOf(map, 'walls');
    const wall = walls.data.find((gid) => gid !== 0)!;
    // An open stretch of floor between the desk rows (tiles 24..33 of rows 17 and 18).
    for (let y = 17; y <= 18; y++) {
      for (let x = 24; x <= 33; x++) {
        walls.data[y * map.width + x] = wall;
        layerOf(map, 'furniture').data[y * map.width + x] = 0;
        layerOf(map, 'decoration').data[y * map.width + x] = 0;
      }
    }
    const after = await pixels(await renderMapThumbnail(JSON.stringify(map)));
    const p = 6;
    const region = [24, 17, 34, 19] as const;
    expect(distance(meanColour(before, p, ...region), meanColour(after, p, ...region))).toBeGreaterThan(30);
    // Each tile there is now the wall over its floor: the same pixels as that pair alone on a small map at 6 px a tile.
    const floor = layerOf(map, 'floor').data[17 * map.width + 24]!;
    const full = (gid: number) => ({ type: 'tilelayer', name: '', data: new Array<number>(100).fill(gid) });
    const pair = { type: 'map', width: 10, height: 10, layers: [{ ...full(floor), name: 'floor' }, { ...full(wall), name: 'walls' }] };
    const alone = await pixels(await renderMapThumbnail(JSON.stringify(pair), { maxWidth: 60, maxHeight: 60 }));
    for (let y = 0; y < p; y++) {
      const row = (img: typeof after, x0: number, y0: number) => img.data.subarray(((y0 * p + y) * img.width + x0 * p) * 3, ((y0 * p + y) * img.width + x0 * p + p) * 3);
      expect(Buffer.compare(row(after, 24, 17), row(alone, 0, 0))).toBe(0);
    }
    // Elsewhere nothing changed.
    expect(meanColour(after, p, 0, 20, 48, 32)).toEqual(meanColour(before, p, 0, 20, 48, 32));
  });

  it('reads gids with Tiled flip flags as their tiles, mirrored', async () => {
    const map = template('open-office');
    const flipped = template('open-office');
    for (const name of ['floor', 'walls', 'furniture', 'decoration']) {
      layerOf(flipped, name).data = layerOf(map, name).data.map((gid) => (gid === 0 ? 0 : (gid | FLIP_H | FLIP_V | FLIP_D) >>> 0));
    }
    // At one pixel a tile a flip changes nothing.
    const box = { maxWidth: 48, maxHeight: 32 };
    const plain = (await pixels(await renderMapThumbnail(JSON.stringify(map), box))).data;
    expect((await pixels(await renderMapThumbnail(JSON.stringify(flipped), box))).data.equals(plain)).toBe(true);
    // Larger, a tile flipped both ways and transposed keeps its colours, only moved about.
    const a = await pixels(await renderMapThumbnail(JSON.stringify(map)));
    const b = await pixels(await renderMapThumbnail(JSON.stringify(flipped)));
    expect(distance(meanColour(a, 6, 0, 0, 48, 32), meanColour(b, 6, 0, 0, 48, 32))).toBeLessThan(1);
    expect(a.data.equals(b.data)).toBe(false);
  });

  it('draws hidden layers not at all and half-transparent layers half', async () => {
    const map = template('open-office');
    const bare = template('open-office');
    for (const name of ['walls', 'furniture', 'decoration']) layerOf(bare, name).data.fill(0);
    for (const name of ['walls', 'furniture', 'decoration']) layerOf(map, name).visible = false;
    const withoutHidden = (await pixels(await renderMapThumbnail(JSON.stringify(bare)))).data;
    expect((await pixels(await renderMapThumbnail(JSON.stringify(map)))).data.equals(withoutHidden)).toBe(true);

    const wall = layerOf(template('open-office'), 'walls').data.find((gid) => gid !== 0)!;
    const full = (name: string, gid: number, opacity = 1) => ({ type: 'tilelayer', name, opacity, data: new Array<number>(100).fill(gid) });
    const render = async (...layers: object[]) => (await pixels(await renderMapThumbnail(JSON.stringify({ type: 'map', width: 10, height: 10, layers })))).data;
    const floorOnly = await render(full('floor', 1));
    const walled = await render(full('floor', 1), full('walls', wall));
    const half = await render(full('floor', 1), full('walls', wall, 0.5));
    expect(floorOnly.equals(walled)).toBe(false);
    let worst = 0;
    for (let i = 0; i < half.length; i++) worst = Math.max(worst, Math.abs(half[i]! - (floorOnly[i]! + walled[i]!) / 2));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('refuses what is not a drawable map with a typed error', async () => {
    const cases: [string, string][] = [
      ['not json at all {', 'INVALID_MAP'],
      ['null', 'INVALID_MAP'],
      ['[1, 2, 3]', 'INVALID_MAP'],
      ['{"type": "tileset"}', 'INVALID_MAP'],
      ['{"type": "map", "width": 10}', 'INVALID_MAP'],
      ['{"type": "map", "width": 10, "height": 10.5, "layers": []}', 'INVALID_MAP'],
      ['{"type": "map", "width": 10, "height": 10}', 'INVALID_MAP'],
      ['{"type": "map", "width": 10, "height": 10, "layers": [{"type": "tilelayer", "name": "floor", "data": [1, 2]}]}', 'INVALID_MAP'],
      ['{"type": "map", "width": 10, "height": 10, "layers": [{"type": "tilelayer", "name": "floor", "data": "AAAA", "encoding": "base64"}]}', 'INVALID_MAP'],
      ['{"type": "map", "width": 5000, "height": 10, "layers": []}', 'MAP_TOO_LARGE'],
      ['{"type": "map", "width": 1000, "height": 1000, "layers": []}', 'MAP_TOO_LARGE'],
      ['{"type": "map", "width": 501, "height": 500, "layers": []}', 'MAP_TOO_LARGE'],
    ];
    for (const [json, code] of cases) {
      const err = await renderMapThumbnail(json).then(() => undefined, (e: unknown) => e);
      expect(err, json).toBeInstanceOf(MapThumbnailError);
      expect((err as MapThumbnailError).code, json).toBe(code);
    }
    await expect(renderMapThumbnail('{}', { maxWidth: 0 })).rejects.toMatchObject({ name: 'MapThumbnailError', code: 'INVALID_OPTIONS' });
    await expect(renderMapThumbnail(undefined as unknown as string)).rejects.toMatchObject({ code: 'INVALID_MAP' });
  });

  it('draws unknown gids and junk entries as empty tiles', async () => {
    const data = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 9999 : i % 3 === 1 ? 'x' : 0));
    const png = await renderMapThumbnail(JSON.stringify({ type: 'map', width: 10, height: 10, layers: [{ type: 'tilelayer', name: 'Floor ', data }] }));
    const img = await pixels(png);
    expect([img.width, img.height]).toEqual([100, 100]);
    expect(meanColour(img, 10, 0, 0, 10, 10)).toEqual([0x1d, 0x1a, 0x24]); // the background only
  });

  it('draws the largest maps quickly: the convention centre and a full 500 x 500 map', async () => {
    await renderMapThumbnail(JSON.stringify(template('small-studio'))); // the tileset is decoded once
    const convention = readFileSync(new URL('../../../maps/templates/convention-centre.tmj', import.meta.url), 'utf8');
    let t = performance.now();
    await renderMapThumbnail(convention);
    const conventionMs = performance.now() - t;

    const W = 500;
    const layer = (name: string, gid: (i: number) => number) => ({ type: 'tilelayer', name, data: Array.from({ length: W * W }, (_, i) => gid(i)) });
    const big = JSON.stringify({
      type: 'map', width: W, height: W,
      layers: [layer('floor', (i) => 1 + (i % 7)), layer('walls', (i) => (i % 13 === 0 ? 60 : 0)), layer('furniture', (i) => (i % 5 === 0 ? 70 : 0)), layer('decoration', (i) => (i % 11 === 0 ? 100 : 0))],
    });
    t = performance.now();
    const meta = await sharp(await renderMapThumbnail(big)).metadata();
    const bigMs = performance.now() - t;
    expect([meta.width, meta.height]).toEqual([240, 240]);
    // Typically well under 200 ms each on a 2-core machine; the bound leaves room for a busy CI.
    expect(conventionMs).toBeLessThan(1_500);
    expect(bigMs).toBeLessThan(1_500);
  });
});

describe('MapThumbnailCache', () => {
  const counting = () => {
    const calls: string[] = [];
    return { calls, render: async (json: string) => (calls.push(json), Buffer.from(json)) };
  };

  it('renders a map version once, also for requests at the same time, and again for a new version', async () => {
    const { calls, render } = counting();
    const cache = new MapThumbnailCache(10, render);
    const [a, b] = await Promise.all([cache.get('o1', 2, 'v2'), cache.get('o1', 2, 'v2')]);
    expect(a).toBe(b);
    expect(await cache.get('o1', 2, 'v2')).toBe(a);
    expect((await cache.get('o1', 3, 'v3')).toString()).toBe('v3');
    expect(calls).toEqual(['v2', 'v3']);
    expect(cache.size).toBe(1); // the office's old version is not kept
  });

  it('forgets the least recently used office past its size, and keeps no failed render', async () => {
    const { calls, render } = counting();
    const cache = new MapThumbnailCache(2, render);
    await cache.get('a', 2, 'a');
    await cache.get('b', 2, 'b');
    await cache.get('a', 2, 'a'); // a is now the most recently used
    await cache.get('c', 2, 'c'); // b goes
    await cache.get('a', 2, 'a');
    await cache.get('b', 2, 'b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);

    let fail = true;
    const flaky = new MapThumbnailCache(2, async (json) => {
      if (fail) throw new MapThumbnailError('INVALID_MAP', 'nope');
      return Buffer.from(json);
    });
    await expect(flaky.get('x', 2, 'x')).rejects.toBeInstanceOf(MapThumbnailError);
    fail = false;
    expect((await flaky.get('x', 2, 'x')).toString()).toBe('x');
  });

  it('forgets a deleted office\'s picture', async () => {
    const { calls, render } = counting();
    const cache = new MapThumbnailCache(10, render);
    await cache.get('gone', 2, 'g');
    await cache.get('kept', 2, 'k');
    cache.forget('gone');
    expect(cache.size).toBe(1);
    await cache.get('kept', 2, 'k');
    expect(calls).toEqual(['g', 'k']);
  });
});
