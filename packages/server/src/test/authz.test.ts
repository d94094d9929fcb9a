import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientControl, CloseCodes, ErrorCodes, PROTOCOL_VERSION, SESSION_COOKIE, encodeMove, type Direction, type OfficeView } from '@metaoffice/protocol';
import { ApiClient } from '@metaoffice/client';
import { DEMO_TEAM_ID, DEMO_TENANT_ID, seedDemoTenant, startFakeMicrosoft, type FakeMicrosoft } from '@metaoffice/fake-microsoft';
import { assetsDir, templates } from '@metaoffice/maps';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import { hashToken, newToken } from '../auth/tokens.js';
import { untar } from '../export/tar.js';
import { apiFor, sleep, startHarness, uniqueEmail, type Harness } from './harness.js';
import { startTeamsHarness, type TeamsHarness } from './teams-harness.js';
import { RawClient } from './ws-raw.js';

/**
 * The authorisation matrix: every HTTP route the server registers and every WebSocket message a client can send,
 * against every kind of caller. A route or message kind without an entry here fails the test, so nothing new ships
 * without someone deciding who may use it.
 *
 * Roles: nobody signed in; an admin of ANOTHER organisation (the strongest outsider: admin rights at home must grant
 * nothing here); a member; the organisation's admin. Destructive routes are exercised up to their confirmation
 * (a wrong organisation name, a wrong password): reaching that check proves authorisation let the caller through,
 * and the dedicated tests in data-rules.test.ts do the real deletions.
 */
type Role = 'anonymous' | 'outsider' | 'member' | 'admin';
const ROLES: Role[] = ['anonymous', 'outsider', 'member', 'admin'];
type Expect = Record<Role, number>;
const all = (status: number): Expect => ({ anonymous: status, outsider: status, member: status, admin: status });
const signedIn = (status: number): Expect => ({ anonymous: 401, outsider: status, member: status, admin: status });
const ownOrgOnly = (status: number): Expect => ({ anonymous: 401, outsider: 404, member: status, admin: status });
const adminOnly = (status: number): Expect => ({ anonymous: 401, outsider: status, member: 403, admin: status });

interface HttpCase {
  path: string;
  body?: unknown;
  /** A body per role, where the roles must be asked different things. */
  bodyFor?: (role: Role) => unknown;
  expect: Expect;
  /** Extra checks on an answer, e.g. that an outsider's list holds nothing of ours. */
  check?: (role: Role, res: Response, body: Buffer) => void;
}

