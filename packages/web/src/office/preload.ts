import { OfficeConnection } from '@metaoffice/client';
import type { WelcomeMsg } from '@metaoffice/protocol';
import { api } from '../api.js';
import type { SceneAssets } from './OfficeScene.js';
import { mark } from '../timeline.js';

/** Tile edge in pixels; repeated here so this module stays free of Phaser (it runs before the Phaser chunk). */
const TILE = 32;

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
  const { map, version: mapVersion } = await api.getOfficeMapVersion(officeId);
  const tilesets = new Map<string, HTMLImageElement>();
  await Promise.all(
    tilesetImages(map).map(async ({ name, image }) => {
      tilesets.set(name, await loadImage(MAPS_BASE + basename(image)));
    }),
  );
  return { map, mapVersion, tilesets, avatars: await avatars };
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

/** An office connection opened before the office screen mounted, with the welcome it may already have had. */
export interface OpenedConnection {
  officeId: string;
  conn: OfficeConnection;
  welcome: WelcomeMsg | null;
  stop(): void;
}

let early: OpenedConnection | undefined;

/** Opens the office's WebSocket right away; the office screen adopts it with {@link takeEarlyConnection}. */
export function openEarlyConnection(officeId: string): void {
  closeEarlyConnection();
  const conn = createConnection(officeId);
  const opened: OpenedConnection = {
    officeId,
    conn,
    welcome: null,
    stop: conn.on('welcome', (w) => {
      mark('welcome');
      opened.welcome = w;
    }),
  };
  mark('connecting');
  conn.connect();
  early = opened;
}

/** The early connection for this office, if there is one; the caller owns it from now on. */
export function takeEarlyConnection(officeId: string): OpenedConnection | undefined {
  const opened = early?.officeId === officeId ? early : undefined;
  early = undefined;
  opened?.stop();
  return opened;
}

/** When nobody will adopt it (signed out, went elsewhere). */
export function closeEarlyConnection(): void {
  early?.stop();
  early?.conn.close();
  early = undefined;
}

export function createConnection(officeId: string): OfficeConnection {
  return new OfficeConnection({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    officeId,
    viewport: estimateViewport(),
  });
}

/** A first guess of the visible area in tiles, for the hello; the scene reports the exact one once it has zoomed. */
function estimateViewport(): { cols: number; rows: number } {
  const zoom = Math.max(1, Math.round(Math.min(innerWidth, innerHeight) / (TILE * 12)));
  return {
    cols: Math.min(200, Math.ceil(innerWidth / (TILE * zoom)) + 1),
    rows: Math.min(200, Math.ceil(innerHeight / (TILE * zoom)) + 1),
  };
}
