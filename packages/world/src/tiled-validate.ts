import { MapFormatError } from './errors.js';
import { OfficeMap } from './office-map.js';
import {
  COLLIDE_PROPERTY,
  parseTiledMap,
  type TiledLayerJson,
  type TiledMapJson,
  type TiledObjectJson,
  type TiledPropertyJson,
  type TiledTilesetJson,
} from './tiled.js';
import { TILE_SIZE } from './tile.js';
import { ZONE_KINDS, isZoneKind, type ZoneKind } from './zone.js';

/** One thing wrong with an uploaded map: where (JSON pointer, layer, tile) and what, in words a Tiled user can act on. */
export interface MapProblem {
  /** JSON pointer into the uploaded document, e.g. `/layers/1/data/517`; '' for the document itself. */
  path: string;
  message: string;
  /** The layer's name as written in the file. */
  layer?: string;
  /** Tile coordinates (for a zone, its top-left tile). */
  x?: number;
  y?: number;
}

export type TiledValidation = { ok: true; map: TiledMapJson } | { ok: false; problems: MapProblem[] };

/** Bounds on what an uploaded map may hold; they keep the per-tile work of every office engine and browser bounded. */
export interface MapLimits {
  minSide: number;
  maxSide: number;
  /** width x height. */
  maxTiles: number;
  maxZones: number;
  /** Zone names and map property names and values. */
  maxNameLength: number;
  maxPropertyValueLength: number;
  maxMapProperties: number;
  maxRoomCapacity: number;
  /** Past this many problems the rest are counted, not listed: a wrong layer can hold 200,000 wrong tiles. */
  maxProblems: number;
}

export const MAP_LIMITS: Readonly<MapLimits> = Object.freeze({
  minSide: 10,
  maxSide: 500,
  // The largest template (the convention centre, 482x401) fits; a 500x500 map does not.
  maxTiles: 200_000,
  maxZones: 2_000,
  maxNameLength: 80,
  maxPropertyValueLength: 1_000,
  maxMapProperties: 32,
  maxRoomCapacity: 1_000,
  maxProblems: 500,
});

/** The one tileset maps may use. Anything else (a foreign tileset, edited tile properties) would draw or collide differently. */
export interface TilesetRule {
  /** The tileset as embedded at firstgid 1; the normalised map carries a copy of it, whatever the upload embedded. */
  embedded: TiledTilesetJson & { name: string; image: string; tilecount: number; columns: number };
  /** File names (without folders) under which an external reference (`source`) means this tileset. */
  externalSources: readonly string[];
}

export interface ValidateTiledMapOptions {
  tileset: TilesetRule;
  limits?: Partial<MapLimits>;
}

/** Layer names, in the order a normalised map has them (the renderer draws in this order). */
export const TILE_LAYER_NAMES = ['floor', 'walls', 'furniture', 'decoration'] as const;
export const ZONES_LAYER_NAME = 'zones';
const REQUIRED_TILE_LAYERS = ['floor', 'walls', 'furniture'] as const;
type TileLayerName = (typeof TILE_LAYER_NAMES)[number];

/** Zone object properties the office understands, by zone kind. */
export const ZONE_PROPERTIES: Readonly<Record<ZoneKind, readonly string[]>> = Object.freeze({
  'meeting-room': ['capacity'],
  focus: [],
  desk: ['member'],
  spawn: [],
});

/**
 * Tiled's flip flags (horizontal, vertical, anti-diagonal): the renderer draws them and the rules ignore them.
 * Bit 28 (120° rotation) only means something on hexagonal maps; no renderer of ours draws it.
 */
const FLIP_FLAGS = 0xe0000000;
const HEX_ROTATION_FLAG = 0x10000000;
const TILE_ID_MASK = 0x0fffffff;
const RENDER_ORDERS = ['right-down', 'right-up', 'left-down', 'left-up'];
const DRAW_ORDERS = ['topdown', 'index'];
const MAX_GROUP_DEPTH = 8;
// Any C0/C1 control character: names end up in room tags, the People panel and logs.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

type JsonObject = Record<string, unknown>;

interface FoundTileLayer {
  name: TileLayerName;
  label: string;
  path: string;
  source: JsonObject;
}

interface FoundZonesLayer {
  label: string;
  path: string;
  source: JsonObject;
}

class ProblemList {
  readonly #items: MapProblem[] = [];
  #unlisted = 0;

  constructor(readonly cap: number) {}