describe('authorisation matrix', () => {
  let h: Harness;
  let webDist: string;
  let office: OfficeView;
  let officeB: OfficeView;
  let map: OfficeMap;
  const users = {} as Record<Exclude<Role, 'anonymous'> | 'observer' | 'probe', { id: string; email: string; password: string; orgId: string }>;
  let inviteToken: string;
  let checks = 0;

  beforeAll(async () => {
    webDist = mkdtempSync(join(tmpdir(), 'mo-web-'));
    writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>MetaOffice</title>');
    // Conversations start at once, so chat and signalling can be checked on their allowed path too.
    h = await startHarness({ WEB_DIST: webDist, CONVERSATION_STILL_MS: '0' });
    const signUp = async (key: keyof typeof users, name: string, invite?: string) => {
      const api = apiFor(h);
      const email = uniqueEmail(name.toLowerCase());
      const password = `${name.toLowerCase()}-matrix-pass`;
      const me = await api.signUp({ email, password, name, ...(invite ? { inviteToken: invite } : {}) });
      users[key] = { id: me.user.id, email, password, orgId: me.organisation.id };
      return api;
    };
    const admin = await signUp('admin', 'Admin');
    inviteToken = (await admin.createInvite()).token;
    await signUp('member', 'Member', inviteToken);
    await signUp('observer', 'Observer', inviteToken);
    await signUp('probe', 'Probe', inviteToken);
    const outsider = await signUp('outsider', 'Outsider');
    office = (await admin.listOffices())[0]!;
    officeB = (await outsider.listOffices())[0]!;
    map = OfficeMap.fromTiled(await admin.getOfficeMap(office.id));
    expect(users.outsider.orgId).not.toBe(users.admin.orgId);
  });
  afterAll(async () => {
    console.info(`authorisation matrix: ${checks} checks`);
    await h?.stop();
    rmSync(webDist, { recursive: true, force: true });
  });

  /** A fresh session per request, so routes that end sessions (sign-out, sign-in rotation) cannot spoil the next row. */
  async function cookieFor(role: Role): Promise<string | undefined> {
    if (role === 'anonymous') return undefined;
    const token = newToken();
    const now = Date.now();
    await h.server.store.sessions.create({ tokenHash: hashToken(token), userId: users[role].id, createdAt: now, expiresAt: now + 3_600_000 });
    return `${SESSION_COOKIE}=${token}`;
  }

  function httpTable(): Record<string, HttpCase> {
    const ours = [users.admin.id, users.member.id, users.observer.id, office.id];
    const noneOfOurs = (role: Role, _res: Response, body: Buffer) => {
      if (role !== 'outsider') return;
      for (const id of ours) expect(body.toString('latin1')).not.toContain(id);
    };
    const asset = readdirSync(assetsDir).find((f) => f.endsWith('.png'))!;
    const o = `/api/offices/${office.id}`;
    return {
      // Public: the app shell, its assets, API docs, operations endpoints, invite previews.
      'GET /*': { path: '/office/anything', expect: all(200) },
      'GET /maps/*': { path: `/maps/${asset}`, expect: all(200) },
      'GET /api/docs': { path: '/api/docs', expect: all(200) },
      'HEAD /api/docs/': { path: '/api/docs/', expect: all(200) },
      'GET /api/docs/static/index.html': { path: '/api/docs/static/index.html', expect: all(302) },
      'GET /api/docs/static/swagger-initializer.js': { path: '/api/docs/static/swagger-initializer.js', expect: all(200) },
      'GET /api/docs/json': { path: '/api/docs/json', expect: all(200) },
      'GET /api/docs/yaml': { path: '/api/docs/yaml', expect: all(200) },
      'GET /api/docs/static/*': { path: '/api/docs/static/swagger-ui.css', expect: all(200) },
      'GET /api/openapi.json': { path: '/api/openapi.json', expect: all(200) },
      'GET /healthz': { path: '/healthz', expect: all(200) },
      'GET /readyz': { path: '/readyz', expect: all(200) },
      'GET /metrics': { path: '/metrics', expect: all(200) },
      'GET /api/templates/:id/thumbnail.png': { path: `/api/templates/${templates[0]!.id}/thumbnail.png`, expect: all(200) },
      'GET /api/invites/:token': { path: `/api/invites/${inviteToken}`, expect: all(200) },
      // Plain HTTP on the WebSocket path: 426 Upgrade Required; the socket itself is the WebSocket matrix below.
      'GET /ws': { path: '/ws', expect: all(426) },

      // Accounts.
      'POST /api/auth/signup': { path: '/api/auth/signup', body: { email: users.probe.email, password: 'another-matrix-pass', name: 'Copy' }, expect: all(409) },
      'POST /api/auth/signin': { path: '/api/auth/signin', body: { email: users.probe.email, password: users.probe.password }, expect: all(200) },
      'POST /api/auth/signout': { path: '/api/auth/signout', expect: all(204) },
      'POST /api/auth/signout-all': { path: '/api/auth/signout-all', expect: signedIn(200) },
      'GET /api/me': { path: '/api/me', expect: signedIn(200), check: noneOfOurs },
      'GET /api/me/export': { path: '/api/me/export', expect: signedIn(200), check: noneOfOurs },
      'DELETE /api/me': { path: '/api/me', body: { password: 'not-the-password' }, expect: signedIn(403) },
      'GET /api/me/av-preferences': { path: '/api/me/av-preferences', expect: signedIn(200) },
      'PUT /api/me/av-preferences': {
        path: '/api/me/av-preferences',
        body: { speakerId: null, microphoneId: null, cameraId: null, micOnByDefault: false, cameraOnByDefault: true, prejoinDone: true },
        expect: signedIn(200),
      },
      'GET /api/me/avatar': { path: '/api/me/avatar', expect: signedIn(200) },
      'PUT /api/me/avatar': { path: '/api/me/avatar', body: { skin: 1, hair: 2, hairColour: 3, outfit: 4, outfitColour: 5, eyes: 1, glasses: 2, hat: 3 }, expect: signedIn(200) },
      'POST /api/invites': { path: '/api/invites', expect: adminOnly(201) },

      // The organisation (always the caller's own; the outsider is an admin at home).
      // The outsider names OUR organisation: it is not theirs, so nothing matches and nothing is deleted. Our admin
      // gives a wrong name: deleting for real would end the fixture (data-rules.test.ts does it).
      'DELETE /api/organisation': {
        path: '/api/organisation',
        bodyFor: (role) => ({ confirm: role === 'admin' ? 'not the organisation name' : 'Demo organisation' }),
        expect: { anonymous: 401, outsider: 400, member: 403, admin: 400 },
      },
      'GET /api/organisation/export': { path: '/api/organisation/export', expect: adminOnly(200), check: (role, _res, body) => {
        if (role !== 'outsider') return;
        const files = untar(gunzipSync(body));
        for (const [, data] of files) for (const id of ours) expect(data.toString('utf8')).not.toContain(id);
      } },

      // Offices.
      'GET /api/templates': { path: '/api/templates', expect: signedIn(200) },
      'GET /api/offices': { path: '/api/offices', expect: signedIn(200), check: noneOfOurs },
      'POST /api/offices': { path: '/api/offices', body: { name: 'Matrix office', description: '', template: templates[0]!.id }, expect: signedIn(201) },
      'GET /api/offices/:officeId': { path: o, expect: ownOrgOnly(200) },
      'GET /api/offices/:officeId/map': { path: `${o}/map`, expect: ownOrgOnly(200) },
      'GET /api/offices/:officeId/export.tar.gz': { path: `${o}/export.tar.gz`, expect: ownOrgOnly(200) },
      // An empty object is not a Tiled map: an admin gets past authorisation to the type check.
      'PUT /api/offices/:officeId/map': { path: `${o}/map`, body: {}, expect: { anonymous: 401, outsider: 404, member: 403, admin: 415 } },
      'GET /api/offices/:officeId/thumbnail.png': { path: `${o}/thumbnail.png`, expect: ownOrgOnly(200) },
      'GET /api/offices/:officeId/people': { path: `${o}/people`, expect: ownOrgOnly(200), check: noneOfOurs },
      // The office editor's lease: anyone of the organisation may ask who edits; only its admins take, renew, give back.
      'GET /api/offices/:officeId/editor': { path: `${o}/editor`, expect: ownOrgOnly(200) },
      'POST /api/offices/:officeId/editor': { path: `${o}/editor`, expect: { anonymous: 401, outsider: 404, member: 403, admin: 200 } },
      // A token nobody was granted: the admin gets past authorisation to "not your lease".
      'PUT /api/offices/:officeId/editor': { path: `${o}/editor`, body: { token: 987654321 }, expect: { anonymous: 401, outsider: 404, member: 403, admin: 409 } },
      'DELETE /api/offices/:officeId/editor': { path: `${o}/editor`, body: { token: 987654321 }, expect: { anonymous: 401, outsider: 404, member: 403, admin: 204 } },
    };
  }

  it('covers every registered HTTP route, for every role', async () => {
    const table = httpTable();
    const registered = [...new Set(h.server.routes.map((r) => `${r.method} ${r.url}`))];
    const has = (k: string) => k in table;
    // HEAD routes Fastify adds for each GET are checked with the GET's expectations.
    const missing = registered.filter((k) => !has(k) && !(k.startsWith('HEAD ') && has(`GET ${k.slice(5)}`)));
    expect(missing, 'routes without an authorisation entry').toEqual([]);
    const stale = Object.keys(table).filter((k) => !registered.includes(k));
    expect(stale, 'entries for routes that do not exist').toEqual([]);
    // Teams-mode routes exist only there: their matrix is the Teams-mode one below.
    expect(registered.filter((k) => k.includes('/api/teams/'))).toEqual([]);

    const failures: string[] = [];
    for (const key of registered) {
      const [method, url] = key.split(' ') as [string, string];
      const c = table[key] ?? table[`GET ${url}`]!;
      for (const role of ROLES) {
        const cookie = await cookieFor(role);
        const headers: Record<string, string> = {};
        if (cookie) headers.cookie = cookie;
        const payload = c.bodyFor ? c.bodyFor(role) : c.body;
        if (payload !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(h.server.url + c.path, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload), redirect: 'manual' });
        const body = Buffer.from(await res.arrayBuffer());
        checks++;
        const want = c.expect[role];
        if (res.status !== want) {
          failures.push(`${key} as ${role}: ${res.status}, expected ${want} ${body.toString('utf8').slice(0, 160)}`);
          continue;
        }
        if (res.status >= 400 && method !== 'HEAD') {
          // Every refusal is typed.
          expect(res.headers.get('content-type'), key).toContain('application/problem+json');
          const code = (JSON.parse(body.toString('utf8')) as { code: string }).code;
          expect(ErrorCodes, `${key} as ${role}`).toContain(code);
          if (res.status === 401) expect(code).toBe('UNAUTHENTICATED');
          if (res.status === 404 && key.includes(':officeId')) expect(code).toBe('NOT_FOUND');
        }
        if (method !== 'HEAD') c.check?.(role, res, body);
      }
    }
    expect(failures).toEqual([]);
    // Nothing in the matrix hurt the organisation under test.
    expect((await h.server.store.users.listByOrg(users.admin.orgId)).length).toBe(4);
    expect(await h.server.store.offices.byId(office.id)).toBeDefined();
  });

  // ---- WebSocket ---------------------------------------------------------------------------------------------------

  const kinds = [...(ClientControl.anyOf as unknown as { properties: { t: { const: string } } }[]).map((s) => s.properties.t.const), 'MOVE'];
  const inRoom = (p: TilePos) => map.zonesAt(p.x, p.y).some((z) => z.kind === 'meeting-room');
  /** Two free tiles side by side outside meeting rooms, with a walkable tile above the second to step onto. */
  function pair(): [TilePos, TilePos] {
    for (let y = 2; y < map.height - 2; y++) {
      for (let x = 2; x < map.width - 3; x++) {
        const a = { x, y };
        const b = { x: x + 1, y };
        if ([a, b, { x: x + 1, y: y - 1 }].every((p) => map.isWalkable(p.x, p.y) && !inRoom(p))) return [a, b];
      }
    }
    throw new Error('no free pair of tiles');
  }
  function stepFrom(m: OfficeMap, at: TilePos): Uint8Array {
    for (const [dx, dy, dir] of [[0, -1, 'up'], [0, 1, 'down'], [-1, 0, 'left'], [1, 0, 'right']] as [number, number, Direction][]) {
      if (m.isWalkable(at.x + dx, at.y + dy)) return encodeMove({ seq: 77, x: at.x + dx, y: at.y + dy, dir, moving: false });
    }
    throw new Error('nowhere to step');
  }

  it('covers every WebSocket message kind, for every role', async () => {
    expect(kinds).toEqual(expect.arrayContaining(['hello', 'chat.send', 'rtc.signal', 'MOVE']));
    const [p0, p1] = pair();
    const observerCookie = (await (async () => {
      const token = newToken();
      await h.server.store.sessions.create({ tokenHash: hashToken(token), userId: users.observer.id, createdAt: Date.now(), expiresAt: Date.now() + 3_600_000 });
      return `${SESSION_COOKIE}=${token}`;
    })());
    const observer = new RawClient(h.server.url, { cookie: observerCookie });
    await observer.opened;
    observer.hello(office.id, { resume: p0 });
    await observer.text((m) => m.t === 'welcome', 3000, 'the observer to join');
    const target = users.observer.id;

    const frameFor = (kind: string, officeId: string, step: Uint8Array): object | Uint8Array => {
      switch (kind) {
        case 'hello': return { t: 'hello', protocol: PROTOCOL_VERSION, officeId, viewport: { cols: 40, rows: 30 } };
        case 'viewport': return { t: 'viewport', viewport: { cols: 20, rows: 10 } };
        case 'locate': return { t: 'locate', userId: target };
        case 'teleport': return { t: 'teleport', userId: target };
        case 'spawn.set': return { t: 'spawn.set', mode: 'here' };
        // Do-not-disturb wins over being in a call, so the change shows even while in a conversation.
        case 'status.set': return { t: 'status.set', availability: 'DoNotDisturb' };
        case 'ping': return { t: 'ping', n: 7 };
        case 'roster': return { t: 'roster' };
        case 'people.watch': return { t: 'people.watch', on: true };
        case 'who': return { t: 'who', avatarIds: [1, 2, 3] };
        case 'conversation.lock': return { t: 'conversation.lock', locked: true };
        case 'rtc.signal': return { t: 'rtc.signal', to: target, signal: { kind: 'media', audio: true, video: false } };
        case 'chat.send': return { t: 'chat.send', text: `matrix chat ${kind}` };
        case 'react': return { t: 'react', emoji: '👍' };
        case 'MOVE': return step;
        default: throw new Error(`no frame for message kind "${kind}": add it to the authorisation matrix`);
      }
    };
    type Msg = Record<string, unknown>;
    type Outcome = { error: string; close?: number } | { reply: string; where?: (m: Msg, selfId: string) => boolean } | { observerHears: string } | { binary: number } | 'silent';
    const member: Record<string, Outcome> = {
      hello: { reply: 'welcome' },
      viewport: 'silent',
      locate: { reply: 'located', where: (m) => m.userId === target },
      teleport: { binary: 3 },
      'spawn.set': { reply: 'spawn' },
      'status.set': { reply: 'people', where: (m, self) => (m.changed as Msg[]).some((p) => p.userId === self && p.availability === 'DoNotDisturb') },
      ping: { reply: 'pong', where: (m) => m.n === 7 },
      roster: { reply: 'roster' },
      'people.watch': { reply: 'people', where: (m, self) => (m.changed as Msg[]).some((p) => p.userId === self) },
      who: { reply: 'who' },
      'conversation.lock': { reply: 'conversation', where: (m) => (m.conversation as Msg | null)?.locked === true },
      'rtc.signal': { observerHears: 'rtc.signal' },
      'chat.send': { observerHears: 'chat' },
      react: { reply: 'reaction' },
      MOVE: 'silent',
    };
    // In its own organisation's office, an outsider reaches nobody of ours: foreign ids are unknown, and there is no
    // conversation to speak into.
    const outsider: Record<string, Outcome> = {
      ...member,
      hello: { error: 'FORBIDDEN', close: CloseCodes.FORBIDDEN },
      locate: { error: 'PERSON_NOT_FOUND' },
      teleport: { error: 'PERSON_NOT_FOUND' },
      'conversation.lock': { error: 'NOT_IN_CONVERSATION' },
      'rtc.signal': { error: 'NOT_IN_CONVERSATION' },
      'chat.send': { error: 'NOT_IN_CONVERSATION' },
    };
    const anonymous: Record<string, Outcome> = Object.fromEntries(kinds.map((k) => [k, { error: 'UNAUTHENTICATED', close: CloseCodes.UNAUTHENTICATED }]));
    const expected: Record<Role, Record<string, Outcome>> = { anonymous, outsider, member, admin: member };
    for (const role of ROLES) expect(Object.keys(expected[role]).sort(), `WebSocket entries for ${role}`).toEqual([...kinds].sort());

    const failures: string[] = [];
    for (const role of ROLES) {
      for (const kind of kinds) {
        checks++;
        const want = expected[role][kind]!;
        const cookie = await cookieFor(role);
        const c = new RawClient(h.server.url, { cookie });
        try {
          await c.opened;
          const before = observer.heard.texts.length;
          let mark = 0;
          const selfId = role === 'anonymous' ? '' : users[role].id;
          let step = encodeMove({ seq: 77, x: p1.x, y: p1.y - 1, dir: 'up', moving: false });
          if (role === 'anonymous') {
            c.send(frameFor(kind, office.id, step));
          } else if (kind === 'hello') {
            c.send(frameFor(kind, office.id, step));
          } else {
            const own = role === 'outsider' ? officeB : office;
            c.hello(own.id, role === 'outsider' ? {} : { resume: p1 });
            const welcome = await c.text((m) => m.t === 'welcome', 3000, `${role} welcome`);
            if (role === 'outsider') {
              const self = welcome.self as TilePos;
              const mapB = (await (await fetch(`${h.server.url}/api/offices/${officeB.id}/map`, { headers: { cookie: cookie! } })).json()) as unknown;
              step = stepFrom(OfficeMap.fromTiled(mapB), self);
            } else if (['conversation.lock', 'rtc.signal', 'chat.send'].includes(kind)) {
              await c.text((m) => m.t === 'conversation' && m.conversation !== null, 3000, `${role} to stand in a conversation`);
            }
            mark = c.heard.texts.length;
            c.send(frameFor(kind, office.id, step));
          }
          if (want === 'silent') {
            await sleep(300);
            if (c.errors().length || c.heard.binaries.some((b) => b[0] === 3)) failures.push(`${kind} as ${role}: expected silence, heard ${JSON.stringify(c.errors())}`);
          } else if ('error' in want) {
            await c.text((m) => m.t === 'error' && m.code === want.error, 3000, `${kind} as ${role} → ${want.error}`).catch((e: Error) => failures.push(e.message));
            if (want.close !== undefined) {
              const closed = await c.closed().catch(() => undefined);
              if (closed?.code !== want.close) failures.push(`${kind} as ${role}: closed with ${closed?.code}, expected ${want.close}`);
            }
          } else if ('reply' in want) {
            // Only what came after the frame counts: an earlier message of the same kind proves nothing.
            const deadline = Date.now() + 3000;
            const ok = () => c.heard.texts.slice(mark).some((m) => m.t === want.reply && (want.where?.(m, selfId) ?? true));
            while (!ok() && Date.now() < deadline) await sleep(10);
            if (!ok()) failures.push(`${kind} as ${role}: no ${want.reply} answer; heard ${JSON.stringify(c.heard.texts.slice(mark).map((m) => m.t))}`);
          } else if ('observerHears' in want) {
            const deadline = Date.now() + 3000;
            while (!observer.heard.texts.slice(before).some((m) => m.t === want.observerHears) && Date.now() < deadline) await sleep(10);
            if (!observer.heard.texts.slice(before).some((m) => m.t === want.observerHears)) failures.push(`${kind} as ${role}: the observer never heard ${want.observerHears}`);
          } else {
            const deadline = Date.now() + 3000;
            while (!c.heard.binaries.some((b) => b[0] === want.binary) && Date.now() < deadline) await sleep(10);
            if (!c.heard.binaries.some((b) => b[0] === want.binary)) failures.push(`${kind} as ${role}: no binary frame of kind ${want.binary}`);
          }
          if (role === 'anonymous') expect(c.heard.texts.filter((m) => m.t !== 'error')).toEqual([]);
          if (kind === 'status.set') {
            c.send({ t: 'status.set', availability: 'Available' });
            await sleep(50);
          }
        } finally {
          c.close();
          await c.closed().catch(() => undefined);
          await sleep(20);
        }
      }
    }
    expect(failures).toEqual([]);
    // Nothing the outsider did reached our observer, not even their name in the People panel.
    expect(JSON.stringify(observer.heard.texts)).not.toContain(users.outsider.id);
    observer.close();
  });
});

