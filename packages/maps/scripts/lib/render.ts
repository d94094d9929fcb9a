// Renders a .tmj template the way the game draws it: floor, walls, furniture, (avatars), decoration.
import { Img, withAlpha } from './canvas.js';
import { COLUMNS, TILE } from './tileset.js';

interface TileLayerJson {
  type: 'tilelayer';
  name: string;
  data: number[];
}
interface ObjectLayerJson {
  type: 'objectgroup';
  name: string;
  objects: { x: number; y: number; width: number; height: number; type: string; name: string }[];
}
export interface MapJson {
  width: number;
  height: number;
  layers: (TileLayerJson | ObjectLayerJson)[];
}

export interface Sprite {
  /** Tile coordinates. */
  x: number;
  y: number;
  frame: number;
}

function drawLayer(out: Img, map: MapJson, tiles: Img, name: string): void {
  const layer = map.layers.find((l) => l.name === name);
  if (!layer || layer.type !== 'tilelayer') throw new Error(`missing tile layer ${name}`);
  layer.data.forEach((gid, i) => {
    if (gid === 0) return;
    const id = gid - 1;
    out.blit(tiles, (i % map.width) * TILE, Math.floor(i / map.width) * TILE, (id % COLUMNS) * TILE, Math.floor(id / COLUMNS) * TILE, TILE, TILE);
  });
}

const ZONE_COLOURS: Record<string, string> = {
  'meeting-room': '#3a7bd5',
  focus: '#8e5bd0',
  desk: '#e0a030',
  spawn: '#2fbf71',
};

export function renderMap(map: MapJson, tiles: Img, opts: { sprites?: Sprite[]; avatars?: Img; zones?: boolean } = {}): Img {
  const out = new Img(map.width * TILE, map.height * TILE);
  out.rect(0, 0, out.w, out.h, '#1d1a24');
  drawLayer(out, map, tiles, 'floor');
  drawLayer(out, map, tiles, 'walls');
  drawLayer(out, map, tiles, 'furniture');
  if (opts.zones) {
    const zl = map.layers.find((l) => l.name === 'zones');
    if (zl && zl.type === 'objectgroup') {
      for (const o of zl.objects) {
        const c = ZONE_COLOURS[o.type] ?? '#ffffff';
        out.rect(o.x, o.y, o.width, o.height, withAlpha(c, 45));
        out.box(o.x, o.y, o.width, o.height, withAlpha(c, 200));
      }
    }
  }
  if (opts.sprites && opts.avatars) {
    const cols = opts.avatars.w / TILE;
    for (const s of [...opts.sprites].sort((a, b) => a.y - b.y)) {
      out.blit(opts.avatars, s.x * TILE, s.y * TILE, (s.frame % cols) * TILE, Math.floor(s.frame / cols) * TILE, TILE, TILE);
    }
  }
  drawLayer(out, map, tiles, 'decoration');
  return out;
}

/** Overview image for office cards: whole tiles scaled to at most 320 px wide. */
export function renderThumbnail(map: MapJson, tiles: Img): Img {
  const full = renderMap(map, tiles);
  // Maps wider than 320 tiles (the event halls) shrink below a pixel per tile.
  if (map.width > 320) return full.resize(320, Math.max(1, Math.round((320 * map.height) / map.width)));
  const px = Math.max(1, Math.min(10, Math.floor(320 / map.width)));
  return full.resize(map.width * px, map.height * px);
}
