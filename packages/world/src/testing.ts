import { WorldArgumentError } from './errors.js';
import { COLLIDE_PROPERTY, type TiledLayerJson, type TiledMapJson, type TiledObjectJson } from './tiled.js';
import { TILE_SIZE } from './tile.js';
import type { ZoneKind } from './zone.js';

/** Gids of the one embedded tileset `tiledFromAscii` writes. */
export const ASCII_GIDS = {
  floor: 1,
  wall: 2,
  table: 3,
  rug: 4,
  /** A decoration tile whose tileset entry has ge_collide: true. */
  collider: 5,
} as const;

/**
 * Characters understood by `tiledFromAscii`. Every character except ' ' puts a floor tile underneath.
 * - '.' floor
 * - 'S' floor inside a spawn zone
 * - '#' wall (walls layer)
 * - 'T' table (furniture layer)
 * - '~' rug (decoration layer, walkable)
 * - 'c' invisible collider (decoration layer, tileset property ge_collide: true)
 * - ' ' void: no floor, not walkable
 */
export const ASCII_LEGEND = ['.', 'S', '#', 'T', '~', 'c', ' '] as const;

/** A zone for `tiledFromAscii`, in tile units (converted to Tiled's pixels). */
export interface AsciiZone {
  kind: ZoneKind;
  x: number;
  y: number;
  width: number;
  height: number;
  name?: string;
  capacity?: number;
}

export interface TiledFromAsciiOptions {
  /** Zones added after the spawn zones drawn with 'S'. */
  zones?: readonly AsciiZone[];
  /** Which object field carries the zone kind: Tiled 1.9 wrote "class", other versions "type". Default "type". */
  kindField?: 'type' | 'class';
}

/**
 * Builds a Tiled JSON map (.tmj object) from an ASCII picture, one string per row. Meant for tests in every
 * package: `OfficeMap.fromTiled(tiledFromAscii(['#####', '#S..#', '#####']))`.
 */
export function tiledFromAscii(rows: readonly string[], opts: TiledFromAsciiOptions = {}): TiledMapJson {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  if (height === 0 || width === 0) throw new WorldArgumentError('tiledFromAscii needs at least one non-empty row');
  rows.forEach((row, y) => {
    if (row.length !== width) {
      throw new WorldArgumentError(`tiledFromAscii: row ${y} has ${row.length} characters, row 0 has ${width}`);
    }
  });

  const size = width * height;
  const floor = new Array<number>(size).fill(0);
  const walls = new Array<number>(size).fill(0);
  const furniture = new Array<number>(size).fill(0);
  const decoration = new Array<number>(size).fill(0);
  const objects: TiledObjectJson[] = [];
  let nextObjectId = 1;
  const kindField = opts.kindField ?? 'type';

  const addZone = (zone: AsciiZone): void => {
    const id = nextObjectId++;
    const obj: TiledObjectJson = {
      id,
      name: zone.name ?? `${zone.kind} ${id}`,
      [kindField]: zone.kind,
      x: zone.x * TILE_SIZE,
      y: zone.y * TILE_SIZE,
      width: zone.width * TILE_SIZE,
      height: zone.height * TILE_SIZE,
      rotation: 0,
      visible: true,
    };
    if (zone.capacity !== undefined) obj.properties = [{ name: 'capacity', type: 'int', value: zone.capacity }];
    objects.push(obj);
  };

  rows.forEach((row, y) => {
    let runStart = -1;
    for (let x = 0; x <= width; x++) {
      const ch = x < width ? row[x] : undefined;
      const i = y * width + x;
      if (ch !== undefined && ch !== ' ') floor[i] = ASCII_GIDS.floor;
      switch (ch) {
        case '#':
          walls[i] = ASCII_GIDS.wall;
          break;
        case 'T':
          furniture[i] = ASCII_GIDS.table;
          break;
        case '~':
          decoration[i] = ASCII_GIDS.rug;
          break;
        case 'c':
          decoration[i] = ASCII_GIDS.collider;
          break;
        case '.':
        case 'S':
        case ' ':
        case undefined:
          break;
        default:
          throw new WorldArgumentError(
            `tiledFromAscii: unknown character ${JSON.stringify(ch)} at (${x}, ${y}); legend: ${ASCII_LEGEND.map((c) => `'${c}'`).join(' ')}`,
          );
      }
      // Runs of 'S' on a row become one spawn rectangle each, like a person would draw them.
      if (ch === 'S') {
        if (runStart < 0) runStart = x;
      } else if (runStart >= 0) {
        addZone({ kind: 'spawn', name: `spawn ${y}:${runStart}`, x: runStart, y, width: x - runStart, height: 1 });
        runStart = -1;
      }
    }
  });
  for (const zone of opts.zones ?? []) addZone(zone);

  let nextLayerId = 1;
  const tileLayer = (name: string, data: number[]): TiledLayerJson => ({
    type: 'tilelayer',
    id: nextLayerId++,
    name,
    width,
    height,
    x: 0,
    y: 0,
    opacity: 1,
    visible: true,
    data,
  });
  const layers: TiledLayerJson[] = [
    tileLayer('floor', floor),
    tileLayer('walls', walls),
    tileLayer('furniture', furniture),
    tileLayer('decoration', decoration),
    { type: 'objectgroup', id: nextLayerId++, name: 'zones', draworder: 'topdown', opacity: 1, visible: true, x: 0, y: 0, objects },
  ];

  return {
    type: 'map',
    version: '1.10',
    tiledversion: '1.10.2',
    orientation: 'orthogonal',
    renderorder: 'right-down',
    infinite: false,
    compressionlevel: -1,
    width,
    height,
    tilewidth: TILE_SIZE,
    tileheight: TILE_SIZE,
    nextlayerid: nextLayerId,
    nextobjectid: nextObjectId,
    layers,
    tilesets: [
      {
        firstgid: 1,
        name: 'ascii',
        image: 'ascii.png',
        imagewidth: TILE_SIZE * 5,
        imageheight: TILE_SIZE,
        tilewidth: TILE_SIZE,
        tileheight: TILE_SIZE,
        columns: 5,
        tilecount: 5,
        margin: 0,
        spacing: 0,
        tiles: [{ id: ASCII_GIDS.collider - 1, properties: [{ name: COLLIDE_PROPERTY, type: 'bool', value: true }] }],
      },
    ],
  };
}