  add(problem: MapProblem): void {
    if (this.#items.length < this.cap) this.#items.push(problem);
    else this.#unlisted++;
  }

  get count(): number {
    return this.#items.length + this.#unlisted;
  }

  list(): MapProblem[] {
    if (this.#unlisted === 0) return this.#items.slice();
    return [...this.#items, { path: '', message: `…and ${this.#unlisted} more problems, not listed; fix the ones above and upload again` }];
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function pointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function layerLabel(name: string): string {
  return `layer "${name}"`;
}

/**
 * Checks an uploaded Tiled map (.tmj, parsed) against everything MetaOffice relies on, and lists every problem with
 * where it is, rather than stopping at the first. A map that passes comes back normalised: canonical layer order and
 * names, only the fields MetaOffice and Tiled need, and the tileset replaced by `tileset.embedded`, so what is stored
 * never depends on what else the upload carried.
 */
export function validateTiledMap(json: unknown, options: ValidateTiledMapOptions): TiledValidation {
  const limits: MapLimits = { ...MAP_LIMITS, ...options.limits };
  const rule = options.tileset;
  const problems = new ProblemList(limits.maxProblems);
  const fail = (): TiledValidation => ({ ok: false, problems: problems.list() });

  if (!isObject(json)) {
    problems.add({ path: '', message: `expected a Tiled map (the JSON object of a .tmj file), got ${show(json)}` });
    return fail();
  }
  if (json.type !== 'map') {
    problems.add({ path: '/type', message: `expected a Tiled map ("type": "map"), got "type" ${show(json.type)}; in Tiled, save the map as JSON (.tmj)` });
    return fail();
  }
  if (json.infinite === true) {
    // An infinite map's layers are chunks of unknown extent: nothing below could be checked.
    problems.add({ path: '/infinite', message: 'infinite maps are not supported; untick "Infinite" in the map properties and save again' });
    return fail();
  }
  if (json.infinite !== undefined && json.infinite !== false) {
    problems.add({ path: '/infinite', message: `"infinite" must be false, got ${show(json.infinite)}` });
  }
  if (json.orientation !== 'orthogonal') {
    problems.add({ path: '/orientation', message: `orientation must be "orthogonal", got ${show(json.orientation)}` });
  }
  const renderorder = json.renderorder ?? 'right-down';
  if (typeof renderorder !== 'string' || !RENDER_ORDERS.includes(renderorder)) {
    problems.add({ path: '/renderorder', message: `renderorder must be one of ${RENDER_ORDERS.join(', ')}, got ${show(renderorder)}` });
  }
  if (json.tilewidth !== TILE_SIZE || json.tileheight !== TILE_SIZE) {
    problems.add({
      path: json.tilewidth !== TILE_SIZE ? '/tilewidth' : '/tileheight',
      message: `tiles must be ${TILE_SIZE}x${TILE_SIZE} px, got ${show(json.tilewidth)}x${show(json.tileheight)}`,
    });
  }
  const size = mapSize(json, limits, problems);

  checkTilesets(json.tilesets, rule, problems);
  const properties = mapProperties(json.properties, limits, problems);
  const { tileLayers, zonesLayer } = findLayers(json.layers, problems);

  const colliding = collidingIds(rule.embedded);
  const layerData = new Map<TileLayerName, number[]>();
  for (const layer of tileLayers) {
    const data = tileData(layer, size, rule.embedded.tilecount, problems);
    if (data) layerData.set(layer.name, data);
  }
  // Zones are checked against walkability only when every tile is known, or each would report a false "no floor".
  const complete = layerData.size === tileLayers.length && REQUIRED_TILE_LAYERS.every((name) => layerData.has(name));
  const walkable = size && complete ? walkability(size, layerData, colliding) : undefined;
  const zones = zonesLayer ? readZones(zonesLayer, size, walkable, limits, problems) : undefined;

  if (problems.count > 0 || size === undefined || zones === undefined || zonesLayer === undefined) return fail();

  const map = normalisedMap(json, size, properties, tileLayers, layerData, zonesLayer, zones, rule);
  // The rules' own reader is the last word: a map it refuses must never reach an office engine.
  try {
    new OfficeMap(parseTiledMap(map));
  } catch (err) {
    if (!(err instanceof MapFormatError)) throw err;
    problems.add({ path: '', message: err.message });
    return fail();
  }
  return { ok: true, map };
}

interface MapSize {
  width: number;
  height: number;
}

function mapSize(json: JsonObject, limits: MapLimits, problems: ProblemList): MapSize | undefined {
  let ok = true;
  for (const field of ['width', 'height'] as const) {
    const v = json[field];
    if (!isInt(v) || v < limits.minSide || v > limits.maxSide) {
      problems.add({ path: `/${field}`, message: `${field} must be a whole number of tiles from ${limits.minSide} to ${limits.maxSide}, got ${show(v)}` });
      ok = false;
    }
  }
  if (!ok) return undefined;
  const width = json.width as number;
  const height = json.height as number;
  if (width * height > limits.maxTiles) {
    problems.add({ path: '/width', message: `the map has ${width * height} tiles (${width}x${height}); at most ${limits.maxTiles} are allowed` });
    return undefined;
  }
  return { width, height };
}

function checkTilesets(value: unknown, rule: TilesetRule, problems: ProblemList): void {
  const expected = rule.embedded;
  const useOurs = `use only the "${expected.name}" tileset (${rule.externalSources[0] ?? expected.image})`;
  if (!Array.isArray(value) || value.length === 0) {
    problems.add({ path: '/tilesets', message: `the map has no tileset; ${useOurs}` });
    return;
  }
  value.forEach((ts: unknown, index) => {
    const path = `/tilesets/${index}`;
    if (!isObject(ts)) {
      problems.add({ path, message: `tileset ${index} must be an object, got ${show(ts)}` });
      return;
    }
    const label = typeof ts.source === 'string' ? `tileset "${ts.source}"` : typeof ts.name === 'string' ? `tileset "${ts.name}"` : `tileset ${index}`;
    if (index > 0) {
      problems.add({ path, message: `${label} is not allowed: ${useOurs}, and remove the others (Tilesets panel, Remove Tileset)` });
      return;
    }
    if (ts.firstgid !== 1) problems.add({ path: `${path}/firstgid`, message: `${label} must start at firstgid 1, got ${show(ts.firstgid)}` });
    if (typeof ts.source === 'string') {
      if (!rule.externalSources.some((s) => s.toLowerCase() === baseName(ts.source as string).toLowerCase())) {
        problems.add({ path: `${path}/source`, message: `${label} is not the office tileset; ${useOurs}` });
      }
      return;
    }
    const mismatches: string[] = [];
    const expectSame = (field: string, actual: unknown, wanted: unknown) => {
      if (actual !== wanted) mismatches.push(`${field} ${show(actual)} (expected ${show(wanted)})`);
    };
    expectSame('name', ts.name, expected.name);
    expectSame('image', typeof ts.image === 'string' ? baseName(ts.image) : ts.image, expected.image);
    expectSame('tilewidth', ts.tilewidth, TILE_SIZE);
    expectSame('tileheight', ts.tileheight, TILE_SIZE);
    expectSame('columns', ts.columns, expected.columns);
    expectSame('tilecount', ts.tilecount, expected.tilecount);
    if (mismatches.length > 0) {
      problems.add({ path, message: `${label} is not the office tileset: ${mismatches.join(', ')}; ${useOurs}` });
      return;
    }
    // The embedded copy is replaced by ours on import; a changed collision flag would be lost without a word.
    const theirs = ts.tiles === undefined ? new Set<number>() : collidingIds(ts as TiledTilesetJson);
    const ours = collidingIds(expected);
    const changed = [...new Set([...theirs, ...ours])].filter((id) => theirs.has(id) !== ours.has(id)).sort((a, b) => a - b);
    if (changed.length > 0) {
      const ids = changed.length > 10 ? `${changed.slice(0, 10).join(', ')}, …` : changed.join(', ');
      problems.add({
        path: `${path}/tiles`,
        message: `${label} has a changed "${COLLIDE_PROPERTY}" on tile ids ${ids}; tile properties of the office tileset cannot be changed (which tiles block is decided by the layer a tile is on)`,
      });
    }
  });
}

/** Tile ids (0-based) whose tileset entry says `ge_collide: true`. */
function collidingIds(tileset: TiledTilesetJson): Set<number> {
  const ids = new Set<number>();
  if (!Array.isArray(tileset.tiles)) return ids;
  for (const tile of tileset.tiles as unknown[]) {
    if (!isObject(tile) || !isInt(tile.id)) continue;
    const props = tile.properties;
    if (Array.isArray(props) && props.some((p: unknown) => isObject(p) && p.name === COLLIDE_PROPERTY && p.value === true)) ids.add(tile.id);
  }
  return ids;
}

function mapProperties(value: unknown, limits: MapLimits, problems: ProblemList): TiledPropertyJson[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.add({ path: '/properties', message: `map "properties" must be an array (Tiled 1.2 or later), got ${show(value)}` });
    return undefined;
  }
  if (value.length > limits.maxMapProperties) {
    problems.add({ path: '/properties', message: `the map has ${value.length} custom properties; at most ${limits.maxMapProperties} are allowed` });
    return undefined;
  }
  const kept: TiledPropertyJson[] = [];
  value.forEach((p: unknown, index) => {
    const path = `/properties/${index}`;
    if (!isObject(p) || typeof p.name !== 'string' || p.name === '') {
      problems.add({ path, message: 'a map property must have a name' });
      return;
    }
    if (p.name.length > limits.maxNameLength || CONTROL_CHARACTER.test(p.name)) {
      problems.add({ path: `${path}/name`, message: `map property names must be at most ${limits.maxNameLength} printable characters` });
      return;
    }
    const v = p.value;
    const okValue = typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= limits.maxPropertyValueLength);
    if (!okValue) {
      problems.add({ path: `${path}/value`, message: `map property "${p.name}" must be a string (at most ${limits.maxPropertyValueLength} characters), a number or a bool` });
      return;
    }
    kept.push({ name: p.name, type: typeof p.type === 'string' ? p.type : typeof v === 'number' ? 'float' : typeof v === 'boolean' ? 'bool' : 'string', value: v });
  });
  return kept;
}

function findLayers(value: unknown, problems: ProblemList): { tileLayers: FoundTileLayer[]; zonesLayer: FoundZonesLayer | undefined } {
  const tileLayers: FoundTileLayer[] = [];
  let zonesLayer: FoundZonesLayer | undefined;
  if (!Array.isArray(value)) {
    problems.add({ path: '/layers', message: `"layers" must be an array, got ${show(value)}` });
    return { tileLayers, zonesLayer };
  }
  const seen = new Map<string, string>();
  const allowed = `tile layers ${TILE_LAYER_NAMES.map((n) => `"${n}"`).join(', ')} and the object layer "${ZONES_LAYER_NAME}"`;

  // Group layers only organise Tiled's layer list; the rules read their children as if they were top level.
  const visit = (layers: readonly unknown[], parentPath: string, depth: number): void => {
    layers.forEach((layer, index) => {
      const path = pointer(parentPath, index);
      if (!isObject(layer)) {
        problems.add({ path, message: `a layer must be an object, got ${show(layer)}` });
        return;
      }
      const rawName = typeof layer.name === 'string' ? layer.name : '';
      const label = layerLabel(rawName);
      const name = rawName.trim().toLowerCase();
      const at = { path, layer: rawName };
      if (layer.type === 'group') {
        if (depth >= MAX_GROUP_DEPTH) problems.add({ ...at, message: `${label}: groups nest at most ${MAX_GROUP_DEPTH} deep` });
        else if (!Array.isArray(layer.layers)) problems.add({ ...at, message: `${label} is a group without a "layers" array` });
        else {
          checkOffsets(layer, label, at, problems);
          visit(layer.layers, `${path}/layers`, depth + 1);
        }
        return;
      }
      if (layer.type === 'imagelayer') {
        problems.add({ ...at, message: `${label} is an image layer; MetaOffice does not show image layers, draw with tiles from the office tileset instead` });
        return;
      }
      const isTileLayer = layer.type === 'tilelayer';
      const isObjectLayer = layer.type === 'objectgroup';
      if (!isTileLayer && !isObjectLayer) {
        problems.add({ ...at, message: `${label} has an unknown type ${show(layer.type)}` });
        return;
      }
      const known = isTileLayer ? (TILE_LAYER_NAMES as readonly string[]).includes(name) : name === ZONES_LAYER_NAME;
      if (!known) {
        const kind = isTileLayer ? 'a tile layer' : 'an object layer';
        problems.add({ ...at, message: `${label}: ${kind} with this name is not allowed; a map has the ${allowed}` });
        return;
      }
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        problems.add({ ...at, message: `${label}: there is already a layer "${name}" (${earlier}); merge them into one` });
        return;
      }
      seen.set(name, path);
      checkOffsets(layer, label, at, problems);
      if (isTileLayer) tileLayers.push({ name: name as TileLayerName, label, path, source: layer });
      else zonesLayer = { label, path, source: layer };
    });
  };
  visit(value, '/layers', 0);

  for (const name of REQUIRED_TILE_LAYERS) {
    if (!seen.has(name)) problems.add({ path: '/layers', message: `the map has no tile layer "${name}"; a map has the ${allowed}` });
  }
  if (!seen.has(ZONES_LAYER_NAME)) {
    problems.add({ path: '/layers', message: `the map has no object layer "${ZONES_LAYER_NAME}"; it holds the zones, and at least one spawn zone` });
  }
  tileLayers.sort((a, b) => TILE_LAYER_NAMES.indexOf(a.name) - TILE_LAYER_NAMES.indexOf(b.name));
  return { tileLayers, zonesLayer };
}

/** The rules ignore layer offsets, so a shifted layer would be drawn in one place and collide in another. */
function checkOffsets(layer: JsonObject, label: string, at: { path: string; layer: string }, problems: ProblemList): void {
  for (const field of ['offsetx', 'offsety', 'x', 'y']) {
    const v = layer[field];
    if (v !== undefined && v !== 0) {
      problems.add({ path: `${at.path}/${field}`, layer: at.layer, message: `${label} is shifted (${field} ${show(v)}); layers must not be offset: reset the layer offset to 0` });
    }
  }
}

function tileData(layer: FoundTileLayer, size: MapSize | undefined, tilecount: number, problems: ProblemList): number[] | undefined {
  const { source, label, path } = layer;
  const at = { layer: typeof source.name === 'string' ? source.name : layer.name };
  if (source.chunks !== undefined) {
    problems.add({ ...at, path: `${path}/chunks`, message: `${label} is chunked (an infinite map); untick "Infinite" in the map properties` });
    return undefined;
  }
  if (source.encoding !== undefined && source.encoding !== 'csv') {
    problems.add({ ...at, path: `${path}/encoding`, message: `${label} is saved as ${show(source.encoding)}; set the map's "Tile Layer Format" to CSV and save again` });
    return undefined;
  }
  if (source.compression !== undefined && source.compression !== '') {
    problems.add({ ...at, path: `${path}/compression`, message: `${label} is compressed (${show(source.compression)}); set the map's "Tile Layer Format" to CSV and save again` });
    return undefined;
  }
  const data = source.data;
  if (!Array.isArray(data)) {
    problems.add({ ...at, path: `${path}/data`, message: `${label} has no "data" array of tiles` });
    return undefined;
  }
  if (!size) return undefined;
  const { width, height } = size;
  for (const field of ['width', 'height'] as const) {
    const v = source[field];
    if (v !== undefined && v !== size[field]) {
      problems.add({ ...at, path: `${path}/${field}`, message: `${label} is ${show(v)} tiles ${field === 'width' ? 'wide' : 'high'}, the map ${size[field]}` });
    }
  }
  if (data.length !== width * height) {
    problems.add({ ...at, path: `${path}/data`, message: `${label} has ${data.length} tiles, expected ${width * height} (${width}x${height})` });
    return undefined;
  }
  let ok = true;
  // 200,000 tiles per layer: nothing is allocated for a tile unless it is wrong.
  const wrong = (i: number, what: string) => {
    const x = i % width;
    const y = Math.floor(i / width);
    problems.add({ ...at, path: `${path}/data/${i}`, x, y, message: `${label}, tile (${x}, ${y}): ${what}` });
    ok = false;
  };
  for (let i = 0; i < data.length; i++) {
    const raw: unknown = data[i];
    if (raw === 0) continue;
    if (!isInt(raw) || raw < 0 || raw > 0xffffffff) wrong(i, `${show(raw)} is not a tile id`);
    else if ((raw & HEX_ROTATION_FLAG) !== 0) wrong(i, 'the 120° rotation flag is for hexagonal maps; only flips and 90° rotations are drawn');
    else if ((raw & TILE_ID_MASK) === 0) wrong(i, 'an empty cell cannot be flipped');
    else if ((raw & TILE_ID_MASK) > tilecount) wrong(i, `tile id ${raw & TILE_ID_MASK} is not in the office tileset (ids 1 to ${tilecount})`);
  }
  const gids = ok ? (data as number[]).slice() : undefined;
  return gids;
}

/** The same rule as `parseTiledMap`: floor and nothing blocking. Row-major, 1 = walkable. */
function walkability(size: MapSize, layers: ReadonlyMap<TileLayerName, number[]>, colliding: ReadonlySet<number>): Uint8Array {
  const n = size.width * size.height;
  const walkable = new Uint8Array(n);
  const none: number[] = [];
  const floor = layers.get('floor') ?? none;
  const walls = layers.get('walls') ?? none;
  const furniture = layers.get('furniture') ?? none;
  const decoration = layers.get('decoration') ?? none;
  const blocks = (gid: number | undefined) => gid !== undefined && gid !== 0 && colliding.has((gid & TILE_ID_MASK) - 1);
  for (let i = 0; i < n; i++) {
    if (!floor[i] || walls[i] || furniture[i]) continue;
    if (blocks(floor[i]) || blocks(decoration[i])) continue;
    walkable[i] = 1;
  }
  return walkable;
}

interface CheckedZone {
  source: JsonObject;
  id: number;
  name: string;
  kind: ZoneKind;
  /** In tiles. */
  x: number;
  y: number;
  width: number;
  height: number;
  capacity: number | undefined;
  /** A desk's assigned person (their user id). */
  member: string | undefined;
}

function readZones(
  layer: FoundZonesLayer,
  size: MapSize | undefined,
  walkable: Uint8Array | undefined,
  limits: MapLimits,
  problems: ProblemList,
): CheckedZone[] | undefined {
  const layerName = typeof layer.source.name === 'string' ? layer.source.name : ZONES_LAYER_NAME;
  const objects = layer.source.objects;
  if (!Array.isArray(objects)) {
    problems.add({ path: `${layer.path}/objects`, layer: layerName, message: `${layer.label} has no "objects" array` });
    return undefined;
  }
  if (objects.length > limits.maxZones) {
    problems.add({ path: `${layer.path}/objects`, layer: layerName, message: `${layer.label} has ${objects.length} zones; at most ${limits.maxZones} are allowed` });
    return undefined;
  }
  const draworder = layer.source.draworder;
  if (draworder !== undefined && (typeof draworder !== 'string' || !DRAW_ORDERS.includes(draworder))) {
    problems.add({ path: `${layer.path}/draworder`, layer: layerName, message: `${layer.label} has an unknown draworder ${show(draworder)}` });
  }

  const zones: CheckedZone[] = [];
  const ids = new Set<number>();
  let ok = true;
  objects.forEach((obj: unknown, index) => {
    const zone = readZone(obj, pointer(`${layer.path}/objects`, index), layerName, size, walkable, limits, problems);
    if (!zone) {
      ok = false;
      return;
    }
    if (ids.has(zone.id)) {
      problems.add({ path: `${layer.path}/objects/${index}/id`, layer: layerName, x: zone.x, y: zone.y, message: `zone "${zone.name}": object id ${zone.id} is used twice; every zone needs its own id` });
      ok = false;
    }
    ids.add(zone.id);
    zones.push(zone);
  });

  // A tile in two rooms would put the people there in two calls at once.
  const rooms = zones.filter((z) => z.kind === 'meeting-room');
  for (let i = 0; i < rooms.length; i++) {
    for (let j = i + 1; j < rooms.length; j++) {
      const a = rooms[i]!;
      const b = rooms[j]!;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) {
        problems.add({
          path: `${layer.path}/objects/${objects.indexOf(b.source)}`,
          layer: layerName,
          x: b.x,
          y: b.y,
          message: `meeting room "${b.name}" overlaps meeting room "${a.name}"; rooms must not share tiles`,
        });
        ok = false;
      }
    }
  }

  if (ok && !zones.some((z) => z.kind === 'spawn')) {
    problems.add({ path: `${layer.path}/objects`, layer: layerName, message: `${layer.label} has no spawn zone; add a rectangle of type "spawn" on walkable floor, where people arrive` });
    ok = false;
  }
  return ok ? zones : undefined;
}

function readZone(
  obj: unknown,
  path: string,
  layer: string,
  size: MapSize | undefined,
  walkable: Uint8Array | undefined,
  limits: MapLimits,
  problems: ProblemList,
): CheckedZone | undefined {
  if (!isObject(obj)) {
    problems.add({ path, layer, message: `a zone must be an object, got ${show(obj)}` });
    return undefined;
  }
  const before = problems.count;
  const rawName = typeof obj.name === 'string' ? obj.name.trim() : '';
  const label = rawName === '' ? `zone with object id ${show(obj.id)}` : `zone "${rawName.slice(0, limits.maxNameLength)}"`;
  // Positions are tiles for every problem of this zone, so a Tiled user finds it on the grid.
  const tileOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.floor(v / TILE_SIZE) : undefined);
  const at = { layer, ...(tileOf(obj.x) !== undefined ? { x: tileOf(obj.x) } : {}), ...(tileOf(obj.y) !== undefined ? { y: tileOf(obj.y) } : {}) };
  const report = (field: string, message: string) => problems.add({ ...at, path: field === '' ? path : `${path}/${field}`, message: `${label}: ${message}` });

