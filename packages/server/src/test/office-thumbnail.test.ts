import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@metaoffice/client';
import { templateThumbnailPath } from '@metaoffice/maps';
import type { OfficeView } from '@metaoffice/protocol';
import type { TiledMapJson, TiledObjectGroupJson, TiledTileLayerJson } from '@metaoffice/world';
import { loadConfig } from '../config.js';
import { buildApp } from '../http/app.js';
import { openStore, type Store } from '../storage/index.js';
import { uniqueEmail } from './harness.js';

/** GET /api/offices/:officeId/thumbnail.png on the real app over real SQLite, before and after the map is replaced. */
describe('office thumbnails', () => {
  let dir: string;
  let store: Store;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let url: string;
  let admin: ApiClient;
  let member: ApiClient;
  let outsider: ApiClient;
  let office: OfficeView;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mo-thumbs-'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, WEB_DIST: '', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
    store = await openStore({ sqlitePath: join(dir, 'metaoffice.db') });
    await store.migrate();
    app = await buildApp(config, store, { logger: false });
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.http.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const signUp = async (name: string, inviteToken?: string) => {
      const api = new ApiClient({ baseUrl: url, cookieJar: true });
      await api.signUp({ email: uniqueEmail(name.toLowerCase()), password: `${name.toLowerCase()}-thumb-pass`, name, ...(inviteToken ? { inviteToken } : {}) });
      return api;
    };
    admin = await signUp('Admin');
    member = await signUp('Member', (await admin.createInvite()).token);
    outsider = await signUp('Outsider');
    office = (await admin.listOffices())[0]!;
  });

  afterAll(async () => {
    await app?.http.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const thumbnail = async (api: ApiClient, officeId = office.id) => {
    const res = await fetch(`${url}/api/offices/${officeId}/thumbnail.png`, { headers: { cookie: api.cookieHeader()! } });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };

  async function storedMap(): Promise<TiledMapJson> {
    const res = await fetch(`${url}/api/offices/${office.id}/map`, { headers: { cookie: admin.cookieHeader()! } });
    return (await res.json()) as TiledMapJson;
  }

  async function save(map: TiledMapJson, version: number): Promise<Response> {
    return fetch(`${url}/api/offices/${office.id}/map`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie: admin.cookieHeader()!, 'if-match': `"${version}"` },
      body: JSON.stringify(map),
    });
  }

  const layerOf = (map: TiledMapJson, name: string) => map.layers.find((l) => l.name === name) as TiledTileLayerJson;

  /** The first run of `length` tiles in a row that are bare floor outside every zone: a wall there breaks no rule. */
  function openFloorRun(map: TiledMapJson, length: number): { x: number; y: number; length: number } {
    const zones = (map.layers.find((l) => l.name === 'zones') as TiledObjectGroupJson).objects;
    const inZone = (x: number, y: number) => zones.some((z) => x * 32 >= z.x && x * 32 < z.x + z.width && y * 32 >= z.y && y * 32 < z.y + z.height);
    const open = (x: number, y: number) => {
      const i = y * map.width + x;
      return layerOf(map, 'floor').data[i] !== 0 && ['walls', 'furniture', 'decoration'].every((n) => layerOf(map, n).data[i] === 0) && !inZone(x, y);
    };
    for (let y = 0; y < map.height; y++) {
      for (let x = 0; x + length <= map.width; x++) {
        if (Array.from({ length }, (_, k) => open(x + k, y)).every(Boolean)) return { x, y, length };
      }
    }
    throw new Error(`no run of ${length} open floor tiles in the map`);
  }

  it('serves the template\'s own thumbnail while the office has the template\'s map', async () => {
    expect(office.thumbnailUrl).toBe(`/api/offices/${office.id}/thumbnail.png?v=1`);
    const { res, body } = await thumbnail(member);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(body.equals(readFileSync(templateThumbnailPath(office.template)))).toBe(true);
  });

  it('draws a replaced map: a new picture with the map version as its ETag, the same one until the next save', async () => {
    const template = readFileSync(templateThumbnailPath(office.template));
    const map = await storedMap();
    const run = openFloorRun(map, 8);
    const walls = layerOf(map, 'walls');
    const wall = walls.data.find((gid) => gid !== 0)!;
    for (let x = run.x; x < run.x + run.length; x++) walls.data[run.y * map.width + x] = wall;
    const saved = await save(map, 1);
    expect(saved.status).toBe(200);
    expect(saved.headers.get('etag')).toBe('"2"');

    const first = await thumbnail(member);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('image/png');
    expect(first.res.headers.get('etag')).toBe('"2"');
    expect(first.res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(first.body.equals(template)).toBe(false);
    const meta = await sharp(first.body).metadata();
    const made = await sharp(template).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', made.width, made.height]);
    // The pixels of the new wall differ from the template's picture there.
    const p = meta.width / map.width;
    expect(Number.isInteger(p)).toBe(true);
    const ours = await sharp(first.body).removeAlpha().raw().toBuffer();
    const theirs = await sharp(template).removeAlpha().raw().toBuffer();
    const at = (img: Buffer, tx: number, ty: number) => {
      const k = ((ty * p + Math.floor(p / 2)) * meta.width + tx * p + Math.floor(p / 2)) * 3;
      return [img[k]!, img[k + 1]!, img[k + 2]!];
    };
    const gap = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
    const middle = run.x + Math.floor(run.length / 2);
    expect(gap(at(ours, middle, run.y), at(theirs, middle, run.y))).toBeGreaterThan(30);

    // Cached per map version: the same bytes again, for anyone in the organisation.
    const again = await thumbnail(admin);
    expect(again.res.headers.get('etag')).toBe('"2"');
    expect(again.body.equals(first.body)).toBe(true);

    // The next save is drawn anew, with its version.
    walls.data[run.y * map.width + run.x] = 0;
    expect((await save(map, 2)).status).toBe(200);
    const third = await thumbnail(member);
    expect(third.res.headers.get('etag')).toBe('"3"');
    expect(third.body.equals(first.body)).toBe(false);
  });

  it('is for the office\'s organisation only', async () => {
    expect((await thumbnail(outsider)).res.status).toBe(404);
    expect((await fetch(`${url}/api/offices/${office.id}/thumbnail.png`)).status).toBe(401);
  });
});
