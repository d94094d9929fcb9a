import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, OfficeConnection } from '@metaoffice/client';
import { nodeSocketFactory } from '@metaoffice/client/node';
import { OFFICE_TILESET_FILE, assetsDir, loadOfficeTileset, loadTemplateMap, tileset } from '@metaoffice/maps';
import { ErrorCodes, type OfficeView } from '@metaoffice/protocol';
import { OfficeMap, type TiledMapJson, type TiledObjectJson, type TiledTileLayerJson } from '@metaoffice/world';
import { hashPassword } from '../auth/passwords.js';
import { loadConfig } from '../config.js';
import { untar } from '../export/tar.js';
import { buildApp } from '../http/app.js';
import { MAP_VERSION_PROPERTY, MAX_MAP_UPLOAD_BYTES } from '../office/map-upload.js';
import { openStore, type Store } from '../storage/index.js';
import { uniqueEmail, until } from './harness.js';

/** The map routes on the real app (its hooks, body limits and error handler) over real SQLite. */
describe('office map import and export (Tiled)', () => {
  let dir: string;
  let store: Store;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let url: string;
  let admin: ApiClient;
  let member: ApiClient;
  let outsider: ApiClient;
  let office: OfficeView;
  let outsiderOffice: OfficeView;
  const changes: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mo-maps-'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, WEB_DIST: '', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
    const dbPath = join(dir, 'metaoffice.db');
    store = await openStore({ sqlitePath: dbPath });
    await store.migrate();
    app = await buildApp(config, store, { logger: false });
    // A saved map reaches the office's engine (switched in place, or restarted when the size changed); the test
    // records which offices were told.
    const applyMap = app.registry.applyMap.bind(app.registry);
    app.registry.applyMap = (officeId: string, mapJson: string, version: number) => {
      changes.push(officeId);
      return applyMap(officeId, mapJson, version);
    };
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.http.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

    const signUp = async (name: string, inviteToken?: string) => {
      const api = new ApiClient({ baseUrl: url, cookieJar: true });
      await api.signUp({ email: uniqueEmail(name.toLowerCase()), password: `${name.toLowerCase()}-maps-pass`, name, ...(inviteToken ? { inviteToken } : {}) });
      return api;
    };
    admin = await signUp('Admin');
    member = await signUp('Member', (await admin.createInvite()).token);
    outsider = await signUp('Outsider');
    office = (await admin.listOffices())[0]!;
    outsiderOffice = (await outsider.listOffices())[0]!;
  });

  afterAll(async () => {
    await app?.http.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    changes.length = 0;
  });

  async function mapVersionOf(officeId: string): Promise<number> {
    return (await store.offices.byId(officeId))!.mapVersion;
  }

  /** The stored map exactly as the app serves it to the office page. */
  async function storedMap(api: ApiClient, officeId = office.id): Promise<string> {
    const res = await fetch(`${url}/api/offices/${officeId}/map`, { headers: { cookie: api.cookieHeader()! } });
    expect(res.status).toBe(200);
    return res.text();
  }

  async function exportOf(api: ApiClient, officeId = office.id) {
    const res = await fetch(`${url}/api/offices/${officeId}/export.tar.gz`, { headers: { cookie: api.cookieHeader()! } });
    const body = Buffer.from(await res.arrayBuffer());
    return { res, body, files: res.status === 200 ? untar(gunzipSync(body)) : new Map<string, Buffer>() };
  }

  async function exportedTmj(api: ApiClient = admin): Promise<{ text: string; map: TiledMapJson; etag: string | null }> {
    const { res, files } = await exportOf(api);
    expect(res.status).toBe(200);
    const entry = [...files].find(([name]) => name.endsWith('.tmj'));
    const text = entry![1].toString('utf8');
    return { text, map: JSON.parse(text) as TiledMapJson, etag: res.headers.get('etag') };
  }

  function upload(api: ApiClient | undefined, body: string | Uint8Array, headers: Record<string, string> = {}, officeId = office.id) {
    return fetch(`${url}/api/offices/${officeId}/map`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(api ? { cookie: api.cookieHeader()! } : {}), ...headers },
      body: body as string,
    });
  }

  async function problemOf(res: Response): Promise<{ code: string; status: number; detail?: string; errors?: { path: string; message: string; layer?: string; x?: number; y?: number }[] }> {
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { code: string; status: number };
    expect(ErrorCodes).toContain(problem.code);
    expect(problem.status).toBe(res.status);
    return problem;
  }

  /** Runs `act` and checks that the office's map in the database, its version and the engine saw no change. */
  async function expectNothingChanged(act: () => Promise<void>): Promise<void> {
    const before = (await store.offices.byId(office.id))!.mapJson;
    const version = await mapVersionOf(office.id);
    await act();
    expect((await store.offices.byId(office.id))!.mapJson).toBe(before);
    expect(await mapVersionOf(office.id)).toBe(version);
    expect(changes).toEqual([]);
  }

  const layerOf = (map: TiledMapJson, name: string) => map.layers.find((l) => l.name === name) as TiledTileLayerJson;
  const zonesOf = (map: TiledMapJson) => (map.layers.find((l) => l.name === 'zones') as { objects: TiledObjectJson[] }).objects;

  it('exports an office as a .tmj with its tileset files beside it, to members', async () => {
    const { res, files } = await exportOf(member);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="main-office.tar.gz"');
    expect(res.headers.get('etag')).toBe('"1"');
    expect([...files.keys()].sort()).toEqual(['main-office/main-office.tmj', `main-office/${OFFICE_TILESET_FILE}`, `main-office/${tileset.image}`].sort());
    expect(files.get(`main-office/${OFFICE_TILESET_FILE}`)!.equals(readFileSync(join(assetsDir, OFFICE_TILESET_FILE)))).toBe(true);
    expect(files.get(`main-office/${tileset.image}`)!.equals(readFileSync(join(assetsDir, tileset.image)))).toBe(true);

    const tmj = JSON.parse(files.get('main-office/main-office.tmj')!.toString('utf8')) as TiledMapJson;
    expect(tmj.tilesets).toEqual([{ firstgid: 1, source: OFFICE_TILESET_FILE }]);
    expect(tmj.properties).toContainEqual({ name: MAP_VERSION_PROPERTY, type: 'int', value: 1 });
    // Apart from the tileset reference and the version, the file is the stored map.
    const stored = JSON.parse(await storedMap(member)) as TiledMapJson;
    expect({ ...tmj, tilesets: stored.tilesets, properties: stored.properties }).toEqual(stored);
  });

  it('round trip: importing the exported .tmj gives the same map, byte for byte, as version 2', async () => {
    const before = await storedMap(admin);
    const { text } = await exportedTmj();
    const res = await upload(admin, text);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await res.json()).toEqual({ office: expect.objectContaining({ id: office.id, name: office.name }), mapVersion: 2 });
    const after = await storedMap(admin);
    expect(after).toBe(before);
    expect(changes).toEqual([office.id]);
    const again = await exportedTmj();
    expect(again.etag).toBe('"2"');
    expect(again.map.properties).toContainEqual({ name: MAP_VERSION_PROPERTY, type: 'int', value: 2 });
  });

  it('imports an edited map: a new meeting room and a repainted floor reach the stored map and the rules', async () => {
    const { map, etag } = await exportedTmj();
    const floor = layerOf(map, 'floor');
    const at = floor.data.findIndex((gid, i) => gid !== 0 && gid !== floor.data[i + 1] && floor.data[i + 1] !== 0);
    const newGid = floor.data[at + 1]!;
    floor.data[at] = newGid;
    const rules = OfficeMap.fromTiled(JSON.parse(await storedMap(admin)));
    // A free walkable 2x2 block outside every zone becomes the new room.
    let spot: { x: number; y: number } | undefined;
    for (let y = 1; y < rules.height - 2 && !spot; y++) {
      for (let x = 1; x < rules.width - 2 && !spot; x++) {
        const tiles = [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]] as const;
        if (tiles.every(([tx, ty]) => rules.isWalkable(tx, ty) && rules.zonesAt(tx, ty).length === 0)) spot = { x, y };
      }
    }
    const id = (map.nextobjectid as number) ?? 999;
    zonesOf(map).push({ id, name: 'Phone booth', type: 'meeting-room', x: spot!.x * 32, y: spot!.y * 32, width: 64, height: 64, rotation: 0, visible: true, properties: [{ name: 'capacity', type: 'int', value: 2 }] });
    map.nextobjectid = id + 1;

    const res = await upload(admin, JSON.stringify(map), { 'if-match': etag! });
    expect(res.status, await res.clone().text()).toBe(200);
    const stored = JSON.parse(await storedMap(admin)) as TiledMapJson;
    expect(layerOf(stored, 'floor').data[at]).toBe(newGid);
    expect(OfficeMap.fromTiled(stored).zoneById(String(id))).toEqual({ id: String(id), name: 'Phone booth', kind: 'meeting-room', x: spot!.x, y: spot!.y, width: 2, height: 2, capacity: 2 });
    expect(stored.tilesets).toEqual([loadOfficeTileset()]);
    expect(changes).toHaveLength(1);
  });

  it('people in the office when its map is replaced stay connected, are told the new version, and are moved off a tile that became a wall', async () => {
    const conn = new OfficeConnection({
      url: url.replace(/^http/, 'ws') + '/ws',
      officeId: office.id,
      viewport: { cols: 30, rows: 20 },
      socketFactory: nodeSocketFactory(() => member.cookieHeader()),
      reconnect: { minMs: 50, maxMs: 500 },
    });
    const versions: number[] = [];
    const states: string[] = [];
    conn.on('map', (v) => versions.push(v));
    conn.connect();
    try {
      await until(() => conn.self !== undefined, 10_000, 'the member in the office');
      conn.on('state', (st) => states.push(st));
      const before = { x: conn.self!.x, y: conn.self!.y };
      const { map, etag } = await exportedTmj();
      const walls = layerOf(map, 'walls');
      walls.data[before.y * map.width + before.x] = walls.data.find((gid) => gid !== 0)!;
      const res = await upload(admin, JSON.stringify(map), { 'if-match': etag! });
      expect(res.status, await res.clone().text()).toBe(200);
      const { mapVersion } = (await res.json()) as { mapVersion: number };
      expect(changes).toEqual([office.id]);
      // The engine switched to the stored map with the member still connected; they were moved next to where they
      // stood, which is a wall now, and told which version to fetch.
      await until(() => conn.self !== undefined && (conn.self.x !== before.x || conn.self.y !== before.y), 10_000, 'the member moved off the new wall');
      await until(() => versions.length > 0, 5_000, 'the map notice');
      expect(versions).toEqual([mapVersion]);
      expect(states).toEqual([]);
      expect(conn.state).toBe('open');
      const rules = OfficeMap.fromTiled(JSON.parse(await storedMap(admin)));
      expect(rules.isWalkable(before.x, before.y)).toBe(false);
      expect(rules.isWalkable(conn.self!.x, conn.self!.y)).toBe(true);
      expect(Math.max(Math.abs(conn.self!.x - before.x), Math.abs(conn.self!.y - before.y))).toBe(1);
      // The new map is what the engine now enforces: a step back onto the wall is corrected.
      expect(app.registry.get(office.id)!.mapVersion).toBe(mapVersion);
      expect(app.registry.get(office.id)!.map.isWalkable(before.x, before.y)).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('one editor at a time: the editor lease names its holder, refuses other admins and their saves, and is given back', async () => {
    // A second admin of the same organisation (invites make members, so the account is made in the store).
    const adminMe = (await admin.me()).user;
    const adminId = adminMe.id;
    const email = uniqueEmail('second-admin');
    await store.users.create({ orgId: adminMe.orgId, email, name: 'Second Admin', role: 'admin', passwordHash: await hashPassword('second-admin-maps-pass', 10) });
    const second = new ApiClient({ baseUrl: url, cookieJar: true });
    await second.signIn({ email, password: 'second-admin-maps-pass' });

    expect(await member.officeEditor(office.id)).toEqual({ editor: null });
    const lease = await admin.takeEditLease(office.id);
    expect(lease).toEqual({ token: expect.any(Number), ttlMs: 30_000, mapVersion: await mapVersionOf(office.id) });
    expect(await member.officeEditor(office.id)).toEqual({ editor: { userId: adminId, name: 'Admin' } });

    // Another admin can neither take the editor nor save a map meanwhile; a member cannot take it at all.
    const refused = await second.takeEditLease(office.id).catch((e: unknown) => e as { code: string; status: number; message: string });
    expect(refused).toMatchObject({ code: 'OFFICE_BEING_EDITED', status: 423, message: expect.stringContaining('being edited by Admin') });
    expect(await member.takeEditLease(office.id).catch((e: unknown) => (e as { code: string }).code)).toBe('FORBIDDEN');
    const { text } = await exportedTmj();
    await expectNothingChanged(async () => {
      const res = await upload(second, text);
      expect(res.status).toBe(423);
      expect((await problemOf(res)).code).toBe('OFFICE_BEING_EDITED');
    });
    // The editor renews; a wrong token is refused; the holder's own save goes through.
    await admin.renewEditLease(office.id, lease.token);
    expect(await admin.renewEditLease(office.id, lease.token + 1000).catch((e: unknown) => (e as { code: string }).code)).toBe('EDIT_LEASE_LOST');
    const saved = await admin.saveOfficeMap(office.id, JSON.parse(text), lease.mapVersion);
    expect(saved.mapVersion).toBe(lease.mapVersion + 1);
    // A stale save from the editor (the version it opened) is refused like any other.
    expect(await admin.saveOfficeMap(office.id, JSON.parse(text), lease.mapVersion).catch((e: unknown) => (e as { code: string }).code)).toBe('MAP_VERSION_CONFLICT');

    // Opening the editor again (a second tab) takes the lease over; the first tab's renewal learns it.
    const again = await admin.takeEditLease(office.id);
    expect(again.token).toBeGreaterThan(lease.token);
    const lost = await admin.renewEditLease(office.id, lease.token).catch((e: unknown) => e as { code: string; message: string });
    expect(lost).toMatchObject({ code: 'EDIT_LEASE_LOST', message: expect.stringContaining('you, in another window') });
    // Releasing with an old token does nothing; with the current one frees the office for the next admin.
    await admin.releaseEditLease(office.id, lease.token);
    expect((await member.officeEditor(office.id)).editor?.userId).toBe(adminId);
    await admin.releaseEditLease(office.id, again.token);
    expect(await member.officeEditor(office.id)).toEqual({ editor: null });
    const theirs = await second.takeEditLease(office.id);
    await second.releaseEditLease(office.id, theirs.token);
    // Bad input is a typed 400, and another organisation's office is not found.
    const bad = await fetch(`${url}/api/offices/${office.id}/editor`, { method: 'PUT', headers: { 'content-type': 'application/json', cookie: admin.cookieHeader()! }, body: JSON.stringify({ token: 'x' }) });
    expect(bad.status).toBe(400);
    expect(await outsider.takeEditLease(office.id).catch((e: unknown) => (e as { status: number }).status)).toBe(404);
  });

  it('refuses an invalid map with every problem, its layer and tile, and changes nothing', async () => {
    const { map, etag } = await exportedTmj();
    const walls = layerOf(map, 'walls');
    walls.data[4 * map.width + 3] = 999;
    const room = zonesOf(map).find((z) => z.type === 'meeting-room')!;
    room.ellipse = true;
    for (const z of zonesOf(map)) if (z.type === 'spawn') z.type = 'lobby';
    map.layers.push({ type: 'tilelayer', name: 'rugs', data: [] } as unknown as TiledTileLayerJson);
    await expectNothingChanged(async () => {
      const res = await upload(admin, JSON.stringify(map), { 'if-match': etag! });
      expect(res.status).toBe(400);
      const problem = await problemOf(res);
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.detail).toMatch(/problems; nothing was changed/);
      const errors = problem.errors!;
      expect(errors).toContainEqual({ path: '/layers/1/data/' + String(4 * map.width + 3), layer: 'walls', x: 3, y: 4, message: expect.stringMatching(/tile id 999 is not in the office tileset \(ids 1 to 143\)/) });
      expect(errors).toContainEqual(expect.objectContaining({ layer: 'zones', x: room.x / 32, y: room.y / 32, message: expect.stringMatching(new RegExp(`"${room.name}": is an ellipse`)) }));
      expect(errors).toContainEqual(expect.objectContaining({ layer: 'rugs', message: expect.stringMatching(/not allowed/) }));
      expect(errors.filter((e) => /unknown class "lobby"/.test(e.message)).length).toBeGreaterThan(0);
    });
  });

  it('lets only admins of the office\'s organisation replace its map', async () => {
    const { text } = await exportedTmj();
    await expectNothingChanged(async () => {
      const asMember = await upload(member, text);
      expect(asMember.status).toBe(403);
      expect((await problemOf(asMember)).code).toBe('FORBIDDEN');
      const anonymous = await upload(undefined, text);
      expect(anonymous.status).toBe(401);
      expect((await problemOf(anonymous)).code).toBe('UNAUTHENTICATED');
      // An admin at home is nobody here: the office does not exist for them.
      const asOutsider = await upload(outsider, text);
      expect(asOutsider.status).toBe(404);
      expect((await problemOf(asOutsider)).code).toBe('NOT_FOUND');
    });
    const exportByOutsider = await exportOf(outsider);
    expect(exportByOutsider.res.status).toBe(404);
    const exportAnonymous = await fetch(`${url}/api/offices/${office.id}/export.tar.gz`);
    expect(exportAnonymous.status).toBe(401);
    // And the outsider's own office is theirs to change.
    const own = await exportOf(outsider, outsiderOffice.id);
    const ownTmj = [...own.files].find(([n]) => n.endsWith('.tmj'))![1].toString('utf8');
    expect((await upload(outsider, ownTmj, {}, outsiderOffice.id)).status).toBe(200);
  });

  it('rejects stale saves: an old export, an old If-Match, and the loser of two saves at once', async () => {
    const old = await exportedTmj();
    const fresh = await upload(admin, old.text);
    expect(fresh.status).toBe(200);
    const current = await mapVersionOf(office.id);
    changes.length = 0;
    await expectNothingChanged(async () => {
      const again = await upload(admin, old.text);
      expect(again.status).toBe(409);
      const problem = await problemOf(again);
      expect(problem.detail).toMatch(new RegExp(`replaces \\(${current - 1}\\); it is at version ${current}`));
      const header = await upload(admin, old.text, { 'if-match': `"${current - 1}"` });
      expect(header.status).toBe(409);
    });

    const { text, etag } = await exportedTmj();
    const [a, b] = await Promise.all([upload(admin, text, { 'if-match': etag! }), upload(admin, text, { 'if-match': etag! })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await mapVersionOf(office.id)).toBe(current + 1);
    expect(changes).toHaveLength(1);
  });

  it('needs to know which version an upload replaces: 428 without, If-Match * for "whatever is there"', async () => {
    const template = JSON.stringify(loadTemplateMap('small-studio'));
    await expectNothingChanged(async () => {
      const res = await upload(admin, template);
      expect(res.status).toBe(428);
      expect((await problemOf(res)).detail).toMatch(/If-Match/);
      const bad = await upload(admin, template, { 'if-match': 'W/"3"' });
      expect(bad.status).toBe(400);
    });
    const version = await mapVersionOf(office.id);
    const res = await upload(admin, template, { 'if-match': '*' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await mapVersionOf(office.id)).toBe(version + 1);
    expect(await storedMap(admin)).toBe(template);
  });

  it('takes maps far over the API\'s usual body limit, and refuses files over the map limit with 413', async () => {
    const big = JSON.stringify(loadTemplateMap('convention-centre'));
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const res = await upload(admin, big, { 'if-match': '*' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await storedMap(admin)).toBe(big);
    changes.length = 0;

    await expectNothingChanged(async () => {
      const padded = `${big}${' '.repeat(MAX_MAP_UPLOAD_BYTES + 1 - Buffer.byteLength(big))}`;
      const tooBig = await upload(admin, padded, { 'if-match': '*' });
      expect(tooBig.status).toBe(413);
      const problem = await problemOf(tooBig);
      expect(problem.code).toBe('PAYLOAD_TOO_LARGE');
      expect(problem.detail).toMatch(/at most 8 MB/);
    });
  });

  it('sniffs what was uploaded instead of trusting its name or content type', async () => {
    const gzipBomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    expect(gzipBomb.byteLength).toBeLessThan(MAX_MAP_UPLOAD_BYTES);
    const png = readFileSync(join(assetsDir, tileset.image));
    const tmx = '<?xml version="1.0" encoding="UTF-8"?>\n<map version="1.10" orientation="orthogonal" width="10" height="10"></map>';
    const tsj = readFileSync(join(assetsDir, OFFICE_TILESET_FILE));
    const cases: [string, string | Uint8Array, Record<string, string>, number, RegExp][] = [
      ['a PNG sent as JSON', png, {}, 415, /a PNG image, not a Tiled map/],
      ['a TMX map', tmx, {}, 415, /TMX \(XML\) map/],
      ['the tileset file', tsj, {}, 415, /a Tiled tileset/],
      ['UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"type":"map"}', 'utf16le')]), {}, 415, /UTF-16/],
      ['latin-1 text', Buffer.from('{"type":"map","name":"Caf\xe9"}', 'latin1'), {}, 415, /not UTF-8/],
      ['a JSON array', '[1,2,3]', {}, 415, /a JSON array/],
      ['JSON of another kind', '{"hello":"world"}', {}, 415, /without "type": "map"/],
      ['broken JSON', '{"type": "map", "width": ', {}, 400, /not valid JSON/],
      ['an empty body', '', {}, 400, /empty/],
      ['a PNG sent as a PNG', png, { 'content-type': 'image/png' }, 415, /JSON/],
      ['JSON sent as text', '{"type":"map"}', { 'content-type': 'text/plain' }, 415, /JSON/],
      // Images and archives are never opened: an SVG carrying script, and a gzip "bomb" (256 MiB of zeros in about
      // 256 KB), are refused by their first bytes, without being parsed or unpacked.
      ['an SVG with script', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', {}, 415, /XML|not a Tiled map/],
      ['a gzip bomb', gzipBomb, {}, 415, /gzip/],
    ];
    await expectNothingChanged(async () => {
      for (const [what, body, headers, status, detail] of cases) {
        const res = await upload(admin, body, { 'if-match': '*', ...headers });
        expect(res.status, what).toBe(status);
        const problem = await problemOf(res);
        expect(problem.detail, what).toMatch(detail);
      }
    });
  });
});