  if (!isInt(obj.id) || obj.id < 1) report('id', `needs a positive whole-number object id, got ${show(obj.id)}`);
  if (obj.name !== undefined && typeof obj.name !== 'string') report('name', `the name must be text, got ${show(obj.name)}`);
  if (rawName.length > limits.maxNameLength) report('name', `the name is ${rawName.length} characters long; at most ${limits.maxNameLength} are allowed`);
  if (CONTROL_CHARACTER.test(rawName)) report('name', 'the name must not contain control characters');

  // Tiled 1.9 wrote the object's class as "class", other versions as "type".
  const kindField = typeof obj.type === 'string' && obj.type !== '' ? 'type' : 'class';
  const kind = obj[kindField];
  if (!isZoneKind(kind)) {
    report(kindField, kind === undefined || kind === '' ? `has no class; set it to one of ${ZONE_KINDS.join(', ')}` : `has the unknown class ${show(kind)}; use one of ${ZONE_KINDS.join(', ')}`);
  }

  for (const [field, what] of [['point', 'a point'], ['ellipse', 'an ellipse'], ['polygon', 'a polygon'], ['polyline', 'a polyline'], ['text', 'a text'], ['gid', 'a tile object'], ['template', 'a template instance']] as const) {
    if (obj[field] !== undefined && obj[field] !== false) report(field, `is ${what}; zones must be plain rectangles`);
  }
  if (obj.rotation !== undefined && obj.rotation !== 0) report('rotation', `is rotated (${show(obj.rotation)}°); zones must be axis-aligned rectangles`);

