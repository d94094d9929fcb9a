import { MapFormatError } from './errors.js';
import { TILE_SIZE } from './tile.js';
import { isZoneKind, ZONE_KINDS, type Zone } from './zone.js';

/** Largest accepted map side, in tiles. Keeps per-tile arrays (and a hostile upload) bounded. */
export const MAX_MAP_SIDE = 1000;

/** Custom tile property that makes a tile block movement in whatever layer it is placed. */
export const COLLIDE_PROPERTY = 'ge_collide';

// Tiled keeps flip/rotation flags in the top bits of a gid. Bit 28 only means something on hexagonal maps, but
// clearing it as well costs nothing and no orthogonal map ever has 2^28 tiles.
const GID_MASK = 0x0fffffff;

/** The subset of Tiled's JSON map format (.tmj) that MetaOffice reads. Other fields are allowed and ignored. */
export interface TiledMapJson {
  type?: 'map';
  orientation?: 'orthogonal';
  infinite?: boolean;
  width: number;
  height: number;
  tilewidth: number;
  tileheight: number;
  layers: TiledLayerJson[];
  tilesets: TiledTilesetJson[];
  [other: string]: unknown;
}

export type TiledLayerJson = TiledTileLayerJson | TiledObjectGroupJson | TiledGroupLayerJson;

export interface TiledTileLayerJson {
  type: 'tilelayer';
  id?: number;
  name: string;
  width?: number;
  height?: number;
  data: number[];
  visible?: boolean;
  opacity?: number;
  x?: number;
  y?: number;
  [other: string]: unknown;
}

export interface TiledObjectGroupJson {
  type: 'objectgroup';
  id?: number;
  name: string;
  objects: TiledObjectJson[];
  [other: string]: unknown;
}

export interface TiledGroupLayerJson {
  type: 'group';
  id?: number;
  name: string;
  layers: TiledLayerJson[];
  [other: string]: unknown;
}

export interface TiledObjectJson {
  id: number;
  name: string;
  type?: string;
  class?: string;
  x: number;
  y: number;
  width: number;
  height: number;
  rotation?: number;
  visible?: boolean;
  properties?: TiledPropertyJson[];
  [other: string]: unknown;
}

export interface TiledTilesetJson {
  firstgid: number;
  name?: string;
  tilecount?: number;
  tiles?: { id: number; properties?: TiledPropertyJson[]; [other: string]: unknown }[];
  [other: string]: unknown;
}

export interface TiledPropertyJson {
  name: string;
  type?: string;
  value: unknown;
}

/** What the rules need from a map: which tiles can be stood on, and the zones. */
export interface ParsedTiledMap {
  width: number;
  height: number;
  /** Row-major, 1 = walkable. */
  walkable: Uint8Array;
  zones: Zone[];
}

type JsonObject = Record<string, unknown>;

interface Tileset {
  firstgid: number;
  tilecount: number | undefined;
}

interface TileLayer {
  label: string;
  name: string;
  data: readonly unknown[];
}

interface ObjectGroup {
  label: string;
  name: string;
  objects: unknown;
}

