import { MapFormatError } from './errors.js';
import { MAX_MAP_SIDE, parseTiledMap } from './tiled.js';
import type { TilePos } from './tile.js';
import { isZoneKind, type Zone } from './zone.js';

/** Everything needed to build a map in code; `OfficeMap.fromTiled` produces the same from a .tmj file. */
export interface OfficeMapInit {
  width: number;
  height: number;
  /** Row-major, width * height entries; truthy = walkable. */
  walkable: ArrayLike<number | boolean>;
  zones?: readonly Zone[];
}

const NO_ZONES: readonly Zone[] = Object.freeze([]);

/**
 * The static office: which tiles can be stood on, and the zones. Immutable once built, so the server and every
 * browser holding the same map answer every question the same way.
 */
export class OfficeMap {
  readonly width: number;
  readonly height: number;
  readonly zones: readonly Zone[];

  readonly #walkable: Uint8Array;
  readonly #walkableCount: number;
  // Zones rarely overlap in more than a few ways, so each tile points at one of a few shared zone lists instead of
  // holding its own: zonesAt stays O(1) on the per-step hot path without a list per tile.
  readonly #zoneSetOfTile: Uint32Array;
  readonly #zoneSets: readonly (readonly Zone[])[];
  readonly #zonesById: ReadonlyMap<string, Zone>;
  #spawnTiles: readonly TilePos[] | undefined;

  constructor(init: OfficeMapInit) {
    const { width, height } = init;
    for (const [field, value] of [['width', width], ['height', height]] as const) {
      if (!Number.isInteger(value) || value < 1 || value > MAX_MAP_SIDE) {
        throw new MapFormatError(`map ${field} must be an integer from 1 to ${MAX_MAP_SIDE}, got ${String(value)}`);
      }
    }
    const size = width * height;
    if (init.walkable.length !== size) {
      throw new MapFormatError(`map walkable grid has ${init.walkable.length} entries, expected ${size} (${width}x${height})`);
    }
    this.width = width;
    this.height = height;

    const walkable = new Uint8Array(size);
    let count = 0;
    for (let i = 0; i < size; i++) {
      if (init.walkable[i]) {
        walkable[i] = 1;
        count++;
      }
    }
    if (count === 0) throw new MapFormatError('map has no walkable tile');
    this.#walkable = walkable;
    this.#walkableCount = count;

    const zones = (init.zones ?? NO_ZONES).map((z) => freezeZone(z, width, height));
    const byId = new Map<string, Zone>();
    for (const z of zones) {
      if (byId.has(z.id)) throw new MapFormatError(`two zones share id "${z.id}"`);
      byId.set(z.id, z);
    }
    this.zones = Object.freeze(zones);
    this.#zonesById = byId;

    const zoneSetOfTile = new Uint32Array(size);
    const zoneSets: (readonly Zone[])[] = [NO_ZONES];
    const transitions = new Map<string, number>();
    zones.forEach((zone, zoneIndex) => {
      for (let y = zone.y; y < zone.y + zone.height; y++) {
        for (let x = zone.x; x < zone.x + zone.width; x++) {
          const i = y * width + x;
          const current = zoneSetOfTile[i] ?? 0;
          const key = `${current}+${zoneIndex}`;
          let next = transitions.get(key);
          if (next === undefined) {
            next = zoneSets.length;
            zoneSets.push(Object.freeze([...(zoneSets[current] ?? NO_ZONES), zone]));
            transitions.set(key, next);
          }
          zoneSetOfTile[i] = next;
        }
      }
    });
    this.#zoneSetOfTile = zoneSetOfTile;
    this.#zoneSets = zoneSets;
  }

  /** Builds a map from parsed Tiled JSON (.tmj). Throws MapFormatError naming what is wrong. */
  static fromTiled(tmj: unknown): OfficeMap {
    return new OfficeMap(parseTiledMap(tmj));
  }

  /** True for integer coordinates inside the map. */
  inBounds(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  isWalkable(x: number, y: number): boolean {
    return this.inBounds(x, y) && this.#walkable[y * this.width + x] === 1;
  }

  /** Zones covering the tile, in map order; empty out of bounds. */
  zonesAt(x: number, y: number): Zone[] {
    if (!this.inBounds(x, y)) return [];
    const set = this.#zoneSets[this.#zoneSetOfTile[y * this.width + x] ?? 0] ?? NO_ZONES;
    return set.slice();
  }

  zoneById(id: string): Zone | undefined {
    return this.#zonesById.get(id);
  }

  /**
   * Where newcomers appear: walkable tiles inside spawn zones, in row-major order. A map without usable spawn zones
   * still has to place people, so it falls back to the walkable tiles nearest the map centre.
   */
  spawnTiles(): TilePos[] {
    this.#spawnTiles ??= this.#computeSpawnTiles();
    return this.#spawnTiles.map((p) => ({ x: p.x, y: p.y }));
  }

  walkableCount(): number {
    return this.#walkableCount;
  }

  #computeSpawnTiles(): TilePos[] {
    const { width, height } = this;
    const spawnMask = new Uint8Array(width * height);
    for (const z of this.zones) {
      if (z.kind !== 'spawn') continue;
      for (let y = z.y; y < z.y + z.height; y++) spawnMask.fill(1, y * width + z.x, y * width + z.x + z.width);
    }
    const inSpawn: TilePos[] = [];
    for (let i = 0; i < spawnMask.length; i++) {
      if (spawnMask[i] === 1 && this.#walkable[i] === 1) inSpawn.push({ x: i % width, y: Math.floor(i / width) });
    }
    if (inSpawn.length > 0) return inSpawn;

    // Doubled coordinates keep the centre of an even-sized map on an integer, so distances compare exactly.
    let best = Infinity;
    let nearest: TilePos[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!this.isWalkable(x, y)) continue;
        const dx = 2 * x - (width - 1);
        const dy = 2 * y - (height - 1);
        const d = dx * dx + dy * dy;
        if (d < best) {
          best = d;
          nearest = [{ x, y }];
        } else if (d === best) {
          nearest.push({ x, y });
        }
      }
    }
    return nearest;
  }
}

function freezeZone(z: Zone, mapWidth: number, mapHeight: number): Zone {
  const label = `zone "${String(z.id)}"`;
  if (typeof z.id !== 'string' || z.id === '') throw new MapFormatError(`a zone has an empty or non-string id`);
  if (!isZoneKind(z.kind)) throw new MapFormatError(`${label} has unknown kind ${JSON.stringify(z.kind)}`);
  const ints = [z.x, z.y, z.width, z.height];
  if (!ints.every(Number.isInteger) || z.width < 1 || z.height < 1) {
    throw new MapFormatError(`${label} must have integer x, y and a positive integer width and height`);
  }
  if (z.x < 0 || z.y < 0 || z.x + z.width > mapWidth || z.y + z.height > mapHeight) {
    throw new MapFormatError(`${label} extends outside the ${mapWidth}x${mapHeight} map`);
  }
  if (z.capacity !== undefined && (!Number.isInteger(z.capacity) || z.capacity < 1)) {
    throw new MapFormatError(`${label} has capacity ${String(z.capacity)}; it must be a positive integer`);
  }
  const zone: Zone = {
    id: z.id,
    name: z.name,
    kind: z.kind,
    x: z.x,
    y: z.y,
    width: z.width,
    height: z.height,
  };
  if (z.capacity !== undefined) zone.capacity = z.capacity;
  if (z.member !== undefined) zone.member = z.member;
  return Object.freeze(zone);
}
