import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { OFFICE_TILESET_FILE, officeTilesetFiles } from '@metaoffice/maps';
import { MAP_VERSION_PROPERTY } from '../office/map-upload.js';
import { tar } from './tar.js';

const gzipAsync = promisify(gzip);

/**
 * A file-name-safe form of an office's name: lower-case ASCII letters, digits and dashes; "office" if none are left.
 * At most 40 characters, so `<slug>/<slug>.tmj` fits a tar entry name (100).
 */
export function officeSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'office';
}

/**
 * The stored map as an exported .tmj: the tileset referenced as the file beside it (so Tiled opens it and keeps it
 * shared rather than copied into every map), and the map's version in a map property so that uploading the file
 * again replaces exactly that version.
 */
export function exportedMap(mapJson: string, mapVersion: number): Record<string, unknown> {
  const map = JSON.parse(mapJson) as Record<string, unknown>;
  map.tilesets = [{ firstgid: 1, source: OFFICE_TILESET_FILE }];
  const properties = Array.isArray(map.properties) ? (map.properties as { name?: unknown }[]).filter((p) => p?.name !== MAP_VERSION_PROPERTY) : [];
  map.properties = [...properties, { name: MAP_VERSION_PROPERTY, type: 'int', value: mapVersion }];
  return map;
}

/**
 * An office's map as Tiled opens it: `<slug>/<slug>.tmj`, the tileset file and its image side by side in one folder,
 * as a gzip-compressed tar.
 */
export async function officeMapArchive(office: { name: string; mapJson: string }, mapVersion: number, now = Date.now()): Promise<{ fileName: string; archive: Buffer }> {
  const slug = officeSlug(office.name);
  const entries = [
    { name: `${slug}/${slug}.tmj`, data: `${JSON.stringify(exportedMap(office.mapJson, mapVersion))}\n` },
    ...officeTilesetFiles().map((f) => ({ name: `${slug}/${f.name}`, data: f.data })),
  ];
  return { fileName: `${slug}.tar.gz`, archive: await gzipAsync(tar(entries.map((e) => ({ ...e, mtime: now })))) };
}
