// Assembles an office map from named tiles and writes it as a Tiled JSON (.tmj) map.
// Walls are painted as a mask and auto-tiled at the end, so templates only say where walls are.
import { COLUMNS, TILE, type Tileset } from './tileset.js';

/**
 * The office tileset as Tiled JSON, without `firstgid`: embedded in every template, and on its own as
 * `assets/office-tiles.tsj` for exported maps. Wall and furniture tiles carry `ge_collide` (grid-engine reads it).
 */
export function tilesetJson(ts: Tileset) {
  const tiles = ts.tiles
    .map((t, id) => ({ t, id }))
    .filter(({ t }) => t.role === 'wall' || t.role === 'furniture')
    .map(({ id }) => ({ id, properties: [{ name: 'ge_collide', type: 'bool', value: true }] }));
  return {
    columns: COLUMNS,
    image: 'office-tiles.png',
    imageheight: ts.rows * TILE,
    imagewidth: COLUMNS * TILE,
    margin: 0,
    name: 'office',
    spacing: 0,
    tilecount: ts.tiles.length,
    tileheight: TILE,
    tiles,
    tilewidth: TILE,
  };
}

export type ZoneType = 'meeting-room' | 'focus' | 'desk' | 'spawn';

export interface Zone {
  name: string;
  type: ZoneType;
  x: number;
  y: number;
  w: number;
  h: number;
  capacity?: number;
}

type Layer = 'floor' | 'walls' | 'furniture' | 'decoration';

export interface TemplateMeta {
  id: string;
  name: string;
  description: string;
}

export class MapBuilder {
  private readonly layers: Record<Layer, (string | null)[]>;
  private readonly wallMask: boolean[];
  private readonly windows = new Set<number>();
  readonly zones: Zone[] = [];

  constructor(
    readonly ts: Tileset,
    readonly w: number,
    readonly h: number,
  ) {
    const empty = (): (string | null)[] => new Array<string | null>(w * h).fill(null);
    this.layers = { floor: empty(), walls: empty(), furniture: empty(), decoration: empty() };
    this.wallMask = new Array<boolean>(w * h).fill(false);
  }