  const tiles: Partial<Record<'x' | 'y' | 'width' | 'height', number>> = {};
  for (const field of ['x', 'y', 'width', 'height'] as const) {
    const v = obj[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v % TILE_SIZE !== 0) {
      report(field, `${field} is ${show(v)} px; zone rectangles must line up with the ${TILE_SIZE} px tile grid (turn on Snap to Grid)`);
    } else {
      tiles[field] = v / TILE_SIZE;
    }
  }
  const { x, y, width, height } = tiles;
  if (width !== undefined && height !== undefined && (width <= 0 || height <= 0)) report('', `the rectangle is empty (${width}x${height} tiles)`);
  if (size && x !== undefined && y !== undefined && width !== undefined && height !== undefined && width > 0 && height > 0) {
    if (x < 0 || y < 0 || x + width > size.width || y + height > size.height) {
      report('', `the rectangle (tiles ${x},${y}, ${width}x${height}) reaches outside the ${size.width}x${size.height} map`);
    } else if (walkable && !covers(walkable, size.width, x, y, width, height)) {
      report('', 'covers no walkable tile; nobody could stand in it');
    }
  }

  const { capacity, member } = zoneProperties(obj.properties, isZoneKind(kind) ? kind : undefined, limits, report);
  if (problems.count > before || !isZoneKind(kind) || x === undefined || y === undefined || width === undefined || height === undefined) return undefined;
  return { source: obj, id: obj.id as number, name: rawName, kind, x, y, width, height, capacity, member };
}

