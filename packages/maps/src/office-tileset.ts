// The office tileset as files (Node-side): what an exported map ships beside its .tmj, and the tileset every
// uploaded map is checked against and stored with.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tileset } from './sheets.js';

/** Tiled's JSON tileset file for the office tileset; exported maps reference it by this name. */
export const OFFICE_TILESET_FILE = 'office-tiles.tsj';

/** The office tileset in the form a map embeds it (Tiled JSON, `firstgid` 1), as every template does. */
// A type alias rather than an interface, so it is assignable where a JSON object with any other fields is expected.
export type OfficeTilesetJson = {
  firstgid: number;
  name: string;
  image: string;
  imagewidth: number;
  imageheight: number;
  tilewidth: number;
  tileheight: number;
  columns: number;
  tilecount: number;
  margin: number;
  spacing: number;
  tiles: { id: number; properties: { name: string; type: string; value: unknown }[] }[];
};

const assetUrl = (name: string) => fileURLToPath(new URL(`../assets/${name}`, import.meta.url));

/** A fresh copy on each call, so callers may change it. */
export function loadOfficeTileset(): OfficeTilesetJson {
  const file = JSON.parse(readFileSync(assetUrl(OFFICE_TILESET_FILE), 'utf8')) as Omit<OfficeTilesetJson, 'firstgid'> & Record<string, unknown>;
  // The file-level fields (type, version, tiledversion) belong to a tileset file, not to a tileset inside a map.
  const { type: _type, version: _version, tiledversion: _tiledversion, columns, ...rest } = file;
  return { columns, firstgid: 1, ...rest };
}

/** The files a map referencing `OFFICE_TILESET_FILE` needs beside it for Tiled to open it: the .tsj and its image. */
export function officeTilesetFiles(): { name: string; data: Buffer }[] {
  return [OFFICE_TILESET_FILE, tileset.image].map((name) => ({ name, data: readFileSync(assetUrl(name)) }));
}
