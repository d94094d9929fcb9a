// Everything the generator produces, as package-relative paths and bytes, so the tests can check that
// the committed files are exactly what the code draws.
import { buildAvatarSheet } from './avatars.js';
import { tilesetJson } from './builder.js';
import { renderThumbnail, type MapJson } from './render.js';
import { buildTileset } from './tileset.js';
import { buildTemplates } from './templates.js';

export function generateAll(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const ts = buildTileset();
  const tiles = ts.image();
  const tilesPng = tiles.toPng();
  out.set('assets/office-tiles.png', tilesPng);
  // A copy beside the templates, so Tiled finds `image: "office-tiles.png"` when it opens a .tmj.
  out.set('templates/office-tiles.png', tilesPng);
  // The tileset on its own (Tiled's JSON tileset format), for exported maps that reference it instead of embedding it.
  out.set('assets/office-tiles.tsj', Buffer.from(`${JSON.stringify({ ...tilesetJson(ts), tiledversion: '1.11.2', type: 'tileset', version: '1.10' }, null, 1)}\n`));
  out.set('assets/avatars.png', buildAvatarSheet().toPng());
  for (const t of buildTemplates(ts)) {
    out.set(`templates/${t.meta.id}.tmj`, Buffer.from(formatTmj(t.tmj)));
    out.set(`assets/thumbnails/${t.meta.id}.png`, renderThumbnail(t.tmj as MapJson, tiles).toPng(true));
  }
  return out;
}

/**
 * JSON with one map row per line in the data arrays, like Tiled's own CSV-ish layout:
 * readable in diffs without being thousands of lines long.
 */
export function formatTmj(tmj: object): string {
  const width = (tmj as { width: number }).width;
  const text = JSON.stringify(tmj, null, 1);
  return (
    text.replace(/"data": \[\n([\s\d,]*?)\n\s*\]/g, (_m, body: string) => {
      const nums = body.split(',').map((s) => s.trim());
      const rows: string[] = [];
      for (let i = 0; i < nums.length; i += width) rows.push('   ' + nums.slice(i, i + width).join(','));
      return `"data": [\n${rows.join(',\n')}\n  ]`;
    }) + '\n'
  );
}
