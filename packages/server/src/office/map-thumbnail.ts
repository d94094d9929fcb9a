// Overview PNGs of office maps, for office cards: drawn on the server from the stored Tiled JSON, so a map replaced
// in the editor or by a Tiled import shows as it is now, not as the template it started from.
import { join } from 'node:path';
import { assetsDir } from '@metaoffice/maps';

type SharpFn = typeof import('sharp').default;
let sharpPromise: Promise<SharpFn> | undefined;
/**
 * sharp (libvips, a native addon from its prebuilt @img/sharp-* packages) is loaded on first use, not with the
 * server: on a platform without a prebuilt binary only thumbnails fail (the route then serves the template's PNG).
 */
function loadSharp(): Promise<SharpFn> {
  sharpPromise ??= import('sharp').then((m) => m.default);
  return sharpPromise;
}

/** The tile size of the office tileset (and of every stored map). */
const TILE = 32;
/** The tile layers an office draws, bottom to top (the avatars go between furniture and decoration). */
const DRAWN_LAYERS = ['floor', 'walls', 'furniture', 'decoration'] as const;
/** Tiled keeps flip flags in a gid's top 3 bits. */
const FLIP_H = 0x80000000;
const FLIP_V = 0x40000000;
const FLIP_D = 0x20000000;
const GID_MASK = 0x1fffffff;
/** The dark background under empty tiles; the same as the templates' pre-made thumbnails. */
const BACKGROUND = [0x1d, 0x1a, 0x24] as const;
/** Pixels per tile at most: small maps are not blown up past what the templates' thumbnails do. */
const MAX_PIXELS_PER_TILE = 10;

export const THUMBNAIL_MAX_WIDTH = 320;
export const THUMBNAIL_MAX_HEIGHT = 240;
/**
 * The work is capped: stored maps are at most 500 tiles a side and 200,000 tiles in all (MAP_LIMITS). Past these
 * looser bounds (a full 500 x 500 map still renders) a map is refused before a single tile is drawn.
 */
export const THUMBNAIL_MAX_SIDE = 1_000;
export const THUMBNAIL_MAX_TILES = 250_000;

export type MapThumbnailErrorCode = 'INVALID_MAP' | 'MAP_TOO_LARGE' | 'INVALID_OPTIONS';

/** The map cannot be drawn; nothing was rendered. */
export class MapThumbnailError extends Error {
  constructor(
    readonly code: MapThumbnailErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MapThumbnailError';
  }
}

export interface MapThumbnailOptions {
  /** Width of the PNG at most, in pixels (default 320). */
  maxWidth?: number;
  /** Height of the PNG at most, in pixels (default 240). */
  maxHeight?: number;
}

/**
 * The office tileset, decoded once: for each size `p` (pixels per tile), every tile reduced to p x p by area
 * averaging, as premultiplied RGB (0..255) and coverage (0..1).
 */
interface Tileset {
  columns: number;
  count: number;
  raw: Buffer;
  width: number;
  scaled: Map<number, Float32Array>;
}

let tilesetPromise: Promise<Tileset> | undefined;

function loadTileset(): Promise<Tileset> {
  if (tilesetPromise) return tilesetPromise;
  const loading = loadSharp()
    .then((sharp) => sharp(join(assetsDir, 'office-tiles.png')).ensureAlpha().raw().toBuffer({ resolveWithObject: true }))
    .then(({ data, info }): Tileset => {
      const columns = Math.floor(info.width / TILE);
      return { columns, count: columns * Math.floor(info.height / TILE), raw: data, width: info.width, scaled: new Map() };
    });
  // A failed load (a missing asset) is not remembered: the next call tries again.
  loading.catch(() => {
    if (tilesetPromise === loading) tilesetPromise = undefined;
  });
  tilesetPromise = loading;
  return loading;
}

/** Every tile at p x p pixels: 4 floats a pixel (r, g, b premultiplied by coverage, then coverage). */
function tilesAt(tileset: Tileset, p: number): Float32Array {
  const hit = tileset.scaled.get(p);
  if (hit) return hit;
  const out = new Float32Array(tileset.count * p * p * 4);
  const { raw, width, columns } = tileset;
  for (let t = 0; t < tileset.count; t++) {
    const tx = (t % columns) * TILE;
    const ty = Math.floor(t / columns) * TILE;
    for (let y = 0; y < p; y++) {
      const y0 = Math.floor((y * TILE) / p);
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * TILE) / p));
      for (let x = 0; x < p; x++) {
        const x0 = Math.floor((x * TILE) / p);
        const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * TILE) / p));
        let r = 0;
        let g = 0;
        let b = 0;
        let a = 0;
        for (let j = y0; j < y1; j++) {
          for (let i = x0; i < x1; i++) {
            const k = ((ty + j) * width + tx + i) * 4;
            const pa = raw[k + 3]! / 255;
            r += raw[k]! * pa;
            g += raw[k + 1]! * pa;
            b += raw[k + 2]! * pa;
            a += pa;
          }
        }
        const n = (x1 - x0) * (y1 - y0);
        const o = ((t * p + y) * p + x) * 4;
        out[o] = r / n;
        out[o + 1] = g / n;
        out[o + 2] = b / n;
        out[o + 3] = a / n;
      }
    }
  }
  tileset.scaled.set(p, out);
  return out;
}

