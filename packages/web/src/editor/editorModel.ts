// The office editor's document: a Tiled map opened for painting and zone drawing, with undo and redo. Pure (no DOM,
// no network), so every rule here is unit-tested; OfficeEditor.tsx draws it and feeds it the person's actions.
import { MAP_LIMITS, type ZoneKind } from '@metaoffice/world';

export const TILE_LAYERS = ['floor', 'walls', 'furniture', 'decoration'] as const;
export type TileLayer = (typeof TILE_LAYERS)[number];

/** A zone in tiles, as the editor shows it (the map stores pixels). */
export interface EditorZone {
  id: number;
  name: string;
  kind: ZoneKind;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Meeting rooms: how many people fit. */
  capacity?: number | undefined;
  /** Desks: the user id of the person it is assigned to. */
  member?: string | undefined;
}

interface TiledLayer {
  type?: string;
  name?: string;
  data?: number[];
  objects?: TiledZoneObject[];
  layers?: TiledLayer[];
  [key: string]: unknown;
}
interface TiledZoneObject {
  id: number;
  name?: string;
  type?: string;
  class?: string;
  x: number;
  y: number;
  width: number;
  height: number;
  visible?: boolean;
  properties?: { name: string; type?: string; value: unknown }[];
  [key: string]: unknown;
}
interface TiledMap {
  width: number;
  height: number;
  tilewidth?: number;
  layers: TiledLayer[];
  nextobjectid?: number;
  tilesets?: { firstgid?: number; tiles?: { id: number; properties?: { name: string; value: unknown }[] }[]; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** The map's size with everything that depends on it, before and after a resize. */
interface SizedContent {
  width: number;
  height: number;
  layers: Record<TileLayer, number[]>;
  zones: EditorZone[];
}

/** One undoable step: tiles painted in one stroke, one zone added, changed or removed, or the map resized. */
export type Change =
  | { kind: 'tiles'; cells: { layer: TileLayer; index: number; before: number; after: number }[] }
  | { kind: 'zone'; before: EditorZone | null; after: EditorZone | null }
  | { kind: 'size'; before: SizedContent; after: SizedContent };

const TILE_PX = 32;

export class EditorMapError extends Error {}

/**
 * The map being edited. Tile data and zones are the editor's own copies; `toTiled()` writes them back into the map
 * it was opened from, so everything the editor does not touch (map properties, layer opacity, the tileset) is kept.
 */
export class EditorDocument {
  /** Tiles across and down; a resize changes them. */
  width: number;
  height: number;
  layers: Record<TileLayer, number[]>;
  zones: EditorZone[];
  private nextObjectId: number;
  private readonly undoStack: Change[] = [];
  private readonly redoStack: Change[] = [];
  /** Tile ids (gid - 1) that block in the map's tileset. */
  readonly blockingTiles: ReadonlySet<number>;

  constructor(private readonly source: TiledMap) {
    if (!Number.isInteger(source.width) || !Number.isInteger(source.height) || !Array.isArray(source.layers)) {
      throw new EditorMapError('not a Tiled map');
    }
    this.width = source.width;
    this.height = source.height;
    const all = flatten(source.layers);
    const layers = {} as Record<TileLayer, number[]>;
    for (const name of TILE_LAYERS) {
      const l = all.find((x) => x.type === 'tilelayer' && x.name?.trim().toLowerCase() === name);
      layers[name] = l?.data && l.data.length === this.width * this.height ? [...l.data] : new Array<number>(this.width * this.height).fill(0);
    }
    this.layers = layers;
    const zoneLayer = all.find((x) => x.type === 'objectgroup' && x.name?.trim().toLowerCase() === 'zones');
    this.zones = (zoneLayer?.objects ?? []).flatMap((o) => {
      const kind = (o.type || o.class) as ZoneKind | undefined;
      if (!kind) return [];
      const prop = (n: string) => o.properties?.find((p) => p.name === n)?.value;
      const capacity = prop('capacity');
      const member = prop('member');
      return [{
        id: o.id,
        name: o.name ?? '',
        kind,
        x: Math.round(o.x / TILE_PX),
        y: Math.round(o.y / TILE_PX),
        width: Math.round(o.width / TILE_PX),
        height: Math.round(o.height / TILE_PX),
        ...(typeof capacity === 'number' ? { capacity } : {}),
        ...(typeof member === 'string' ? { member } : {}),
      }];
    });
    this.nextObjectId = Math.max(source.nextobjectid ?? 1, ...this.zones.map((z) => z.id + 1));
    const blocking = new Set<number>();
    for (const ts of source.tilesets ?? []) {
      for (const t of ts.tiles ?? []) if (t.properties?.some((p) => p.name === 'ge_collide' && p.value === true)) blocking.add(t.id);
    }
    this.blockingTiles = blocking;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }
  /** Whether anything changed since the map was opened (or last marked saved). */
  get dirty(): boolean {
    return this.undoStack.length !== this.savedAt;
  }
  private savedAt = 0;
  markSaved(): void {
    this.savedAt = this.undoStack.length;
  }

  inside(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  tileAt(layer: TileLayer, x: number, y: number): number {
    return this.inside(x, y) ? this.layers[layer][y * this.width + x]! : 0;
  }

  /** Whether people can stand on the tile: floor, and nothing on the walls or furniture layers. */
  walkable(x: number, y: number): boolean {
    return this.tileAt('floor', x, y) !== 0 && this.tileAt('walls', x, y) === 0 && this.tileAt('furniture', x, y) === 0;
  }

  /**
   * Paints `gid` (0 erases) on the tiles of one stroke as one undoable step. Tiles outside the map and tiles that
   * already hold `gid` are skipped; a stroke that changes nothing records nothing.
   */
  paint(layer: TileLayer, tiles: readonly { x: number; y: number }[], gid: number): boolean {
    if (!Number.isInteger(gid) || gid < 0) throw new EditorMapError(`no such tile: ${gid}`);
    const data = this.layers[layer];
    const cells: { layer: TileLayer; index: number; before: number; after: number }[] = [];
    const seen = new Set<number>();
    for (const { x, y } of tiles) {
      if (!this.inside(x, y)) continue;
      const index = y * this.width + x;
      if (seen.has(index) || data[index] === gid) continue;
      seen.add(index);
      cells.push({ layer, index, before: data[index]!, after: gid });
    }
    if (cells.length === 0) return false;
    this.record({ kind: 'tiles', cells });
    return true;
  }

  /** Adds a zone covering the rectangle between two corner tiles (clipped to the map); returns it. */
  addZone(kind: ZoneKind, a: { x: number; y: number }, b: { x: number; y: number }, name = ''): EditorZone {
    const x0 = clamp(Math.min(a.x, b.x), 0, this.width - 1);
    const y0 = clamp(Math.min(a.y, b.y), 0, this.height - 1);
    const x1 = clamp(Math.max(a.x, b.x), 0, this.width - 1);
    const y1 = clamp(Math.max(a.y, b.y), 0, this.height - 1);
    const zone: EditorZone = { id: this.nextObjectId++, name: name || defaultName(kind, this.zones), kind, x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
    if (kind === 'meeting-room') zone.capacity = Math.max(2, Math.min(1000, zone.width * zone.height));
    this.record({ kind: 'zone', before: null, after: zone });
    return zone;
  }

  /** Changes a zone's name, kind, rectangle, capacity or member as one undoable step. */
  updateZone(id: number, patch: Partial<Omit<EditorZone, 'id'>>): EditorZone | undefined {
    const before = this.zones.find((z) => z.id === id);
    if (!before) return undefined;
    const after: EditorZone = { ...before, ...patch, id };
    // Only rooms have a capacity and only desks a person.
    if (after.kind !== 'meeting-room') delete after.capacity;
    if (after.kind !== 'desk') delete after.member;
    if (after.capacity === undefined) delete after.capacity;
    if (after.member === undefined) delete after.member;
    if (JSON.stringify(after) === JSON.stringify(before)) return before;
    this.record({ kind: 'zone', before, after });
    return after;
  }

  /**
   * Moves a zone so its top-left corner is at (x, y), and/or gives it a new size, kept inside the map and at least one
   * tile; one undoable step. Returns the zone as it is now.
   */
  placeZone(id: number, rect: { x?: number; y?: number; width?: number; height?: number }): EditorZone | undefined {
    const z = this.zones.find((c) => c.id === id);
    if (!z) return undefined;
    const width = clamp(Math.round(rect.width ?? z.width), 1, this.width);
    const height = clamp(Math.round(rect.height ?? z.height), 1, this.height);
    const x = clamp(Math.round(rect.x ?? z.x), 0, this.width - width);
    const y = clamp(Math.round(rect.y ?? z.y), 0, this.height - height);
    return this.updateZone(id, { x, y, width, height });
  }

  /**
   * Makes the map `width` x `height` tiles, keeping its top-left corner, as one undoable step. Tiles past the new
   * edges go; new tiles are empty (no floor: nobody stands there until it is painted); zones are cut to the map, and
   * those left wholly outside it go. The size must be one an upload may have (MAP_LIMITS). Returns false when the
   * size is the same.
   */
  resize(width: number, height: number): boolean {
    const { minSide, maxSide, maxTiles } = MAP_LIMITS;
    for (const [side, v] of [['width', width], ['height', height]] as const) {
      if (!Number.isInteger(v) || v < minSide || v > maxSide) throw new EditorMapError(`The ${side} must be a whole number of tiles from ${minSide} to ${maxSide}.`);
    }
    if (width * height > maxTiles) throw new EditorMapError(`A map may have at most ${maxTiles.toLocaleString('en')} tiles; ${width} x ${height} is ${(width * height).toLocaleString('en')}.`);
    if (width === this.width && height === this.height) return false;
    const before: SizedContent = { width: this.width, height: this.height, layers: this.layers, zones: this.zones };
    const layers = {} as Record<TileLayer, number[]>;
    for (const name of TILE_LAYERS) layers[name] = resizeGrid(this.layers[name], this.width, this.height, width, height);
    const zones = this.zones.flatMap((z) => {
      if (z.x >= width || z.y >= height) return [];
      return [{ ...z, width: Math.min(z.width, width - z.x), height: Math.min(z.height, height - z.y) }];
    });
    this.record({ kind: 'size', before, after: { width, height, layers, zones } });
    return true;
  }

  removeZone(id: number): boolean {
    const before = this.zones.find((z) => z.id === id);
    if (!before) return false;
    this.record({ kind: 'zone', before, after: null });
    return true;
  }

  /** The topmost zone at a tile (the last drawn), if any. */
  zoneAt(x: number, y: number): EditorZone | undefined {
    for (let i = this.zones.length - 1; i >= 0; i--) {
      const z = this.zones[i]!;
      if (x >= z.x && y >= z.y && x < z.x + z.width && y < z.y + z.height) return z;
    }
    return undefined;
  }

  undo(): boolean {
    const change = this.undoStack.pop();
    if (!change) return false;
    this.apply(change, true);
    this.redoStack.push(change);
    return true;
  }

  redo(): boolean {
    const change = this.redoStack.pop();
    if (!change) return false;
    this.apply(change, false);
    this.undoStack.push(change);
    return true;
  }

  /** The edited map as Tiled JSON: the map it was opened from, with the editor's tiles and zones. */
  toTiled(): TiledMap {
    const out = structuredClone(this.source);
    const resized = this.width !== this.source.width || this.height !== this.source.height;
    out.width = this.width;
    out.height = this.height;
    for (const layer of flatten(out.layers)) {
      const name = layer.name?.trim().toLowerCase();
      if (layer.type === 'tilelayer' && resized) {
        // Every tile layer takes the new size, the editor's and any other the map has (cut or padded the same way).
        if (layer.data) layer.data = resizeGrid(layer.data, this.source.width, this.source.height, this.width, this.height);
        if (layer.width !== undefined) layer.width = this.width;
        if (layer.height !== undefined) layer.height = this.height;
      }
      if (layer.type === 'tilelayer' && (TILE_LAYERS as readonly string[]).includes(name ?? '')) layer.data = [...this.layers[name as TileLayer]];
      if (layer.type === 'objectgroup' && name === 'zones') {
        const kept = new Map((layer.objects ?? []).map((o) => [o.id, o]));
        layer.objects = this.zones.map((z) => {
          const properties = [
            ...(z.capacity !== undefined ? [{ name: 'capacity', type: 'int', value: z.capacity }] : []),
            ...(z.member !== undefined ? [{ name: 'member', type: 'string', value: z.member }] : []),
          ];
          const { class: _class, properties: _props, ...old } = kept.get(z.id) ?? { rotation: 0, visible: true };
          return {
            ...old,
            id: z.id,
            name: z.name,
            type: z.kind,
            x: z.x * TILE_PX,
            y: z.y * TILE_PX,
            width: z.width * TILE_PX,
            height: z.height * TILE_PX,
            ...(properties.length > 0 ? { properties } : {}),
          } as TiledZoneObject;
        });
      }
    }
    out.nextobjectid = this.nextObjectId;
    return out;
  }

  private record(change: Change): void {
    this.apply(change, false);
    this.undoStack.push(change);
    // A new edit after undoing forks history: what was undone cannot be redone any more.
    this.redoStack.length = 0;
    if (this.savedAt > this.undoStack.length - 1) this.savedAt = -1;
  }

  private apply(change: Change, backwards: boolean): void {
    if (change.kind === 'size') {
      const to = backwards ? change.before : change.after;
      this.width = to.width;
      this.height = to.height;
      this.layers = to.layers;
      this.zones = to.zones;
      return;
    }
    if (change.kind === 'tiles') {
      for (const c of change.cells) this.layers[c.layer][c.index] = backwards ? c.before : c.after;
      return;
    }
    const [from, to] = backwards ? [change.after, change.before] : [change.before, change.after];
    if (from && to) this.zones = this.zones.map((z) => (z.id === from.id ? to : z));
    else if (to) this.zones = [...this.zones, to];
    else if (from) this.zones = this.zones.filter((z) => z.id !== from.id);
  }
}

/** A row-major grid of `w` x `h` cut or padded (with 0) to `width` x `height`, keeping its top-left corner. */
function resizeGrid(data: readonly number[], w: number, h: number, width: number, height: number): number[] {
  const out = new Array<number>(width * height).fill(0);
  for (let y = 0; y < Math.min(h, height); y++) {
    for (let x = 0; x < Math.min(w, width); x++) out[y * width + x] = data[y * w + x] ?? 0;
  }
  return out;
}

/** The tiles of a straight line between two tiles (a fast drag skips tiles between pointer events). */
export function lineTiles(a: { x: number; y: number }, b: { x: number; y: number }): { x: number; y: number }[] {
  const steps = Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y));
  if (steps === 0) return [{ x: a.x, y: a.y }];
  return Array.from({ length: steps + 1 }, (_, i) => ({ x: Math.round(a.x + ((b.x - a.x) * i) / steps), y: Math.round(a.y + ((b.y - a.y) * i) / steps) }));
}

const KIND_NAMES: Record<ZoneKind, string> = { 'meeting-room': 'Meeting room', focus: 'Focus area', desk: 'Desk', spawn: 'Spawn' };

function defaultName(kind: ZoneKind, zones: readonly EditorZone[]): string {
  const base = KIND_NAMES[kind];
  const taken = new Set(zones.map((z) => z.name));
  for (let n = 1; ; n++) if (!taken.has(`${base} ${n}`)) return `${base} ${n}`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function flatten(layers: TiledLayer[]): TiledLayer[] {
  return layers.flatMap((l) => (l.type === 'group' ? flatten(l.layers ?? []) : [l]));
}

/** Tiled keeps a cell's flips in its gid's top three bits: horizontal, vertical, diagonal. */
const FLIP_H = 0x80000000;
const FLIP_V = 0x40000000;
const FLIP_D = 0x20000000;

/**
 * How to draw a flipped cell: the 2x2 matrix [a, b, c, d] (canvas `transform(a, b, c, d, 0, 0)` about the tile's
 * centre) that takes a point of the tileset tile to where it shows on the map. Tiled applies the diagonal flip (a
 * transpose) first, then the horizontal and vertical ones, as the office's renderer and the thumbnails do.
 */
export function flipMatrix(cell: number): [number, number, number, number] {
  // Columns are the images of the x and y axes: start from the transpose or the identity, then negate rows.
  let [a, b, c, d] = (cell & FLIP_D) !== 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
  if ((cell & FLIP_H) !== 0) [a, c] = [-a, -c];
  if ((cell & FLIP_V) !== 0) [b, d] = [-b, -d];
  return [a, b, c, d];
}
