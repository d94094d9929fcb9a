// Renders each template at full size with a few avatars standing around, for eyeballing the art:
// `npx tsx packages/maps/scripts/preview.ts [outDir] [--zones]` (default outDir: the OS temp folder).
// Reads the committed outputs, so run generate.ts first.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetsDir, loadTemplateMap, templates } from '../src/index.js';
import { avatarFrame, avatarSheet } from '../src/sheets.js';
import { Img } from './lib/canvas.js';
import { renderMap, type MapJson, type Sprite } from './lib/render.js';

const args = process.argv.slice(2);
const outDir = args.find((a) => !a.startsWith('--')) ?? tmpdir();
const tiles = Img.fromPng(readFileSync(join(assetsDir, 'office-tiles.png')));
const avatars = Img.fromPng(readFileSync(join(assetsDir, avatarSheet.image)));

/** People placed on walkable tiles: some at desks and in rooms, a few walking. */
function people(map: MapJson): Sprite[] {
  const zones = map.layers.find((l) => l.type === 'objectgroup');
  const objects = zones && zones.type === 'objectgroup' ? zones.objects : [];
  const sprites: Sprite[] = [];
  let look = 0;
  const add = (x: number, y: number, dirRow: number, f = 1): void => {
    sprites.push({ x, y, frame: avatarFrame(look++ % avatarSheet.looks, dirRow, f) });
  };
  const desks = objects.filter((o) => o.type === 'desk');
  const furniture = map.layers.find((l) => l.name === 'furniture');
  const blocked = (x: number, y: number): boolean => furniture?.type === 'tilelayer' && (furniture.data[y * map.width + x] ?? 0) !== 0;
  desks.forEach((d, i) => {
    if (i % 3 !== 0) return;
    // A chair with its desk above faces up; otherwise the desk is below and the sitter faces down.
    const x = d.x / 32;
    const y = d.y / 32;
    add(x, y, blocked(x, y - 1) ? 3 : 0);
  });
  const spawn = objects.find((o) => o.type === 'spawn');
  if (spawn) {
    add(spawn.x / 32 + 1, spawn.y / 32 + 1, 0, 0);
    add(spawn.x / 32 + 2, spawn.y / 32, 1, 2);
  }
  for (const room of objects.filter((o) => o.type === 'meeting-room')) {
    add(room.x / 32 + 1, room.y / 32 + room.height / 32 - 2, 2, 0);
    add(room.x / 32 + 2, room.y / 32 + room.height / 32 - 2, 1, 1);
  }
  return sprites;
}

for (const t of templates) {
  const map = loadTemplateMap(t.id) as MapJson;
  const img = renderMap(map, tiles, { sprites: people(map), avatars, zones: args.includes('--zones') });
  const path = join(outDir, `preview-${t.id}.png`);
  writeFileSync(path, img.toPng());
  console.log(`wrote ${path}`);
}