function fail(message: string): never {
  throw new MapFormatError(`Tiled map: ${message}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function normaliseName(name: unknown): string {
  return typeof name === 'string' ? name.trim().toLowerCase() : '';
}

/**
 * Validates a Tiled JSON map and reduces it to walkability and zones.
 * Throws MapFormatError naming the first problem found.
 */
export function parseTiledMap(tmj: unknown): ParsedTiledMap {
  if (!isObject(tmj)) fail(`expected a map object (the parsed .tmj JSON), got ${show(tmj)}`);
  if (tmj.infinite === true) {
    fail('infinite maps are not supported; untick "Infinite" in the map properties and save again');
  }
  if (tmj.orientation !== undefined && tmj.orientation !== 'orthogonal') {
    fail(`orientation must be "orthogonal", got ${show(tmj.orientation)}`);
  }
  const width = mapSide(tmj.width, 'width');
  const height = mapSide(tmj.height, 'height');
  if (tmj.tilewidth !== TILE_SIZE || tmj.tileheight !== TILE_SIZE) {
    fail(`tiles must be ${TILE_SIZE}x${TILE_SIZE} px, got tilewidth ${show(tmj.tilewidth)} and tileheight ${show(tmj.tileheight)}`);
  }

  const tilesets = readTilesets(tmj.tilesets);
  const colliding = collidingGids(tmj.tilesets);
  const { tileLayers, objectGroups } = collectLayers(tmj.layers);

  const size = width * height;
  const floor = new Uint8Array(size);
  const blocked = new Uint8Array(size);
  const knownGids = new Set<number>();
  let sawFloor = false;

  for (const layer of tileLayers) {
    if (layer.data.length !== size) {
      fail(`${layer.label} has ${layer.data.length} tiles, expected ${size} (${width}x${height})`);
    }
    const isFloor = layer.name === 'floor';
    const isCollision = layer.name === 'walls' || layer.name === 'furniture';
    if (isFloor) sawFloor = true;
    for (let i = 0; i < size; i++) {
      const raw = layer.data[i];
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 0xffffffff) {
        fail(`${layer.label} has an invalid gid ${show(raw)} at tile (${i % width}, ${Math.floor(i / width)})`);
      }
      const gid = raw & GID_MASK;
      if (gid === 0) continue;
      if (!knownGids.has(gid)) {
        if (!tilesetDefines(tilesets, gid)) {
          fail(`${layer.label} uses gid ${gid} at tile (${i % width}, ${Math.floor(i / width)}), which no tileset defines`);
        }
        knownGids.add(gid);
      }
      if (isFloor) floor[i] = 1;
      if (isCollision || colliding.has(gid)) blocked[i] = 1;
    }
  }
  if (!sawFloor) {
    const names = tileLayers.map((l) => JSON.stringify(l.name)).join(', ') || 'none';
    fail(`no tile layer named "floor" (tile layers found: ${names})`);
  }

  const walkable = new Uint8Array(size);
  let walkableCount = 0;
  for (let i = 0; i < size; i++) {
    if (floor[i] === 1 && blocked[i] === 0) {
      walkable[i] = 1;
      walkableCount++;
    }
  }
  if (walkableCount === 0) {
    fail('no walkable tile: every tile lacks a "floor" tile or is covered by "walls", "furniture" or a ge_collide tile');
  }

  const zones = readZones(objectGroups, width, height);
  return { width, height, walkable, zones };
}

function mapSide(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_MAP_SIDE) {
    fail(`${field} must be an integer from 1 to ${MAX_MAP_SIDE} tiles, got ${show(value)}`);
  }
  return value;
}

function readTilesets(value: unknown): Tileset[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`"tilesets" must be an array, got ${show(value)}`);
  const tilesets = value.map((ts: unknown, index): Tileset => {
    const label = `tileset ${index}`;
    if (!isObject(ts)) fail(`${label} must be an object, got ${show(ts)}`);
    if (typeof ts.source === 'string') {
      fail(`${label} is external ("${ts.source}"); embed it in the map (Tiled: "Embed Tileset" in the Tilesets panel)`);
    }
    const firstgid = ts.firstgid;
    if (typeof firstgid !== 'number' || !Number.isInteger(firstgid) || firstgid < 1) {
      fail(`${label} has an invalid firstgid ${show(firstgid)}`);
    }
    const tilecount = ts.tilecount;
    if (tilecount !== undefined && (typeof tilecount !== 'number' || !Number.isInteger(tilecount) || tilecount < 0)) {
      fail(`${label} has an invalid tilecount ${show(tilecount)}`);
    }
    return { firstgid, tilecount };
  });
  return tilesets.sort((a, b) => a.firstgid - b.firstgid);
}

function tilesetDefines(tilesets: readonly Tileset[], gid: number): boolean {
  // The owning tileset is the one with the largest firstgid not above the gid.
  let owner: Tileset | undefined;
  for (const ts of tilesets) {
    if (ts.firstgid <= gid) owner = ts;
    else break;
  }
  if (owner === undefined) return false;
  return owner.tilecount === undefined || gid < owner.firstgid + owner.tilecount;
}

function collidingGids(value: unknown): Set<number> {
  const gids = new Set<number>();
  if (!Array.isArray(value)) return gids;
  value.forEach((ts: unknown, index) => {
    if (!isObject(ts) || typeof ts.firstgid !== 'number') return;
    const tiles = ts.tiles;
    if (tiles === undefined) return;
    if (!Array.isArray(tiles)) fail(`tileset ${index} has "tiles" that is not an array`);
    for (const tile of tiles) {
      if (!isObject(tile)) fail(`tileset ${index} has a tile entry that is not an object`);
      const id = tile.id;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        fail(`tileset ${index} has a tile with an invalid id ${show(id)}`);
      }
      if (propertyValue(tile.properties, COLLIDE_PROPERTY) === true) gids.add(ts.firstgid + id);
    }
  });
  return gids;
}

/** Reads a custom property; Tiled 1.2+ writes an array of {name, type, value}, older versions an object. */
function propertyValue(properties: unknown, name: string): unknown {
  if (Array.isArray(properties)) {
    for (const p of properties) {
      if (isObject(p) && p.name === name) return p.value;
    }
    return undefined;
  }
  if (isObject(properties)) return properties[name];
  return undefined;
}

function collectLayers(value: unknown): { tileLayers: TileLayer[]; objectGroups: ObjectGroup[] } {
  if (!Array.isArray(value)) fail(`"layers" must be an array, got ${show(value)}`);
  const tileLayers: TileLayer[] = [];
  const objectGroups: ObjectGroup[] = [];

  // Group layers only organise the editor's layer list; their children count as if they were top level.
  const visit = (layers: readonly unknown[], path: string): void => {
    layers.forEach((layer, index) => {
      if (!isObject(layer)) fail(`${path}[${index}] must be an object, got ${show(layer)}`);
      const label = typeof layer.name === 'string' ? `layer "${layer.name}"` : `${path}[${index}]`;
      const name = normaliseName(layer.name);
      switch (layer.type) {
        case 'tilelayer': {
          if (layer.chunks !== undefined) fail(`${label} is chunked (infinite map); infinite maps are not supported`);
          if (layer.encoding !== undefined && layer.encoding !== 'csv') {
            fail(`${label} uses ${show(layer.encoding)} encoding; set the map's tile layer format to CSV`);
          }
          if (layer.compression !== undefined && layer.compression !== '') {
            fail(`${label} is compressed (${show(layer.compression)}); set the map's tile layer format to CSV`);
          }
          if (!Array.isArray(layer.data)) fail(`${label} has no "data" array of gids`);
          tileLayers.push({ label, name, data: layer.data });
          break;
        }
        case 'objectgroup':
          objectGroups.push({ label, name, objects: layer.objects });
          break;
        case 'group':
          if (!Array.isArray(layer.layers)) fail(`${label} is a group without a "layers" array`);
          visit(layer.layers, `${label}.layers`);
          break;
        case 'imagelayer':
          break;
        default:
          fail(`${label} has an unknown type ${show(layer.type)}`);
      }
    });
  };
  visit(value, 'layers');
  return { tileLayers, objectGroups };
}

