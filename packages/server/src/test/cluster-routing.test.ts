import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfficeView } from '@metaoffice/protocol';
import { CloseCodes, type OfficeConnection } from '@metaoffice/client';
import { PG_URL, apiFor, connect, pgAdmin, startHarness, uniqueEmail, until, type Harness } from './harness.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two cluster nodes in one process, on the real PostgreSQL and Redis: a connection reaching the node that does not run
 * the office is forwarded to the one that does, and changes made through one node reach connections on the other.
 * (Failover with real processes and kill -9 is cluster.test.ts.)
 */
describe('cluster routing', () => {
  const schema = `mo_route_${process.pid}_${Date.now().toString(36)}`;
  const prefix = `mo-test-${randomBytes(4).toString('hex')}:`;
  let a: Harness;
  let b: Harness;
  let office: OfficeView;
  const redis = new Redis(REDIS_URL);
  const conns: OfficeConnection[] = [];

  beforeAll(async () => {
    await pgAdmin(`CREATE SCHEMA ${schema}`);
    const env = { DATABASE_URL: `${PG_URL}?schema=${schema}`, REDIS_URL, REDIS_KEY_PREFIX: prefix, SECRETS_KEY: randomBytes(32).toString('base64'), SEED_DEMO: 'false', PASSWORD_COST: '10' };
    a = await startHarness({ ...env, NODE_ID: 'node-a' });
    b = await startHarness({ ...env, NODE_ID: 'node-b' });
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await a?.stop();
    await b?.stop();
    await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('both nodes are ready and say who they are', async () => {
    for (const [h, id] of [[a, 'node-a'], [b, 'node-b']] as const) {
      const r = await fetch(`${h.server.url}/readyz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: 'ready', database: 'ok', redis: 'ok', node: id });
    }
  });

  it('a connection through the other node is forwarded to the owner, both ways, and a sign-out on either node cuts it', async () => {
    const ann = apiFor(a);
    const me = await ann.signUp({ email: uniqueEmail('ann'), password: 'password-1', name: 'Ann' });
    const invite = await ann.createInvite();
    // Ben signs up through the other node: accounts live in the shared database.
    const ben = apiFor(b);
    const benMe = await ben.signUp({ email: uniqueEmail('ben'), password: 'password-1', name: 'Ben', inviteToken: invite.token });
    office = await ann.createOffice({ name: 'Shared', description: '', template: 'open-office' });

    const annConn = connect(a, ann, office.id);
    conns.push(annConn);
    await until(() => annConn.self !== undefined, 10_000, 'Ann in the office');
    // Node A took the office's lease when Ann said hello.
    expect(await redis.get(`${prefix}lease:office:${office.id}`)).toMatch(/^node-a:\d+$/);

    const benConn = connect(b, ben, office.id, { startAt: { x: annConn.self!.x + 1, y: annConn.self!.y } });
    conns.push(benConn);
    await until(() => benConn.self !== undefined, 10_000, 'Ben in the office');
    // Ben's engine is node A's: node B runs no engine and holds nothing.
    expect(a.server.registry.online(office.id)).toBe(2);
    expect(b.server.registry.online(office.id)).toBe(0);
    expect(b.server.coordination.ownership.owned()).toEqual([]);
    await until(() => [...benConn.avatars.values()].some((v) => v.userId === me.user.id), 5000, 'Ben sees Ann');
    await until(() => [...annConn.avatars.values()].some((v) => v.userId === benMe.user.id), 5000, 'Ann sees Ben');

    // A step by Ben (through node B) reaches Ann (on node A).
    const target = { x: benConn.self!.x, y: benConn.self!.y + 1 };
    benConn.step(target.x, target.y, 'down', false);
    await until(() => [...annConn.avatars.values()].some((v) => v.userId === benMe.user.id && v.x === target.x && v.y === target.y), 5000, 'Ann sees Ben step');

    // Ben signs out everywhere through node A; his connection enters through node B and lives on A: it ends, for good.
    const closed = new Promise<{ code: number }>((resolve) => benConn.on('state', (s, info) => s === 'closed' && resolve({ code: info?.code ?? 0 })));
    await ben.signOutEverywhere();
    expect((await closed).code).toBe(CloseCodes.UNAUTHENTICATED);
  });

  it('the People panel shows people in offices run by the other node', async () => {
    const cat = apiFor(a);
    const catMe = await cat.signUp({ email: uniqueEmail('cat'), password: 'password-1', name: 'Cat' });
    const invite = await cat.createInvite();
    const dan = apiFor(b);
    const danMe = await dan.signUp({ email: uniqueEmail('dan'), password: 'password-1', name: 'Dan', inviteToken: invite.token });
    const first = await cat.createOffice({ name: 'First', description: '', template: 'open-office' });
    const second = await cat.createOffice({ name: 'Second', description: '', template: 'open-office' });
    const catConn = connect(a, cat, first.id);
    const danConn = connect(b, dan, second.id);
    conns.push(catConn, danConn);
    await until(() => catConn.self !== undefined && danConn.self !== undefined, 10_000, 'both in their offices');
    expect(await redis.get(`${prefix}lease:office:${first.id}`)).toMatch(/^node-a:/);
    expect(await redis.get(`${prefix}lease:office:${second.id}`)).toMatch(/^node-b:/);
    // Live, over the socket: each sees the other in the other office.
    await until(() => catConn.people.get(danMe.user.id)?.officeId === second.id, 5000, 'Cat sees Dan in Second');
    await until(() => danConn.people.get(catMe.user.id)?.officeId === first.id, 5000, 'Dan sees Cat in First');
    // And over HTTP, from either node, with the office's head count.
    const people = await cat.people(first.id);
    expect(people.find((p) => p.userId === danMe.user.id)).toMatchObject({ officeId: second.id, availability: 'Available' });
    const offices = await dan.listOffices();
    expect(offices.find((o) => o.id === first.id)?.online).toBe(1);
    expect(offices.find((o) => o.id === second.id)?.online).toBe(1);
    // Dan leaves: Cat's panel shows him offline.
    danConn.close();
    await until(() => catConn.people.get(danMe.user.id)?.availability === 'Offline', 5000, 'Cat sees Dan go');
    catConn.close();
  });

  it('a person who floods through one node is throttled on the other node too', async () => {
    const eve = apiFor(a);
    await eve.signUp({ email: uniqueEmail('eve'), password: 'password-1', name: 'Eve' });
    const first = await eve.createOffice({ name: 'Flood', description: '', template: 'open-office' });
    const second = await eve.createOffice({ name: 'Calm', description: '', template: 'open-office' });
    const onA = connect(a, eve, first.id);
    conns.push(onA);
    await until(() => onA.self !== undefined, 10_000, 'Eve in Flood');
    expect(await redis.get(`${prefix}lease:office:${first.id}`)).toMatch(/^node-a:/);
    const errorsA: string[] = [];
    onA.on('error', (e) => errorsA.push(e.code));
    // Reactions are budgeted at 3 a second: 200 at once is a flood.
    for (let i = 0; i < 200; i++) onA.react('👍');
    await until(() => errorsA.includes('RATE_LIMITED'), 5000, 'Eve throttled on node A');
    // Node A reports the flood to Redis within a report tick (250 ms), and the shared limiter records a block.
    const deadline = Date.now() + 5000;
    for (;;) {
      const keys = await redis.keys(`${prefix}frames:chat*`);
      const counts = await Promise.all(keys.map((k) => redis.get(k)));
      // The chat budget is 40 a window; a count over it is the block.
      if (counts.some((c) => Number(c) > 40)) break;
      if (Date.now() > deadline) throw new Error('no cluster-wide block recorded in Redis');
      await new Promise((r) => setTimeout(r, 50));
    }

    // Her next connection, to an office node B runs, starts out blocked: one reaction is refused.
    const eveOnB = connect(b, eve, second.id);
    conns.push(eveOnB);
    await until(() => eveOnB.self !== undefined, 10_000, 'Eve in Calm');
    expect(await redis.get(`${prefix}lease:office:${second.id}`)).toMatch(/^node-b:/);
    const errorsB: string[] = [];
    eveOnB.on('error', (e) => errorsB.push(e.code));
    eveOnB.react('👍');
    await until(() => errorsB.includes('RATE_LIMITED'), 5000, 'Eve throttled on node B');
    // Someone else in the same office on node B is not affected.
    const invite = await eve.createInvite();
    const fay = apiFor(b);
    await fay.signUp({ email: uniqueEmail('fay'), password: 'password-1', name: 'Fay', inviteToken: invite.token });
    const fayOnB = connect(b, fay, second.id);
    conns.push(fayOnB);
    await until(() => fayOnB.self !== undefined, 10_000, 'Fay in Calm');
    const errorsFay: string[] = [];
    fayOnB.on('error', (e) => errorsFay.push(e.code));
    const seen: string[] = [];
    // The server echoes an accepted reaction to its sender.
    fayOnB.on('reaction', (_id, emoji) => seen.push(emoji));
    fayOnB.react('🎉');
    await until(() => seen.includes('🎉'), 5000, "Fay's reaction accepted");
    expect(errorsFay).toEqual([]);
    fayOnB.close();
    eveOnB.close();
    onA.close();
  });

  it('a map saved and an avatar chosen through the node that does not run the office reach the people in it', async () => {
    const email = uniqueEmail('gil');
    const gil = apiFor(a);
    await gil.signUp({ email, password: 'password-1', name: 'Gil' });
    const invite = await gil.createInvite();
    const hal = apiFor(b);
    const halMe = await hal.signUp({ email: uniqueEmail('hal'), password: 'password-1', name: 'Hal', inviteToken: invite.token });
    const room = await gil.createOffice({ name: 'Drawing room', description: '', template: 'open-office' });
    const gilOnA = connect(a, gil, room.id);
    conns.push(gilOnA);
    await until(() => gilOnA.self !== undefined, 10_000, 'Gil in the office');
    expect(a.server.registry.online(room.id)).toBe(1);
    expect(b.server.registry.get(room.id)).toBeUndefined();

    // Gil saves the map from the editor through node B: node A runs the office, so it hears of the save over the
    // cluster bus (`office.map`), switches the engine to the new map and tells everyone in the office.
    const gilOnB = apiFor(b);
    await gilOnB.signIn({ email, password: 'password-1' });
    const { map, version } = await gilOnB.getOfficeMapVersion(room.id);
    const versions: number[] = [];
    gilOnA.on('map', (v) => versions.push(v));
    const saved = await gilOnB.saveOfficeMap(room.id, map, version!);
    expect(saved.mapVersion).toBe(version! + 1);
    await until(() => versions.includes(saved.mapVersion), 5000, 'Gil (on node A) told of the map saved through node B');
    expect((await gil.getOfficeMapVersion(room.id, saved.mapVersion)).version).toBe(saved.mapVersion);

    // Hal, whose connection enters through node B and is forwarded to A, chooses a new avatar through node B: the
    // engine on A learns it over the bus (`avatar`) and Gil sees it.
    const halOnB = connect(b, hal, room.id);
    conns.push(halOnB);
    await until(() => halOnB.self !== undefined, 10_000, 'Hal in the office');
    await until(() => [...gilOnA.avatars.values()].some((v) => v.userId === halMe.user.id), 10_000, 'Gil sees Hal');
    const next = { skin: 2, hair: 5, hairColour: 3, outfit: 1, outfitColour: 4, eyes: 1, glasses: 2, hat: 0 };
    const seen: unknown[] = [];
    gilOnA.on('update', (v) => v.userId === halMe.user.id && seen.push(v.avatar));
    await hal.saveAvatar(next);
    await until(() => seen.length > 0, 5000, 'Gil (on node A) told of Hal\'s avatar saved through node B');
    expect(seen.at(-1)).toEqual(next);
    halOnB.close();
    gilOnA.close();
  });

  it('when the owner gives the office up, its people are sent on and land on the new owner where they stood', async () => {
    const annConn = conns[0]!;
    const before = { x: annConn.self!.x, y: annConn.self!.y };
    // Simulate a lost lease: what node A does when its renewals did not get through in time.
    await a.server.coordination.ownership.release(office.id);
    a.server.gateway.evictOffice(office.id);
    a.server.registry.remove(office.id);
    await until(() => annConn.state === 'reconnecting', 5000, 'Ann told to reconnect');
    await until(() => annConn.state === 'open' && annConn.self !== undefined, 15_000, 'Ann back');
    expect({ x: annConn.self!.x, y: annConn.self!.y }).toEqual(before);
  });
});