  private idx(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) throw new Error(`(${x},${y}) is outside the ${this.w}x${this.h} map`);
    return y * this.w + x;
  }

  floor(x: number, y: number, w: number, h: number, floor: string): this {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.layers.floor[this.idx(i, j)] = `floor.${floor}`;
    return this;
  }

  wall(x: number, y: number, w: number, h: number): this {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.wallMask[this.idx(i, j)] = true;
    return this;
  }

  /** Opens a doorway through a wall; horizontal openings get jamb shadows on both sides. */
  door(x: number, y: number, w: number, h: number): this {
    for (let j = y; j < y + h; j++) {
      for (let i = x; i < x + w; i++) {
        this.wallMask[this.idx(i, j)] = false;
        const name = w === 1 ? 'floor.door_v' : i === x ? 'floor.door_l' : i === x + w - 1 ? 'floor.door_r' : 'floor.wood';
        this.layers.floor[this.idx(i, j)] = name;
      }
    }
    return this;
  }

  window(x: number, y: number, w = 1): this {
    for (let i = x; i < x + w; i++) this.windows.add(this.idx(i, y));
    return this;
  }

  /** Places one named tile on the layer its role implies. */
  put(x: number, y: number, name: string): this {
    const def = this.ts.tiles[this.ts.id(name)]!;
    const layer: Layer = def.role === 'wall' ? 'walls' : def.role;
    this.layers[layer][this.idx(x, y)] = name;
    return this;
  }

  /** Places every slice of a multi-tile object with its top-left at (x, y). */
  obj(name: string, x: number, y: number): this {
    for (let row = 0; this.ts.has(`${name}.0.${row}`); row++)
      for (let col = 0; this.ts.has(`${name}.${col}.${row}`); col++) this.put(x + col, y + row, `${name}.${col}.${row}`);
    return this;
  }

  /** A 3-slice object (sofa, reception) stretched to `w` tiles. */
  stretch(name: string, x: number, y: number, w: number): this {
    for (let i = 0; i < w; i++) this.put(x + i, y, `${name}.${i === 0 ? 0 : i === w - 1 ? 2 : 1}.0`);
    return this;
  }

  /** A 9-slice object (table, rug) stretched to w x h tiles (both at least 2). */
  nine(name: string, x: number, y: number, w: number, h: number): this {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const c = i === 0 ? 0 : i === w - 1 ? 2 : 1;
        const r = j === 0 ? 0 : j === h - 1 ? 2 : 1;
        this.put(x + i, y + j, `${name}.${c}.${r}`);
      }
    }
    return this;
  }

  zone(z: Zone): this {
    this.zones.push(z);
    return this;
  }

  private isWall(x: number, y: number): boolean {
    // Outside the map counts as wall, so outer walls get no edge lines along the map border.
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return true;
    return this.wallMask[y * this.w + x]!;
  }

  /** A wall cell with wall below is seen from above (its top); otherwise we see its front face. */
  private isCap(x: number, y: number): boolean {
    return this.isWall(x, y) && this.isWall(x, y + 1);
  }

  private autotileWalls(): void {
    for (let y = 0; y < this.h; y++) {
      for (let x = 0; x < this.w; x++) {
        const i = y * this.w + x;
        if (!this.wallMask[i]) continue;
        if (this.isCap(x, y)) {
          const open = (cx: number, cy: number): boolean => !this.isCap(cx, cy);
          const m = (open(x, y - 1) ? 1 : 0) | (open(x + 1, y) ? 2 : 0) | (open(x, y + 1) ? 4 : 0) | (open(x - 1, y) ? 8 : 0);
          this.layers.walls[i] = `wall.cap.${m}`;
        } else {
          const face = (cx: number, cy: number): boolean => this.isWall(cx, cy) && !this.isCap(cx, cy);
          const edgeW = !face(x - 1, y);
          const edgeE = !face(x + 1, y);
          const strip = !this.isWall(x, y - 1);
          if (this.windows.has(i) && !edgeW && !edgeE && !strip) this.layers.walls[i] = 'wall.window';
          else this.layers.walls[i] = `wall.face.${(edgeW ? 1 : 0) | (edgeE ? 2 : 0) | (strip ? 4 : 0)}`;
        }
        // Walls need no floor underneath; clearing it keeps the data honest.
        this.layers.floor[i] = null;
      }
    }
  }

  /** Tiled JSON, with the tileset embedded. */
  toTmj(meta: TemplateMeta): object {
    this.autotileWalls();
    const gids = (layer: Layer): number[] => this.layers[layer].map((n) => (n === null ? 0 : this.ts.id(n) + 1));
    const tileLayer = (id: number, name: Layer): object => ({
      data: gids(name),
      height: this.h,
      id,
      name,
      opacity: 1,
      // grid-engine draws layers flagged ge_alwaysTop above the characters.
      ...(name === 'decoration' ? { properties: [{ name: 'ge_alwaysTop', type: 'bool', value: true }] } : {}),
      type: 'tilelayer',
      visible: true,
      width: this.w,
      x: 0,
      y: 0,
    });
    let objectId = 1;
    const objects = this.zones.map((z) => ({
      height: z.h * TILE,
      id: objectId++,
      name: z.name,
      rotation: 0,
      type: z.type,
      visible: true,
      width: z.w * TILE,
      x: z.x * TILE,
      y: z.y * TILE,
      ...(z.capacity !== undefined ? { properties: [{ name: 'capacity', type: 'int', value: z.capacity }] } : {}),
    }));
    return {
      compressionlevel: -1,
      height: this.h,
      infinite: false,
      layers: [
        tileLayer(1, 'floor'),
        tileLayer(2, 'walls'),
        tileLayer(3, 'furniture'),
        { draworder: 'topdown', id: 4, name: 'zones', objects, opacity: 1, type: 'objectgroup', visible: true, x: 0, y: 0 },
        tileLayer(5, 'decoration'),
      ],
      nextlayerid: 6,
      nextobjectid: objectId,
      orientation: 'orthogonal',
      properties: [
        { name: 'id', type: 'string', value: meta.id },
        { name: 'name', type: 'string', value: meta.name },
        { name: 'description', type: 'string', value: meta.description },
      ],
      renderorder: 'right-down',
      tiledversion: '1.11.2',
      tileheight: TILE,
      // Keys stay in alphabetical order (firstgid after columns), as Tiled writes them.
      tilesets: [(({ columns, ...rest }) => ({ columns, firstgid: 1, ...rest }))(tilesetJson(this.ts))],
      tilewidth: TILE,
      type: 'map',
      version: '1.10',
      width: this.w,
    };
  }
}