function readZones(groups: readonly ObjectGroup[], width: number, height: number): Zone[] {
  const zones: Zone[] = [];
  const ids = new Set<string>();
  for (const group of groups) {
    if (group.name !== 'zones') continue;
    if (!Array.isArray(group.objects)) fail(`${group.label} has no "objects" array`);
    group.objects.forEach((obj: unknown, index) => {
      const zone = readZone(obj, `${group.label} object ${index}`, width, height);
      if (ids.has(zone.id)) fail(`two zone objects share id ${zone.id}`);
      ids.add(zone.id);
      zones.push(zone);
    });
  }
  return zones;
}

function readZone(obj: unknown, fallbackLabel: string, mapWidth: number, mapHeight: number): Zone {
  if (!isObject(obj)) fail(`${fallbackLabel} must be an object, got ${show(obj)}`);
  const rawId = obj.id;
  if (typeof rawId !== 'number' || !Number.isInteger(rawId)) fail(`${fallbackLabel} has no integer "id"`);
  const rawName = typeof obj.name === 'string' ? obj.name.trim() : '';
  const label = rawName === '' ? `zone object id ${rawId}` : `zone "${rawName}" (object id ${rawId})`;

  if (obj.point === true || obj.ellipse === true || obj.polygon !== undefined || obj.polyline !== undefined ||
    obj.text !== undefined || obj.gid !== undefined) {
    fail(`${label} must be a plain rectangle`);
  }
  if (obj.rotation !== undefined && obj.rotation !== 0) fail(`${label} is rotated; zones must be axis-aligned`);

  // Tiled 1.9 wrote the object's kind as "class", other versions as "type".
  const kind = typeof obj.type === 'string' && obj.type !== '' ? obj.type : obj.class;
  if (kind === undefined || kind === '') {
    fail(`${label} has no type/class; expected one of ${ZONE_KINDS.join(', ')}`);
  }
  if (!isZoneKind(kind)) fail(`${label} has unknown kind ${show(kind)}; expected one of ${ZONE_KINDS.join(', ')}`);

  const px = (field: 'x' | 'y' | 'width' | 'height'): number => {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v % TILE_SIZE !== 0) {
      fail(`${label} has ${field} ${show(v)}; zone rectangles must be in pixels, multiples of ${TILE_SIZE} (snap to grid)`);
    }
    return v / TILE_SIZE;
  };
  const x = px('x');
  const y = px('y');
  const w = px('width');
  const h = px('height');
  if (w <= 0 || h <= 0) fail(`${label} has an empty rectangle (${w}x${h} tiles)`);
  if (x < 0 || y < 0 || x + w > mapWidth || y + h > mapHeight) {
    fail(`${label} (tiles ${x},${y} size ${w}x${h}) extends outside the ${mapWidth}x${mapHeight} map`);
  }

  const zone: Zone = {
    id: String(rawId),
    name: rawName === '' ? `${kind} ${rawId}` : rawName,
    kind,
    x,
    y,
    width: w,
    height: h,
  };
  const capacity = propertyValue(obj.properties, 'capacity');
  if (capacity !== undefined) {
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1) {
      fail(`${label} has capacity ${show(capacity)}; it must be a positive integer`);
    }
    zone.capacity = capacity;
  }
  const member = propertyValue(obj.properties, 'member');
  if (member !== undefined) {
    if (typeof member !== 'string' || member === '') fail(`${label} has member ${show(member)}; it must be a user id`);
    zone.member = member;
  }
  return zone;
}