interface TileLayer {
  name: string;
  data: unknown[];
  opacity: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSide = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** The drawn tile layers by name (any case, spaces trimmed), looking into groups; hidden layers are left out. */
function tileLayers(layers: unknown[], width: number, height: number, out = new Map<string, TileLayer>(), opacity = 1, depth = 0): Map<string, TileLayer> {
  for (const layer of layers) {
    if (!isObject(layer) || layer.visible === false) continue;
    const layerOpacity = opacity * (typeof layer.opacity === 'number' && layer.opacity >= 0 && layer.opacity <= 1 ? layer.opacity : 1);
    if (layer.type === 'group' && Array.isArray(layer.layers) && depth < 8) {
      tileLayers(layer.layers, width, height, out, layerOpacity, depth + 1);
      continue;
    }
    if (layer.type !== 'tilelayer' || typeof layer.name !== 'string') continue;
    const name = layer.name.trim().toLowerCase();
    if (!(DRAWN_LAYERS as readonly string[]).includes(name) || out.has(name)) continue;
    if (!Array.isArray(layer.data)) throw new MapThumbnailError('INVALID_MAP', `layer "${name}" has no CSV tile data (base64 and compressed layers cannot be drawn)`);
    if (layer.data.length !== width * height) throw new MapThumbnailError('INVALID_MAP', `layer "${name}" has ${layer.data.length} tiles, not ${width} x ${height}`);
    out.set(name, { name, data: layer.data, opacity: layerOpacity });
  }
  return out;
}

function parseMap(mapJson: string): { width: number; height: number; firstgid: number; layers: TileLayer[] } {
  let json: unknown;
  try {
    json = JSON.parse(mapJson);
  } catch {
    throw new MapThumbnailError('INVALID_MAP', 'the map is not valid JSON');
  }
  if (!isObject(json) || json.type !== 'map') throw new MapThumbnailError('INVALID_MAP', 'the map is not a Tiled JSON map ("type": "map")');
  const { width, height } = json;
  if (!isSide(width) || !isSide(height)) throw new MapThumbnailError('INVALID_MAP', 'the map has no whole-number width and height');
  if (width > THUMBNAIL_MAX_SIDE || height > THUMBNAIL_MAX_SIDE || width * height > THUMBNAIL_MAX_TILES) {
    throw new MapThumbnailError('MAP_TOO_LARGE', `the map is ${width} x ${height} tiles; at most ${THUMBNAIL_MAX_SIDE} a side and ${THUMBNAIL_MAX_TILES} in all are drawn`);
  }
  if (!Array.isArray(json.layers)) throw new MapThumbnailError('INVALID_MAP', 'the map has no "layers" array');
  // Stored maps embed the office tileset as their only one; its image is always the office's own office-tiles.png.
  const first: unknown = Array.isArray(json.tilesets) ? json.tilesets[0] : undefined;
  const firstgid = isObject(first) && isSide(first.firstgid) ? first.firstgid : 1;
  const byName = tileLayers(json.layers, width, height);
  const layers = DRAWN_LAYERS.flatMap((name) => byName.get(name) ?? []);
  return { width, height, firstgid, layers };
}

function checkSide(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1 || v > 4096) throw new MapThumbnailError('INVALID_OPTIONS', `${what} must be a whole number of pixels from 1 to 4096, not ${v}`);
  return v;
}

/**
 * Renders a stored office map (Tiled JSON with the office tileset, firstgid 1) into an opaque PNG that fits in
 * `maxWidth` x `maxHeight` (320 x 240 by default) with the map's proportions: whole pixels per tile (at most 10) when
 * the map fits at one pixel a tile or more, else one pixel a tile shrunk by sharp to fit. Draws floor, walls,
 * furniture and decoration, in that order, alpha-blended, honouring layer visibility and opacity. Throws a
 * `MapThumbnailError` for what is not such a map; never a crash.
 */