/**
 * Teams mode adds the bot's messaging endpoint, which the Bot Connector service calls with the Bot Framework's JWT and
 * never with a session: every caller, signed in or not, is refused without that token and heard with it. (The
 * standalone matrix above covers every route standalone mode registers; this one covers the bot's routes.)
 */
describe('authorisation matrix, Teams mode: the bot endpoint', () => {
  const CLIENT_ID = '7d2e1f60-9f4c-4a83-b15e-4c3f2a1b0e9d';
  const ALEX = '22222222-2222-4222-8222-222222222222';
  type TeamsRole = 'anonymous' | 'teams-member';
  let fake: FakeMicrosoft;
  let h: TeamsHarness;
  const cookies: Partial<Record<TeamsRole, string>> = {};

  beforeAll(async () => {
    fake = await startFakeMicrosoft({ apps: [{ clientId: CLIENT_ID, clientSecret: 'matrix-secret' }] });
    seedDemoTenant(fake, CLIENT_ID);
    h = await startTeamsHarness(fake, { clientId: CLIENT_ID, clientSecret: 'matrix-secret' }, {
      MICROSOFT_BOT_OPENID_METADATA: fake.botFramework.openIdMetadataUrl, MICROSOFT_BOT_SERVICE_URL_HOSTS: fake.knownAuthority,
    });
    const member = await h.signIn(DEMO_TENANT_ID, ALEX);
    cookies['teams-member'] = member.cookieHeader();
    expect(cookies['teams-member']).toContain(SESSION_COOKIE);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await fake?.close();
  });

  it('covers every bot route, for every caller, with and without the Bot Framework token', async () => {
    const message = () => fake.botFramework.personalMessage({ botAppId: CLIENT_ID, tenantId: DEMO_TENANT_ID, user: { aadObjectId: ALEX }, text: 'hi' });
    const table: Record<string, { path: string; withoutBotToken: number; withBotToken: number }> = {
      'POST /api/teams/bot/messages': { path: '/api/teams/bot/messages', withoutBotToken: 401, withBotToken: 200 },
    };
    const registered = [...new Set(h.server.routes.map((r) => `${r.method} ${r.url}`))].filter((k) => k.includes('/api/teams/bot/'));
    expect(registered.sort()).toEqual(Object.keys(table).sort());
    const failures: string[] = [];
    for (const [key, c] of Object.entries(table)) {
      for (const role of ['anonymous', 'teams-member'] as const) {
        for (const withToken of [false, true]) {
          const activity = message();
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (cookies[role]) headers.cookie = cookies[role]!;
          if (withToken) headers.authorization = `Bearer ${await fake.botFramework.mintChannelToken({ appId: CLIENT_ID, serviceUrl: activity.serviceUrl! })}`;
          const res = await fetch(h.server.url + c.path, { method: key.split(' ')[0], headers, body: JSON.stringify(activity) });
          const text = await res.text();
          const want = withToken ? c.withBotToken : c.withoutBotToken;
          if (res.status !== want) failures.push(`${key} as ${role} ${withToken ? 'with' : 'without'} a bot token: ${res.status}, expected ${want} ${text.slice(0, 160)}`);
          if (res.status === 401) expect((JSON.parse(text) as { code: string }).code).toBe('UNAUTHENTICATED');
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

/**
 * The Teams tab's routes in Teams mode, for everyone who might call them: nobody, a member of the tab's team, a person
 * of another Microsoft 365 tenant, and a local (standalone) account on the same server. A route of /api/teams without
 * an entry fails the test.
 */
describe('authorisation matrix, Teams mode: the tab\'s routes', () => {
  const CLIENT_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
  const ALEX = '22222222-2222-4222-8222-222222222222';
  const OTHER_TENANT = '0b0b0c0d-1111-4222-8333-444455556666';
  const OTHER_USER = '77777777-7777-4777-8777-777777777777';
  type Role = 'anonymous' | 'team-member' | 'other-tenant' | 'local-account';
  const ROLES: Role[] = ['anonymous', 'team-member', 'other-tenant', 'local-account'];
  let fake: FakeMicrosoft;
  let h: TeamsHarness;
  const clients: Partial<Record<Role, ApiClient>> = {};
  let officeId = '';
  let leeUserId = '';

  beforeAll(async () => {
    fake = await startFakeMicrosoft({ apps: [{ clientId: CLIENT_ID, clientSecret: 'matrix-secret' }] });
    seedDemoTenant(fake, CLIENT_ID);
    fake.seed({ id: OTHER_TENANT, displayName: 'Fabrikam', users: [{ id: OTHER_USER, displayName: 'Fay Fabrikam' }], teams: [{ id: 'fab-team', displayName: 'Fab', members: [OTHER_USER] }], adminConsent: { clientId: CLIENT_ID, scopes: ['User.Read', 'User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite', 'OnlineMeetings.ReadWrite', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'] } });
    h = await startTeamsHarness(fake, { clientId: CLIENT_ID, clientSecret: 'matrix-secret' });
    const sso = (tenantId: string, userId: string) => h.signIn(tenantId, userId);
    clients['team-member'] = await sso(DEMO_TENANT_ID, ALEX);
    clients['other-tenant'] = await sso(OTHER_TENANT, OTHER_USER);
    clients['local-account'] = new ApiClient({ baseUrl: h.server.url, cookieJar: true });
    await clients['local-account'].signUp({ email: 'local@example.test', password: 'a-long-local-passphrase', name: 'Local Person' });
    clients.anonymous = new ApiClient({ baseUrl: h.server.url, cookieJar: true });
    const saved = await clients['team-member'].saveTeamsTab({ teamId: DEMO_TEAM_ID, channelId: '19:c@thread.tacv2', entityId: 'matrix', name: 'Matrix office', description: '' });
    officeId = saved.office.id;
    leeUserId = (await clients['team-member'].people(officeId)).find((p) => p.name === 'Lee Gu')!.userId;
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await fake?.close();
  });

  it('covers every /api/teams route (but the bot\'s), for every kind of caller', async () => {
    const tabQuery = () => `?${new URLSearchParams({ teamId: DEMO_TEAM_ID, channelId: '19:c@thread.tacv2', entityId: 'matrix' })}`;
    const table: Record<string, { path: () => string; body?: () => unknown; want: Record<Role, number> }> = {
      'GET /api/teams/config': { path: () => '/api/teams/config', want: { anonymous: 200, 'team-member': 200, 'other-tenant': 200, 'local-account': 200 } },
      'POST /api/teams/sso': { path: () => '/api/teams/sso', body: () => ({ token: 'eyJhbGciOiJSUzI1NiJ9.e30.not-a-real-signature' }), want: { anonymous: 401, 'team-member': 401, 'other-tenant': 401, 'local-account': 401 } },
      'GET /api/teams/tab': { path: () => `/api/teams/tab${tabQuery()}`, want: { anonymous: 401, 'team-member': 200, 'other-tenant': 200, 'local-account': 403 } },
      'PUT /api/teams/tab': { path: () => '/api/teams/tab', body: () => ({ teamId: DEMO_TEAM_ID, channelId: '19:c@thread.tacv2', entityId: 'matrix', name: 'Matrix office', description: '' }), want: { anonymous: 401, 'team-member': 200, 'other-tenant': 403, 'local-account': 403 } },
      'GET /api/teams/offices': { path: () => '/api/teams/offices', want: { anonymous: 401, 'team-member': 200, 'other-tenant': 200, 'local-account': 403 } },
      'GET /api/teams/offices/:officeId/link': { path: () => `/api/teams/offices/${officeId}/link`, want: { anonymous: 401, 'team-member': 200, 'other-tenant': 404, 'local-account': 403 } },
      'POST /api/teams/nudge': { path: () => '/api/teams/nudge', body: () => ({ officeId, userId: leeUserId, kind: 'invite' }), want: { anonymous: 401, 'team-member': 200, 'other-tenant': 404, 'local-account': 403 } },
      // Graph's webhooks: no session at all, authenticated by each subscription's clientState (none here: ignored).
      'POST /api/teams/notifications': { path: () => '/api/teams/notifications', body: () => ({ value: [] }), want: { anonymous: 202, 'team-member': 202, 'other-tenant': 202, 'local-account': 202 } },
      'POST /api/teams/notifications/lifecycle': { path: () => '/api/teams/notifications/lifecycle', body: () => ({ value: [] }), want: { anonymous: 202, 'team-member': 202, 'other-tenant': 202, 'local-account': 202 } },
    };
    const registered = [...new Set(h.server.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))].filter((k) => k.includes('/api/teams/') && !k.includes('/api/teams/bot/'));
    expect(registered.sort()).toEqual(Object.keys(table).sort());
    const failures: string[] = [];
    for (const [key, c] of Object.entries(table)) {
      for (const role of ROLES) {
        const headers: Record<string, string> = {};
        const cookie = clients[role]!.cookieHeader();
        if (cookie) headers.cookie = cookie;
        const body = c.body?.();
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(h.server.url + c.path(), { method: key.split(' ')[0], headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        if (res.status !== c.want[role]) failures.push(`${key} as ${role}: ${res.status}, expected ${c.want[role]} ${(await res.text()).slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    // The other tenant's person never learns the tab's office: their tab lookup is empty.
    expect((await clients['other-tenant']!.teamsTab({ teamId: DEMO_TEAM_ID, channelId: '19:c@thread.tacv2', entityId: 'matrix' })).office).toBeNull();
    // A local account is its own organisation, never the tenant's: the first sign-up does not join a Teams tenant.
    expect((await clients['local-account']!.me()).organisation.name).not.toMatch(/contoso/i);
  });
});

