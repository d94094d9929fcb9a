import { OFFICE_TILESET_FILE, loadOfficeTileset } from '@metaoffice/maps';
import { validateTiledMap, type MapLimits, type MapProblem, type TiledMapJson, type TilesetRule } from '@metaoffice/world';
import { AppError } from '../errors.js';

/**
 * Largest map upload. The biggest map the limits allow (200,000 tiles in 4 layers) is about 4 MB as Tiled writes it,
 * and flipped tiles take ten digits each, so this leaves room without letting an upload grow without bound.
 */
export const MAX_MAP_UPLOAD_BYTES = 8 * 1024 * 1024;

/**
 * Map property an exported .tmj carries: the version of the office's map it was exported from. Uploading the file
 * again replaces that version and no other, so an edit of an old export cannot silently undo newer changes.
 */
export const MAP_VERSION_PROPERTY = 'metaoffice:mapVersion';

/** What an uploaded map may be: the office tileset, embedded or referenced by its file name (as exports do). */
export function officeTilesetRule(): TilesetRule {
  // Tiled keeps the external reference's file name when the user converts it, so the XML form is accepted too.
  return { embedded: loadOfficeTileset(), externalSources: [OFFICE_TILESET_FILE, OFFICE_TILESET_FILE.replace(/\.tsj$/, '.tsx')] };
}

export interface CheckedMapUpload {
  /** Normalised: what gets stored. */
  map: TiledMapJson;
  mapJson: string;
  /** The map version the file says it was exported from, if it says. */
  fileVersion: number | undefined;
}

const unsupported = (what: string) => new AppError('BAD_REQUEST', 415, `This file is ${what}, not a Tiled map. Upload the .tmj file (Tiled: File › Save As… › JSON map files).`);

// Signatures of what people upload by mistake, checked before anything trusts the bytes to be text.
const MAGIC: readonly [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'gzip-compressed (unpack the archive and upload the .tmj inside)'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive (unpack it and upload the .tmj inside)'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0xff, 0xfe], 'UTF-16 text (save it as UTF-8)'],
  [[0xfe, 0xff], 'UTF-16 text (save it as UTF-8)'],
];

/**
 * Sniffs the bytes of an upload and returns its text. Whatever the name or content type said, a map upload must be
 * UTF-8 JSON text: anything else is refused with 415 before it is parsed.
 */
export function decodeMapUpload(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new AppError('BAD_REQUEST', 400, 'The upload is empty.');
  for (const [magic, what] of MAGIC) {
    if (magic.every((b, i) => bytes[i] === b)) throw unsupported(what);
  }
  // JSON text never holds a raw NUL; binary files nearly always do.
  if (bytes.includes(0)) throw unsupported('binary data');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw unsupported('not UTF-8 text');
  }
  const start = text.trimStart();
  if (start.startsWith('<')) {
    if (/^<(\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<map[\s>]/.test(start)) throw unsupported('a TMX (XML) map; save it as a JSON map (.tmj) instead');
    if (/^<(\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<tileset[\s>]/.test(start)) throw unsupported('a TSX tileset');
    throw unsupported('XML or HTML');
  }
  if (!start.startsWith('{')) throw unsupported(start.startsWith('[') ? 'a JSON array' : 'not JSON');
  return text;
}

/** Parses sniffed text and checks it is a Tiled map document (not a tileset, a world or a project file). */
export function parseMapUpload(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', 400, `The file is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`);
  }
  const type = (json as { type?: unknown }).type;
  if (type === 'map') return json;
  if (type === 'tileset') throw unsupported('a Tiled tileset (.tsj)');
  if (type === 'world') throw unsupported('a Tiled world (.world)');
  throw unsupported('JSON without "type": "map"');
}

/**
 * Validates a parsed upload against everything the office relies on. Throws VALIDATION_FAILED listing every problem
 * (each with its layer and tile); otherwise returns the normalised map, without the export's version property.
 */
export function checkMapUpload(json: unknown, limits?: Partial<MapLimits>): CheckedMapUpload {
  const result = validateTiledMap(json, { tileset: officeTilesetRule(), limits });
  const problems: MapProblem[] = result.ok ? [] : result.problems;
  const fileVersion = readFileVersion(json, problems);
  if (!result.ok || problems.length > 0) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    throw new AppError('VALIDATION_FAILED', 400, `The map has ${count}; nothing was changed.`, problems);
  }
  const map = result.map;
  const kept = map.properties as { name: string }[] | undefined;
  if (kept) {
    const rest = kept.filter((p) => p.name !== MAP_VERSION_PROPERTY);
    if (rest.length > 0) map.properties = rest;
    else delete map.properties;
  }
  return { map, mapJson: JSON.stringify(map), fileVersion };
}

function readFileVersion(json: unknown, problems: MapProblem[]): number | undefined {
  const properties = (json as { properties?: unknown }).properties;
  if (!Array.isArray(properties)) return undefined;
  const index = properties.findIndex((p: unknown) => (p as { name?: unknown } | null)?.name === MAP_VERSION_PROPERTY);
  if (index < 0) return undefined;
  const value: unknown = (properties[index] as { value?: unknown }).value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  problems.push({ path: `/properties/${index}/value`, message: `map property "${MAP_VERSION_PROPERTY}" must be the version the map was exported from (a whole number); do not edit it` });
  return undefined;
}

/**
 * The version a save replaces: `If-Match` when sent (an ETag from an export or an earlier save, or `*` for whatever
 * is there now), else the version inside an exported file. Undefined when neither says.
 */
export function expectedMapVersion(ifMatch: string | undefined, fileVersion: number | undefined, currentVersion: number): number | undefined {
  if (ifMatch === undefined) return fileVersion;
  const tag = ifMatch.trim();
  if (tag === '*') return currentVersion;
  const m = /^"?([1-9]\d{0,14})"?$/.exec(tag);
  if (!m) {
    throw new AppError('BAD_REQUEST', 400, 'If-Match must be one map version as the export or the last save gave it, e.g. "3" (with the quotes), or *.', [
      { path: '/headers/if-match', message: 'expected one strong entity tag such as "3", or *' },
    ]);
  }
  return Number(m[1]);
}