function covers(walkable: Uint8Array, mapWidth: number, x: number, y: number, width: number, height: number): boolean {
  for (let ty = y; ty < y + height; ty++) {
    for (let tx = x; tx < x + width; tx++) if (walkable[ty * mapWidth + tx] === 1) return true;
  }
  return false;
}

function zoneProperties(
  value: unknown,
  kind: ZoneKind | undefined,
  limits: MapLimits,
  report: (field: string, message: string) => void,
): { capacity?: number | undefined; member?: string | undefined } {
  if (value === undefined) return {};
  if (!Array.isArray(value)) {
    report('properties', `"properties" must be an array (Tiled 1.2 or later), got ${show(value)}`);
    return {};
  }
  const allowed = kind ? ZONE_PROPERTIES[kind] : [];
  const documented = allowed.length > 0 ? `a ${kind} zone has only ${allowed.map((p) => `"${p}"`).join(', ')}` : `a ${kind ?? 'zone'} zone has no custom properties`;
  let capacity: number | undefined;
  let member: string | undefined;
  value.forEach((p: unknown, index) => {
    const field = `properties/${index}`;
    if (!isObject(p) || typeof p.name !== 'string') {
      report(field, 'a custom property must have a name');
      return;
    }
    if (kind && !allowed.includes(p.name)) {
      report(`${field}/name`, `unknown custom property ${show(p.name)}; ${documented}`);
      return;
    }
    if (p.name === 'capacity') {
      if (p.type !== undefined && p.type !== 'int') {
        report(`${field}/type`, `"capacity" must be an int property, got type ${show(p.type)}`);
      } else if (!isInt(p.value) || p.value < 1 || p.value > limits.maxRoomCapacity) {
        report(`${field}/value`, `"capacity" must be a whole number from 1 to ${limits.maxRoomCapacity}, got ${show(p.value)}`);
      } else {
        capacity = p.value;
      }
    } else if (p.name === 'member') {
      if (p.type !== undefined && p.type !== 'string') {
        report(`${field}/type`, `"member" must be a string property (the person's user id), got type ${show(p.type)}`);
      } else if (typeof p.value !== 'string' || !MEMBER_ID.test(p.value)) {
        report(`${field}/value`, `"member" must be a user id (1 to 64 letters, digits, "-" or "_"), got ${show(p.value)}`);
      } else {
        member = p.value;
      }
    }
  });
  return { capacity, member };
}