export async function renderMapThumbnail(mapJson: string, opts: MapThumbnailOptions = {}): Promise<Buffer> {
  const maxWidth = checkSide(opts.maxWidth, THUMBNAIL_MAX_WIDTH, 'maxWidth');
  const maxHeight = checkSide(opts.maxHeight, THUMBNAIL_MAX_HEIGHT, 'maxHeight');
  if (typeof mapJson !== 'string') throw new MapThumbnailError('INVALID_MAP', 'the map is not JSON text');
  const map = parseMap(mapJson);
  const tileset = await loadTileset();

  const fit = Math.min(Math.floor(maxWidth / map.width), Math.floor(maxHeight / map.height));
  const p = Math.max(1, Math.min(MAX_PIXELS_PER_TILE, fit));
  const tiles = tilesAt(tileset, p);
  const w = map.width * p;
  const h = map.height * p;

  // Compose in floats over the opaque background: dst = src (premultiplied) + dst * (1 - coverage).
  const canvas = new Float32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    canvas[i * 3] = BACKGROUND[0];
    canvas[i * 3 + 1] = BACKGROUND[1];
    canvas[i * 3 + 2] = BACKGROUND[2];
  }
  // Source offset inside a p x p tile for each flip combination (the 3 flag bits), per destination pixel.
  const flips = flipTables(p);
  const tileSize = p * p * 4;
  for (const layer of map.layers) {
    const opacity = layer.opacity;
    if (opacity <= 0) continue;
    const data = layer.data;
    for (let i = 0; i < data.length; i++) {
      const raw = data[i];
      if (typeof raw !== 'number' || raw === 0) continue;
      const gid = raw >>> 0;
      const id = (gid & GID_MASK) - map.firstgid;
      // Not one of the tileset's tiles: nothing to draw (the upload's validation refuses such maps anyway).
      if (id < 0 || id >= tileset.count) continue;
      const order = flips[gid >>> 29]!;
      const base = id * tileSize;
      const tx = (i % map.width) * p;
      const ty = Math.floor(i / map.width) * p;
      for (let y = 0; y < p; y++) {
        let d = ((ty + y) * w + tx) * 3;
        for (let x = 0; x < p; x++, d += 3) {
          const s = base + order[y * p + x]! * 4;
          const a = tiles[s + 3]! * opacity;
          if (a <= 0) continue;
          const keep = 1 - a;
          canvas[d] = tiles[s]! * opacity + canvas[d]! * keep;
          canvas[d + 1] = tiles[s + 1]! * opacity + canvas[d + 1]! * keep;
          canvas[d + 2] = tiles[s + 2]! * opacity + canvas[d + 2]! * keep;
        }
      }
    }
  }

  const pixels = new Uint8ClampedArray(w * h * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(canvas[i]!);
  const sharp = await loadSharp();
  let image = sharp(Buffer.from(pixels.buffer), { raw: { width: w, height: h, channels: 3 } });
  // Larger than the box at one pixel a tile (wide or tall maps): shrink to fit, keeping the proportions.
  if (w > maxWidth || h > maxHeight) image = image.resize({ width: maxWidth, height: maxHeight, fit: 'inside' });
  return image.png({ compressionLevel: 9 }).toBuffer();
}

/**
 * For each of Tiled's 8 flip combinations (H, V, D bits as gid >>> 29), the source pixel of every destination pixel
 * of a p x p tile. Tiled applies the diagonal flip (a transpose) first, then the horizontal and vertical ones.
 * At one pixel a tile this is the identity; flips only matter from 2 x 2 up.
 */
function flipTables(p: number): Uint16Array[] {
  return Array.from({ length: 8 }, (_, bits) => {
    const h = (bits << 29) & FLIP_H;
    const v = (bits << 29) & FLIP_V;
    const d = (bits << 29) & FLIP_D;
    const order = new Uint16Array(p * p);
    for (let y = 0; y < p; y++) {
      for (let x = 0; x < p; x++) {
        // Walk back from the destination pixel: undo V and H, then the transpose.
        let sx = h ? p - 1 - x : x;
        let sy = v ? p - 1 - y : y;
        if (d) [sx, sy] = [sy, sx];
        order[y * p + x] = sy * p + sx;
      }
    }
    return order;
  });
}

/**
 * Rendered thumbnails by office, for one map version each: a hit only for the same version, and a new version
 * replaces the office's entry. Least recently used offices go first past `maxEntries`. The promise is kept, so
 * concurrent requests for the same map render it once; a failed render is not kept.
 */
export class MapThumbnailCache {
  private readonly entries = new Map<string, { version: number; png: Promise<Buffer> }>();

  constructor(
    private readonly maxEntries = 200,
    private readonly render: (mapJson: string) => Promise<Buffer> = (mapJson) => renderMapThumbnail(mapJson),
  ) {}

  get(officeId: string, mapVersion: number, mapJson: string): Promise<Buffer> {
    const hit = this.entries.get(officeId);
    this.entries.delete(officeId);
    if (hit && hit.version === mapVersion) {
      this.entries.set(officeId, hit); // now the most recently used
      return hit.png;
    }
    const entry = { version: mapVersion, png: this.render(mapJson) };
    this.entries.set(officeId, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    entry.png.catch(() => {
      if (this.entries.get(officeId) === entry) this.entries.delete(officeId);
    });
    return entry.png;
  }

  /** A deleted office: its picture leaves memory too. */
  forget(officeId: string): void {
    this.entries.delete(officeId);
  }

  get size(): number {
    return this.entries.size;
  }
}
