import { api } from '../api.js';
import type { SceneAssets } from './OfficeScene.js';

/** Where the server serves the shared map assets (packages/maps/assets). */
const MAPS_BASE = '/maps/';
const AVATARS_URL = `${MAPS_BASE}avatars.png`;
/** The tileset every built-in template uses; fetched before the map names it, to overlap the two downloads. */
const DEFAULT_TILESET_URL = `${MAPS_BASE}office-tiles.png`;

const images = new Map<string, Promise<HTMLImageElement>>();
const offices = new Map<string, Promise<SceneAssets>>();

/**
 * Starts (once) every download the office screen needs: the map, its tileset images and the avatar sheet, all in
 * parallel. Safe to call early and often; the office screen awaits the same promise.
 */
export function preloadOffice(officeId: string): Promise<SceneAssets> {
  let p = offices.get(officeId);
  if (!p) {
    p = loadOffice(officeId);
    offices.set(officeId, p);
    // A failed load must not stick: the next visit tries again.
    p.catch(() => offices.delete(officeId));
  }
  return p;
}

async function loadOffice(officeId: string): Promise<SceneAssets> {
  const avatars = loadImage(AVATARS_URL);
  void loadImage(DEFAULT_TILESET_URL).catch(() => undefined);
  const map = await api.getOfficeMap(officeId);
  const tilesets = new Map<string, HTMLImageElement>();
  await Promise.all(
    tilesetImages(map).map(async ({ name, image }) => {
      tilesets.set(name, await loadImage(MAPS_BASE + basename(image)));
    }),
  );
  return { map, tilesets, avatars: await avatars };
}

/** The tilesets embedded in a Tiled map, by name and image file. */
function tilesetImages(map: unknown): { name: string; image: string }[] {
  const tilesets = (map as { tilesets?: unknown } | null)?.tilesets;
  if (!Array.isArray(tilesets)) return [];
  return tilesets.flatMap((ts: { name?: unknown; image?: unknown }) =>
    typeof ts.name === 'string' && typeof ts.image === 'string' ? [{ name: ts.name, image: ts.image }] : [],
  );
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function loadImage(url: string): Promise<HTMLImageElement> {
  let p = images.get(url);
  if (!p) {
    p = new Promise<HTMLImageElement>((resolve, reject) => {
      const img = new Image();
      img.decoding = 'async';
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`could not load ${url}`));
      img.src = url;
    });
    images.set(url, p);
    p.catch(() => images.delete(url));
  }
  return p;
}