/** What a user id looks like (UUIDs in standalone mode, Entra object ids in Teams mode). */
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

function normalisedMap(
  json: JsonObject,
  size: MapSize,
  properties: TiledPropertyJson[] | undefined,
  tileLayers: readonly FoundTileLayer[],
  layerData: ReadonlyMap<TileLayerName, number[]>,
  zonesLayer: FoundZonesLayer,
  zones: readonly CheckedZone[],
  rule: TilesetRule,
): TiledMapJson {
  const { width, height } = size;
  // Keys in alphabetical order, as Tiled and the template generator write them, so a template comes back byte for byte.
  const opacity = (source: JsonObject | undefined) =>
    typeof source?.opacity === 'number' && source.opacity >= 0 && source.opacity <= 1 ? source.opacity : 1;
  const visible = (source: JsonObject | undefined) => source?.visible !== false;
  let nextLayerId = 1;
  const tileLayer = (name: TileLayerName, source: JsonObject | undefined): TiledLayerJson => ({
    data: layerData.get(name) ?? new Array<number>(width * height).fill(0),
    height,
    id: nextLayerId++,
    name,
    opacity: opacity(source),
    // grid-engine draws a layer with this property above the avatars; decoration is what stands in front of them.
    ...(name === 'decoration' ? { properties: [{ name: 'ge_alwaysTop', type: 'bool', value: true }] } : {}),
    type: 'tilelayer',
    visible: visible(source),
    width,
    x: 0,
    y: 0,
  });
  const objects: TiledObjectJson[] = zones.map((z) => ({
    height: z.height * TILE_SIZE,
    id: z.id,
    name: z.name,
    rotation: 0,
    type: z.kind,
    visible: z.source.visible !== false,
    width: z.width * TILE_SIZE,
    x: z.x * TILE_SIZE,
    y: z.y * TILE_SIZE,
    ...(z.capacity !== undefined ? { properties: [{ name: 'capacity', type: 'int', value: z.capacity }] } : {}),
    ...(z.member !== undefined ? { properties: [{ name: 'member', type: 'string', value: z.member }] } : {}),
  }));
  const layerSource = (name: TileLayerName) => tileLayers.find((l) => l.name === name)?.source;
  const layers: TiledLayerJson[] = [
    tileLayer('floor', layerSource('floor')),
    tileLayer('walls', layerSource('walls')),
    tileLayer('furniture', layerSource('furniture')),
    {
      draworder: zonesLayer.source.draworder === 'index' ? 'index' : 'topdown',
      id: nextLayerId++,
      name: ZONES_LAYER_NAME,
      objects,
      opacity: opacity(zonesLayer.source),
      type: 'objectgroup',
      visible: visible(zonesLayer.source),
      x: 0,
      y: 0,
    },
    tileLayer('decoration', layerSource('decoration')),
  ];
  const maxObjectId = zones.reduce((m, z) => Math.max(m, z.id), 0);
  const nextObjectId = isInt(json.nextobjectid) && json.nextobjectid > maxObjectId ? json.nextobjectid : maxObjectId + 1;
  const tileset = JSON.parse(JSON.stringify(rule.embedded)) as TiledTilesetJson;
  tileset.firstgid = 1;
  return {
    compressionlevel: -1,
    height,
    infinite: false,
    layers,
    nextlayerid: nextLayerId,
    nextobjectid: nextObjectId,
    orientation: 'orthogonal',
    ...(properties && properties.length > 0 ? { properties } : {}),
    renderorder: typeof json.renderorder === 'string' ? json.renderorder : 'right-down',
    tiledversion: typeof json.tiledversion === 'string' && json.tiledversion.length <= 20 ? json.tiledversion : '1.10.2',
    tileheight: TILE_SIZE,
    tilesets: [tileset],
    tilewidth: TILE_SIZE,
    type: 'map',
    version: typeof json.version === 'string' && json.version.length <= 20 ? json.version : '1.10',
    width,
  };
}
