import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OfficeMap, validateTiledMap, type TilesetRule } from '@metaoffice/world';
import { OFFICE_TILESET_FILE, assetsDir, loadOfficeTileset, loadTemplateMap, officeTilesetFiles, templates, tileset } from './index.js';

const rule: TilesetRule = { embedded: loadOfficeTileset(), externalSources: [OFFICE_TILESET_FILE] };

describe('the office tileset file', () => {
  it('is a Tiled JSON tileset naming the image beside it', () => {
    const file = JSON.parse(readFileSync(join(assetsDir, OFFICE_TILESET_FILE), 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ type: 'tileset', name: tileset.name, image: tileset.image, tilewidth: 32, tileheight: 32 });
    expect(officeTilesetFiles().map((f) => f.name)).toEqual([OFFICE_TILESET_FILE, tileset.image]);
    for (const f of officeTilesetFiles()) expect(f.data.equals(readFileSync(join(assetsDir, f.name)))).toBe(true);
  });

  it('is exactly the tileset every template embeds', () => {
    for (const t of templates) {
      const map = loadTemplateMap(t.id) as { tilesets: unknown[] };
      expect(map.tilesets, t.id).toEqual([loadOfficeTileset()]);
    }
  });

  it('comes back as a fresh object on each load', () => {
    const a = loadOfficeTileset();
    a.tiles.length = 0;
    expect(loadOfficeTileset().tiles.length).toBeGreaterThan(0);
  });
});

describe.each(templates.map((t) => t.id))('template %s as an upload', (id) => {
  it('validates, and normalising it changes nothing', () => {
    const tmj = loadTemplateMap(id);
    const r = validateTiledMap(tmj, { tileset: rule });
    if (!r.ok) throw new Error(`${id}: ${JSON.stringify(r.problems.slice(0, 5))}`);
    expect(r.map).toEqual(tmj);
    // Stored byte for byte as the template itself is, so an office made from it and one uploaded from it are alike.
    expect(JSON.stringify(r.map)).toBe(JSON.stringify(tmj));
    expect(() => OfficeMap.fromTiled(r.map)).not.toThrow();
  });
});
