// @metaoffice/maps: the office's own pixel art and its office templates (Tiled .tmj maps).
// Node-side: it resolves files beside the package, so it works the same from src (tsx, vitest) and from dist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { avatarFrame, avatarSheet, tileset } from './sheets.js';
export { OFFICE_TILESET_FILE, loadOfficeTileset, officeTilesetFiles, type OfficeTilesetJson } from './office-tileset.js';

export interface OfficeTemplate {
  id: string;
  name: string;
  description: string;
}

/** The templates a new office can start from; the first is the default. */
export const templates: readonly OfficeTemplate[] = Object.freeze([
  Object.freeze({
    id: 'open-office',
    name: 'Open office',
    description:
      'A 48x32 open-plan floor: 48 desks in pods, the Blue, Green and Sun meeting rooms, a quiet focus room, a kitchen and a lounge.',
  }),
  Object.freeze({
    id: 'open-plan-floor',
    name: 'Open-plan floor',
    description:
      'A 100x60 floor for about 200 people: 208 desks, 6 meeting rooms, a kitchen and a café, 2 quiet focus rooms, lounges and a lobby with 2 entrances.',
  }),
  Object.freeze({
    id: 'small-studio',
    name: 'Small studio',
    description: 'A cosy 30x22 studio for a team of 10 to 20: 16 desks, the Studio meeting room for 8, a quiet nook, a kitchenette and a lounge by the door.',
  }),
  Object.freeze({
    id: 'event-hall',
    name: 'Event hall',
    description: 'A 162x113 hall for about 1,000 people: 47 exhibition stands on wide aisles, 6 meeting rooms, a quiet area and 4 entrances.',
  }),
  Object.freeze({
    id: 'convention-centre',
    name: 'Convention centre',
    description: 'A 482x401 floor for about 10,000 people: 575 stands, 16 meeting rooms, a quiet area and 12 entrances.',
  }),
]);

/** Absolute path of the package's assets folder (tileset, avatars, thumbnails); the server serves it at /maps/. */
export const assetsDir: string = fileURLToPath(new URL('../assets', import.meta.url));

/** Absolute path of the folder holding the `.tmj` templates. */
export const templatesDir: string = fileURLToPath(new URL('../templates', import.meta.url));

export class TemplateNotFoundError extends Error {
  readonly code = 'TEMPLATE_NOT_FOUND';
  constructor(readonly templateId: string) {
    super(`No office template with id "${templateId}"`);
    this.name = 'TemplateNotFoundError';
  }
}

function findTemplate(id: string): OfficeTemplate {
  // Ids are only ever looked up in the list, never joined into a path as given, so "../x" cannot escape.
  const template = templates.find((t) => t.id === id);
  if (!template) throw new TemplateNotFoundError(id);
  return template;
}

/** The parsed Tiled JSON of a template; a fresh object on every call, so callers may change it. */
export function loadTemplateMap(id: string): unknown {
  const template = findTemplate(id);
  return JSON.parse(readFileSync(join(templatesDir, `${template.id}.tmj`), 'utf8')) as unknown;
}

/** Absolute path of the template's overview PNG (at most 320 px wide), for office cards. */
export function templateThumbnailPath(id: string): string {
  const template = findTemplate(id);
  return join(assetsDir, 'thumbnails', `${template.id}.png`);
}
