import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfficeView } from '@metaoffice/protocol';
import type { OfficeConnection } from '@metaoffice/client';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import { apiFor, connect, sleep, startHarness, uniqueEmail, until, type Harness } from './harness.js';

/** Walk-up conversations, meeting rooms, signalling and chat, through the SDK against a real server. */
describe('conversations', () => {
  let h: Harness;
  let office: OfficeView;
  let map: OfficeMap;
  const people: { api: ReturnType<typeof apiFor>; id: string; name: string }[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const admin = apiFor(h);
    const me = await admin.signUp({ email: uniqueEmail('ann'), password: 'password-1', name: 'Ann' });
    people.push({ api: admin, id: me.user.id, name: 'Ann' });
    const invite = await admin.createInvite();
    for (const name of ['Ben', 'Cat', 'Dan', 'Eve', 'Fay']) {
      const api = apiFor(h);
      const m = await api.signUp({ email: uniqueEmail(name), password: 'password-1', name, inviteToken: invite.token });
      people.push({ api, id: m.user.id, name });
    }
    office = (await admin.listOffices())[0]!;
    map = OfficeMap.fromTiled(await admin.getOfficeMap(office.id));
  });
  afterAll(async () => h?.stop());

  const inRoom = (x: number, y: number) => map.zonesAt(x, y).some((z) => z.kind === 'meeting-room');
  /** A horizontal run of n walkable tiles outside meeting rooms, with walkable tiles above it to step away onto. */
  function openStrip(n: number): TilePos[] {
    for (let y = 2; y < map.height - 2; y++) {
      for (let x = 2; x < map.width - n - 2; x++) {
        const run = Array.from({ length: n }, (_, i) => ({ x: x + i, y }));
        if (run.every((p) => map.isWalkable(p.x, p.y) && !inRoom(p.x, p.y) && map.isWalkable(p.x, p.y - 1) && map.isWalkable(p.x, p.y - 2) && !inRoom(p.x, p.y - 2))) return run;
      }
    }
    throw new Error('no open strip on the map');
  }
  const join = async (i: number, at: TilePos): Promise<OfficeConnection> => {
    const c = connect(h, people[i]!.api, office.id, { startAt: at, viewport: { cols: 60, rows: 40 } });
    await until(() => c.state === 'open', 5000, `${people[i]!.name} to join`);
    expect(c.self).toMatchObject(at);
    return c;
  };
  const members = (c: OfficeConnection) => (c.conversation?.members.map((m) => m.userId) ?? []).sort();
  const ids = (...i: number[]) => i.map((n) => people[n]!.id).sort();

  it('form when two stand still side by side, grow along a chain, lock, and end when the chain breaks', async () => {
    const [p0, p1, p2, p3] = openStrip(4) as [TilePos, TilePos, TilePos, TilePos];
    const ann = await join(0, p0);
    const ben = await join(1, p1);
    await until(() => members(ann).length === 2 && members(ben).length === 2, 3000, 'Ann and Ben to be in a conversation');
    expect(ann.conversation).toMatchObject({ kind: 'walkup', locked: false });
    expect(members(ann)).toEqual(ids(0, 1));
    // In a call: Busy / InACall for everyone's panel.
    await until(() => ann.people.get(people[1]!.id)?.activity === 'InACall', 3000, 'Ben to show InACall');
    expect(ann.people.get(people[1]!.id)?.availability).toBe('Busy');

    const cat = await join(2, p2);
    await until(() => members(cat).length === 3 && members(ann).length === 3, 3000, 'Cat to join the chain');
    expect(members(ben)).toEqual(ids(0, 1, 2));

    // Signalling and chat reach members only; a stranger can send neither.
    const dan = await join(3, { x: p3.x, y: p3.y - 2 });
    const catSignals: string[] = [];
    cat.on('signal', (from, s) => catSignals.push(`${from}:${s.kind}`));
    const danChats: string[] = [];
    dan.on('chat', (m) => danChats.push(m.text));
    const benChats: string[] = [];
    ben.on('chat', (m) => benChats.push(`${m.name}:${m.text}`));
    const danErrors: string[] = [];
    dan.on('error', (e) => danErrors.push(e.code));
    const annSignals: string[] = [];
    ann.on('signal', (from) => annSignals.push(from));

    ann.signal(people[2]!.id, { kind: 'media', audio: true, video: false });
    ann.sendChat('hello <b>team</b>');
    dan.signal(people[0]!.id, { kind: 'description', description: { type: 'offer', sdp: 'v=0' } });
    dan.sendChat('let me in');
    await until(() => catSignals.length === 1 && benChats.length === 1 && danErrors.length === 2, 3000, 'relays and refusals');
    expect(catSignals).toEqual([`${people[0]!.id}:media`]);
    expect(benChats).toEqual(['Ann:hello <b>team</b>']); // text stays text
    expect(danErrors).toEqual(['NOT_IN_CONVERSATION', 'NOT_IN_CONVERSATION']);
    await sleep(200);
    expect(annSignals).toEqual([]);
    expect(danChats).toEqual([]);

    // Lock: Dan steps next to Cat and is refused with the reason.
    ann.lockConversation(true);
    await until(() => cat.conversation?.locked === true, 3000, 'the lock to reach Cat');
    dan.step(p3.x, p3.y - 1, 'down', true);
    await sleep(300);
    dan.step(p3.x, p3.y, 'down', false);
    await until(() => danErrors.includes('CONVERSATION_LOCKED'), 3000, 'Dan to be refused');
    expect(dan.conversation).toBeNull();
    expect(members(ann)).toEqual(ids(0, 1, 2));

    // Ben, the middle of the chain, walks away: Ann and Cat are no longer next to any member, so the locked call
    // ends; Cat and Dan, still side by side, then start a fresh one.
    const lockedId = ann.conversation!.id;
    ben.step(p1.x, p1.y - 1, 'up', true);
    await sleep(300);
    ben.step(p1.x, p1.y - 2, 'up', false);
    await until(() => ann.conversation === null && ben.conversation === null, 3000, 'the conversation to end');
    await until(() => members(cat).join() === ids(2, 3).join() && members(dan).join() === ids(2, 3).join(), 3000, 'Cat and Dan to start their own');
    expect(cat.conversation!.id).not.toBe(lockedId);
    expect(cat.conversation!.locked).toBe(false);
    await until(() => ann.people.get(people[1]!.id)?.availability === 'Available', 3000, 'Ben to be Available again');
    for (const c of [ann, ben, cat, dan]) c.close();
  });

  it('walking past does not ring anybody', async () => {
    const strip = openStrip(5);
    const row = strip[0]!.y - 1;
    const ann = await join(0, strip[2]!);
    const ben = await join(1, { x: strip[0]!.x, y: row });
    const seen: (string | null)[] = [];
    ben.on('conversation', (c) => seen.push(c?.id ?? null));
    ann.on('conversation', (c) => seen.push(c?.id ?? null));
    // Ben walks along the row above Ann at walking speed, three of those tiles next to her, and stops past her.
    for (let i = 1; i < 5; i++) {
      ben.step(strip[i]!.x, row, 'right', i < 4);
      await sleep(260);
    }
    await sleep(600);
    expect(ben.self).toMatchObject({ x: strip[4]!.x, y: row });
    expect(seen).toEqual([]);
    ann.close();
    ben.close();
  });

  it('a person in Focus is never joined, and the other is told why', async () => {
    const [p0, p1] = openStrip(2) as [TilePos, TilePos];
    const ann = await join(0, p0);
    ann.setStatus('DoNotDisturb');
    await sleep(150);
    const ben = await join(1, p1);
    const errors: string[] = [];
    ben.on('error', (e) => errors.push(e.code));
    await until(() => errors.includes('PERSON_IN_FOCUS'), 3000, 'Ben to be told Ann is in Focus');
    expect(ann.conversation).toBeNull();
    expect(ben.conversation).toBeNull();
    ann.setStatus('Available');
    await until(() => members(ann).length === 2, 3000, 'the call to start once Ann leaves Focus');
    ann.close();
    ben.close();
  });

  it('a meeting room is one call wherever people stand in it', async () => {
    const room = map.zones.find((z) => z.kind === 'meeting-room' && (z.capacity ?? 99) >= 3)!;
    const tiles: TilePos[] = [];
    for (let y = room.y; y < room.y + room.height; y++) for (let x = room.x; x < room.x + room.width; x++) if (map.isWalkable(x, y)) tiles.push({ x, y });
    const a = tiles[0]!;
    const b = tiles.at(-1)!;
    expect(Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y))).toBeGreaterThan(1);
    const eve = await join(4, a);
    await sleep(400);
    expect(eve.conversation).toBeNull(); // alone in a room is not a call
    const fay = await join(5, b);
    await until(() => members(eve).length === 2 && members(fay).length === 2, 3000, 'the room call');
    expect(eve.conversation).toMatchObject({ kind: 'room', roomId: room.id, roomName: room.name });
    fay.close();
    await until(() => eve.conversation === null, 3000, 'the room call to end with the last but one');
    eve.close();
  });

  it('a reaction is seen by everyone who has the avatar in view, and nobody else', async () => {
    const [p0, p1] = openStrip(2) as [TilePos, TilePos];
    const ann = await join(0, p0);
    const ben = await join(1, { x: p1.x, y: p1.y - 2 });
    // Far away with a tiny viewport: Cat cannot see Ann.
    const far = [...Array(map.height).keys()].flatMap((y) => [...Array(map.width).keys()].map((x) => ({ x, y }))).find((t) => map.isWalkable(t.x, t.y) && Math.abs(t.x - p0.x) + Math.abs(t.y - p0.y) > 30)!;
    const cat = connect(h, people[2]!.api, office.id, { startAt: far, viewport: { cols: 4, rows: 4 } });
    await until(() => cat.state === 'open' && ben.avatars.size > 0, 5000, 'everyone to be placed');
    const seen: Record<string, string[]> = { ann: [], ben: [], cat: [] };
    ann.on('reaction', (id, e) => seen.ann!.push(`${id}:${e}`));
    ben.on('reaction', (id, e) => seen.ben!.push(`${id}:${e}`));
    cat.on('reaction', (id, e) => seen.cat!.push(`${id}:${e}`));
    ann.react('🎉');
    const expected = `${ann.self!.avatarId}:🎉`;
    await until(() => seen.ann!.length === 1 && seen.ben!.length === 1, 3000, 'the burst to reach Ann and Ben');
    await sleep(200);
    expect(seen).toEqual({ ann: [expected], ben: [expected], cat: [] });
    ann.sendRaw(JSON.stringify({ t: 'react', emoji: '💣' }));
    await sleep(200);
    expect(seen.ben).toHaveLength(1);
    for (const c of [ann, ben, cat]) c.close();
  });

  it('throttles a flooding client with a clear error, then disconnects it, while others keep walking on time', async () => {
    const [p0, p1] = openStrip(2) as [TilePos, TilePos];
    const ann = await join(0, p0);
    const ben = await join(1, p1);
    await until(() => members(ann).length === 2, 3000, 'a conversation to flood');
    const cat = await join(2, { x: p0.x, y: p0.y - 2 });
    const errors: string[] = [];
    ann.on('error', (e) => errors.push(e.code));
    const closed = waitForClose(ann);

    // An oversized signal is refused before parsing; an SDP over the schema's limit is refused by validation.
    ann.signal(people[1]!.id, { kind: 'description', description: { type: 'offer', sdp: 'x'.repeat(25_000) } });
    await until(() => errors.includes('VALIDATION_FAILED'), 3000, 'the oversized SDP to be refused');

    // Cat walks while Ann floods; Cat's steps must still reach Ben promptly.
    const delays: number[] = [];
    ben.on('move', (m) => {
      if (m.avatarId === cat.self!.avatarId && sentAt.has(`${m.x},${m.y}`)) delays.push(performance.now() - sentAt.get(`${m.x},${m.y}`)!);
    });
    const sentAt = new Map<string, number>();
    const flood = setInterval(() => {
      for (let i = 0; i < 50; i++) ann.sendChat('spam');
    }, 5);
    let x = p0.x;
    for (let i = 0; i < 6; i++) {
      const nx = map.isWalkable(x + 1, p0.y - 2) ? x + 1 : x - 1;
      sentAt.set(`${nx},${p0.y - 2}`, performance.now());
      cat.step(nx, p0.y - 2, 'right', i < 5);
      x = nx;
      await sleep(260);
    }
    const code = await closed;
    clearInterval(flood);
    expect(errors).toContain('RATE_LIMITED');
    expect(code).toBe(4004);
    expect(delays.length).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThan(500);
    for (const c of [ben, cat]) c.close();
  });
});

function waitForClose(c: OfficeConnection): Promise<number> {
  return new Promise((resolve) => {
    const off = c.on('state', (s, info) => {
      if (s === 'closed' || s === 'reconnecting') {
        off();
        c.close();
        resolve(info?.code ?? 0);
      }
    });
  });
}
