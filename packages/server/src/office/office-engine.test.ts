import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryKind, decodeAoi, decodeCorrection, decodeWorld } from '@metaoffice/protocol';
import { OfficeMap, tiledFromAscii } from '@metaoffice/world';
import { OfficeEngine, type ClientSink, type Member } from './office-engine.js';

/** A client stand-in that decodes what the engine sends it and keeps its own mirror, as the SDK does. */
class RecordingSink implements ClientSink {
  /** Avatars in and out of view, frame by frame (from the binary AOI frames). */
  aoi: { enter: number[]; leave: number[] }[] = [];
  binaries: Uint8Array[] = [];
  mirror = new Map<number, { x: number; y: number }>();
  availability = new Map<number, string>();
  corrections: ReturnType<typeof decodeCorrection>[] = [];
  /** Clients sharing a window share one world frame, which may carry their own step back; the SDK skips it. */
  selfId = -1;
  sendText(_text: string): void {
    // Errors and call state; the mirror is kept from the binary frames alone.
  }
  sendBinary(bytes: Uint8Array): void {
    this.binaries.push(bytes);
    if (bytes[0] === BinaryKind.AOI) {
      const { enters, leaves, updates } = decodeAoi(bytes);
      this.aoi.push({ enter: enters.map((e) => e.avatarId), leave: leaves });
      for (const id of leaves) {
        expect(this.mirror.has(id)).toBe(true); // never told to forget an avatar it was not told about
        this.mirror.delete(id);
      }
      for (const e of enters) {
        expect(this.mirror.has(e.avatarId)).toBe(false); // never told twice
        this.mirror.set(e.avatarId, { x: e.x, y: e.y });
        this.availability.set(e.avatarId, e.availability);
      }
      for (const u of updates) if (this.mirror.has(u.avatarId) || u.avatarId === this.selfId) this.availability.set(u.avatarId, u.availability);
    } else if (bytes[0] === BinaryKind.WORLD) {
      for (const m of decodeWorld(bytes).moves) {
        if (m.avatarId === this.selfId) continue;
        expect(this.mirror.has(m.avatarId)).toBe(true); // never a move for an avatar the client was not told about
        this.mirror.set(m.avatarId, { x: m.x, y: m.y });
      }
    } else if (bytes[0] === BinaryKind.CORRECTION) this.corrections.push(decodeCorrection(bytes));
  }
}

// A 60x12 open hall: wide enough that two people at opposite ends cannot see each other with a small viewport.
const hall = OfficeMap.fromTiled(tiledFromAscii(['#'.repeat(60), ...Array.from({ length: 10 }, () => '#' + 'S'.repeat(58) + '#'), '#'.repeat(60)]));
const member = (userId: string): Member => ({ userId, name: userId, look: 0, availability: 'Available', activity: 'Available' });
let clock = 0;
const engine = () => new OfficeEngine('o1', hall, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 2, resumeGraceMs: 60_000, now: () => clock });
const view = { cols: 10, rows: 6 };
function joinAs(e: OfficeEngine, ...args: Parameters<OfficeEngine['join']>) {
  const info = e.join(...args);
  if (args[2] instanceof RecordingSink) args[2].selfId = info.avatarId;
  return info;
}

describe('OfficeEngine', () => {
  it('sends a client only the avatars around its viewport, and forgets those that walk away', () => {
    const e = engine();
    const near = new RecordingSink();
    const far = new RecordingSink();
    const walker = new RecordingSink();
    joinAs(e, member('near'), { mode: 'default', resume: { x: 5, y: 5 } }, near, view);
    joinAs(e, member('far'), { mode: 'default', resume: { x: 55, y: 5 } }, far, view);
    const w = joinAs(e, member('walker'), { mode: 'default', resume: { x: 6, y: 5 } }, walker, view);
    e.tick();
    expect([...near.mirror.keys()]).toEqual([w.avatarId]);
    expect(far.mirror.size).toBe(0);

    // Walk east, one legal step per 250 ms, ticking as the server does.
    for (let x = 7; x <= 50; x++) {
      clock += 250;
      expect(e.handleMove(w.avatarId, { seq: x, x, y: 5, dir: 'right', moving: x < 50 })).toEqual({ ok: true });
      e.tick();
    }
    expect(near.mirror.has(w.avatarId)).toBe(false);
    expect(far.mirror.get(w.avatarId)).toEqual({ x: 50, y: 5 });
    expect(near.aoi.some((m) => m.leave.includes(w.avatarId))).toBe(true);
  });

  it('rejects illegal steps with a correction and does not move the avatar', () => {
    const e = engine();
    const s = new RecordingSink();
    const a = joinAs(e, member('a'), { mode: 'default', resume: { x: 1, y: 1 } }, s, view);
    clock += 1000;
    expect(e.handleMove(a.avatarId, { seq: 1, x: 0, y: 1, dir: 'left', moving: false })).toEqual({ ok: false, reason: 'blocked' });
    expect(e.handleMove(a.avatarId, { seq: 2, x: 3, y: 1, dir: 'right', moving: false })).toEqual({ ok: false, reason: 'not-adjacent' });
    expect(e.positionOf(a.avatarId)).toMatchObject({ x: 1, y: 1 });
    expect(s.corrections.map((c) => [c.seq, c.reason, c.x, c.y])).toEqual([[1, 'blocked', 1, 1], [2, 'not-adjacent', 1, 1]]);
  });

  it('every client mirror matches the truth for everything in its view, whatever people do (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 5 }), dir: fc.constantFrom<'up' | 'down' | 'left' | 'right'>('up', 'down', 'left', 'right'), dt: fc.integer({ min: 0, max: 400 }) }), { maxLength: 200 }),
        (actions) => {
          const e = engine();
          const sinks = Array.from({ length: 6 }, () => new RecordingSink());
          const ids = sinks.map((s, i) => joinAs(e, member(`u${i}`), { mode: 'default', resume: { x: 2 + i * 9, y: 2 + (i % 3) * 3 } }, s, view).avatarId);
          for (const act of actions) {
            clock += act.dt;
            const p = e.positionOf(ids[act.who]!)!;
            const d = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] }[act.dir];
            e.handleMove(ids[act.who]!, { seq: 1, x: Math.max(0, p.x + d[0]!), y: Math.max(0, p.y + d[1]!), dir: act.dir, moving: false });
            if (act.dt > 50) e.tick();
          }
          e.tick();
          sinks.forEach((s, i) => {
            const me = e.positionOf(ids[i]!)!;
            for (const [id, seen] of s.mirror) {
              const truth = e.positionOf(id)!;
              expect(seen).toEqual({ x: truth.x, y: truth.y });
            }
            // Anyone within the bare viewport must be in the mirror.
            ids.forEach((other, j) => {
              if (j === i) return;
              const o = e.positionOf(other)!;
              if (Math.abs(o.x - me.x) <= 4 && Math.abs(o.y - me.y) <= 2) expect(s.mirror.has(other)).toBe(true);
            });
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('teleports next to a person onto a free tile and resumes a recent leaver in place', () => {
    const e = engine();
    const a = joinAs(e, member('a'), { mode: 'default', resume: { x: 10, y: 5 } }, new RecordingSink(), view);
    const bs = new RecordingSink();
    const b = joinAs(e, member('b'), { mode: 'default', resume: { x: 40, y: 5 } }, bs, view);
    expect(e.teleportNextTo(b.avatarId, 'a')).toBe('ok');
    const p = e.positionOf(b.avatarId)!;
    expect(Math.abs(p.x - 10) + Math.abs(p.y - 5)).toBe(1);
    expect(bs.corrections.at(-1)).toMatchObject({ reason: 'teleport', x: p.x, y: p.y });
    expect(e.teleportNextTo(b.avatarId, 'nobody')).toBe('PERSON_NOT_FOUND');

    e.leave(a.avatarId);
    const again = joinAs(e, member('a'), { mode: 'default' }, new RecordingSink(), view);
    expect(again).toMatchObject({ x: 10, y: 5 });
  });

  it('spawns at the saved point when asked, else on a spawn tile', () => {
    const e = engine();
    expect(joinAs(e, member('s'), { mode: 'saved', saved: { x: 30, y: 8 } }, new RecordingSink(), view)).toMatchObject({ x: 30, y: 8 });
    const d = joinAs(e, member('d'), { mode: 'default', saved: { x: 30, y: 8 } }, new RecordingSink(), view);
    expect(hall.isWalkable(d.x, d.y)).toBe(true);
    // A saved point that became a wall falls back to a spawn tile.
    expect(hall.isWalkable(joinAs(e, member('w'), { mode: 'saved', saved: { x: 0, y: 0 } }, new RecordingSink(), view).x, 1)).toBe(true);
  });

  it('refuses a step into a full meeting room with a correction and ROOM_FULL, and lets people in once there is space', () => {
    const roomMap = OfficeMap.fromTiled(
      tiledFromAscii(['#########', '#SSS....#', '#.......#', '#.......#', '#########'], {
        zones: [{ kind: 'meeting-room', x: 5, y: 1, width: 3, height: 3, name: 'Tiny room', capacity: 2 }],
      }),
    );
    const e = new OfficeEngine('o2', roomMap, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 2, resumeGraceMs: 0, now: () => clock });
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    const texts: string[][] = [[], [], []];
    sinks.forEach((s, i) => {
      const orig = s.sendText.bind(s);
      s.sendText = (t: string) => {
        texts[i]!.push(t);
        if (t.includes('"avatars"')) orig(t);
      };
    });
    const a = joinAs(e, member('a'), { mode: 'default', resume: { x: 5, y: 1 } }, sinks[0]!, view);
    const b = joinAs(e, member('b'), { mode: 'default', resume: { x: 7, y: 3 } }, sinks[1]!, view);
    const c = joinAs(e, member('c'), { mode: 'default', resume: { x: 4, y: 2 } }, sinks[2]!, view);
    clock += 1000;
    e.tick();
    expect(e.conversationStateOf(a.avatarId)).toMatchObject({ kind: 'room', roomName: 'Tiny room' });
    expect(e.conversationStateOf(a.avatarId)!.members.map((m) => m.userId).sort()).toEqual(['a', 'b']);
    expect(e.handleMove(c.avatarId, { seq: 7, x: 5, y: 2, dir: 'right', moving: false })).toEqual({ ok: false, reason: 'room-full' });
    expect(sinks[2]!.corrections.at(-1)).toMatchObject({ seq: 7, reason: 'room-full', x: 4, y: 2 });
    expect(texts[2]!.some((t) => t.includes('"ROOM_FULL"') && t.includes('Tiny room is full'))).toBe(true);
    // b leaves the room: the call ends with the last but one, and c may now enter.
    clock += 1000;
    expect(e.handleMove(b.avatarId, { seq: 1, x: 7, y: 4, dir: 'down', moving: false }).ok).toBe(false); // wall
    e.leave(b.avatarId);
    expect(e.conversationStateOf(a.avatarId)).toBeNull();
    clock += 1000;
    expect(e.handleMove(c.avatarId, { seq: 8, x: 5, y: 2, dir: 'right', moving: false })).toEqual({ ok: true });
    e.tick();
    expect(e.conversationStateOf(c.avatarId)!.members.map((m) => m.userId).sort()).toEqual(['a', 'c']);
  });

  it('switches to a new map of the same size in place: walls move people, unchanged rooms keep their calls, changed rooms re-form them', () => {
    const rows = ['#########', '#SSS....#', '#.......#', '#.......#', '#########'];
    const room = { kind: 'meeting-room' as const, x: 5, y: 1, width: 3, height: 3, name: 'Tiny room' };
    const v1 = OfficeMap.fromTiled(tiledFromAscii(rows, { zones: [room] }));
    const e = new OfficeEngine('o3', v1, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 2, resumeGraceMs: 0, now: () => clock });
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    const texts: string[][] = [[], [], []];
    sinks.forEach((s, i) => (s.sendText = (t: string) => void texts[i]!.push(t)));
    const a = joinAs(e, member('a'), { mode: 'default', resume: { x: 5, y: 1 } }, sinks[0]!, view);
    joinAs(e, member('b'), { mode: 'default', resume: { x: 6, y: 2 } }, sinks[1]!, view);
    const c = joinAs(e, member('c'), { mode: 'default', resume: { x: 2, y: 3 } }, sinks[2]!, view);
    clock += 1000;
    e.tick();
    const call = e.conversationStateOf(a.avatarId)!.id;

    // Version 2: a wall where c stands, the room as it was. c is moved next to it; the room's call carries on.
    const v2 = OfficeMap.fromTiled(tiledFromAscii(['#########', '#SSS....#', '#.......#', '#.#.....#', '#########'], { zones: [room] }));
    expect(e.replaceMap(v2, 2)).toBe(true);
    expect(e.mapVersion).toBe(2);
    expect(sinks[2]!.corrections.at(-1)).toMatchObject({ seq: 0, reason: 'teleport' });
    const moved = e.positionOf(c.avatarId)!;
    expect(v2.isWalkable(moved.x, moved.y)).toBe(true);
    expect(Math.max(Math.abs(moved.x - 2), Math.abs(moved.y - 3))).toBe(1);
    for (const t of texts) expect(t).toContain(JSON.stringify({ t: 'map', version: 2 }));
    expect(e.map.isWalkable(2, 3)).toBe(false);
    expect(e.handleMove(c.avatarId, { seq: 3, x: 2, y: 3, dir: 'down', moving: false }).ok).toBe(false);
    clock += 1000;
    e.tick();
    expect(e.conversationStateOf(a.avatarId)!.id).toBe(call);

    // Version 3: the room shrinks to b's corner. Its call ends, and the new rules apply at once: a is outside now.
    const v3 = OfficeMap.fromTiled(tiledFromAscii(['#########', '#SSS....#', '#.......#', '#.#.....#', '#########'], { zones: [{ ...room, x: 6, width: 2 }] }));
    expect(e.replaceMap(v3, 3)).toBe(true);
    expect(e.conversationStateOf(a.avatarId)).toBeNull();
    expect(texts[0]!.some((t) => t === JSON.stringify({ t: 'conversation', conversation: null }))).toBe(true);
    expect(e.conversations.roomAt(5, 1)).toBeUndefined();
    expect(e.conversations.roomAt(6, 1)?.name).toBe('Tiny room');

    // A map of another size cannot be swapped in place: nothing changes, the caller restarts the office.
    const bigger = OfficeMap.fromTiled(tiledFromAscii(['##########', '#SSS.....#', '##########']));
    expect(e.replaceMap(bigger, 4)).toBe(false);
    expect(e.mapVersion).toBe(3);
    expect(e.map).toBe(v3);
  });

  it('a saved map that changes one meeting room restarts only that room\'s call', () => {
    const rows = ['##########', '#........#', '#........#', '#........#', '##########'];
    const west = { kind: 'meeting-room' as const, x: 1, y: 1, width: 3, height: 3, name: 'West' };
    const east = { kind: 'meeting-room' as const, x: 6, y: 1, width: 3, height: 3, name: 'East' };
    const v1 = OfficeMap.fromTiled(tiledFromAscii(rows, { zones: [west, east] }));
    const e = new OfficeEngine('o4', v1, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 2, resumeGraceMs: 0, now: () => clock });
    const at = (name: string, x: number, y: number) => joinAs(e, member(name), { mode: 'default', resume: { x, y } }, new RecordingSink(), view);
    const a = at('a', 1, 1);
    at('b', 2, 2);
    const c = at('c', 6, 1);
    const d = at('d', 8, 3);
    clock += 1000;
    e.tick();
    const westCall = e.conversationStateOf(a.avatarId)!.id;
    const eastCall = e.conversationStateOf(c.avatarId)!.id;
    // East shrinks to its top row: d is outside now. West is untouched, its call goes on.
    const v2 = OfficeMap.fromTiled(tiledFromAscii(rows, { zones: [west, { ...east, height: 1 }] }));
    expect(e.replaceMap(v2, 2)).toBe(true);
    expect(e.conversationStateOf(a.avatarId)!.id).toBe(westCall);
    expect(e.conversationStateOf(c.avatarId)).toBeNull();
    clock += 1000;
    e.tick();
    expect(e.conversationStateOf(a.avatarId)!.id).toBe(westCall);
    expect(e.conversationStateOf(a.avatarId)!.members.map((m) => m.userId).sort()).toEqual(['a', 'b']);
    // c alone is left in East: no call; d is on the open floor.
    expect(e.conversationStateOf(c.avatarId)).toBeNull();
    expect(e.conversationStateOf(d.avatarId)).toBeNull();
    expect(eastCall).not.toBe(westCall);
  });

  it('lists the office by room: people in each meeting room and focus area in map order, then the open floor', () => {
    const map = OfficeMap.fromTiled(
      tiledFromAscii(['##########', '#SSS.....#', '#........#', '#........#', '##########'], {
        zones: [
          { kind: 'meeting-room', x: 5, y: 1, width: 2, height: 2, name: 'Blue room', capacity: 4 },
          { kind: 'focus', x: 7, y: 1, width: 2, height: 3, name: 'Quiet' },
          { kind: 'desk', x: 1, y: 3, width: 1, height: 1, name: 'Desk 1' },
        ],
      }),
    );
    const e = new OfficeEngine('o4', map, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 2, resumeGraceMs: 0, now: () => clock });
    const ada = joinAs(e, member('ada'), { mode: 'default', resume: { x: 5, y: 2 } }, new RecordingSink(), view);
    joinAs(e, member('bob'), { mode: 'default', resume: { x: 8, y: 3 } }, new RecordingSink(), view);
    joinAs(e, member('cy'), { mode: 'default', resume: { x: 1, y: 3 } }, new RecordingSink(), view);
    expect(e.roster()).toEqual({
      t: 'roster',
      zones: [
        { id: expect.any(String), name: 'Blue room', kind: 'meeting-room', capacity: 4, people: ['ada'] },
        { id: expect.any(String), name: 'Quiet', kind: 'focus', people: ['bob'] },
      ],
      elsewhere: ['cy'],
    });
    // Built once a second at most: a second ask within it gets the same text, a later one sees the change.
    const first = e.rosterText(1_000);
    e.leave(ada.avatarId);
    expect(e.rosterText(1_500)).toBe(first);
    expect(JSON.parse(e.rosterText(2_000)).zones[0].people).toEqual([]);
  });

  it('a client whose window covers the whole map still hears of arrivals after walking across it', () => {
    // 50x30 tiles: 5x3 cells. A 120x80 viewport covers it all from anywhere, so walking never changes that window.
    const small = OfficeMap.fromTiled(tiledFromAscii(['#'.repeat(50), ...Array.from({ length: 28 }, () => '#' + 'S'.repeat(48) + '#'), '#'.repeat(50)]));
    const e = new OfficeEngine('o4', small, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 0, resumeGraceMs: 0, now: () => clock });
    const wide = new RecordingSink();
    const a = joinAs(e, member('wide'), { mode: 'default', resume: { x: 25, y: 5 } }, wide, { cols: 120, rows: 80 });
    e.tick();
    for (let x = 24; x >= 2; x--) {
      clock += 300;
      expect(e.handleMove(a.avatarId, { seq: x, x, y: 5, dir: 'left', moving: x > 2 }).ok).toBe(true);
      e.tick();
    }
    const b = joinAs(e, member('far'), { mode: 'default', resume: { x: 47, y: 25 } }, new RecordingSink(), { cols: 4, rows: 4 });
    e.tick();
    expect(wide.mirror.get(b.avatarId)).toEqual({ x: 47, y: 25 });
  });

  // The AOI bookkeeping keeps no per-client set of known avatars; this checks, against a brute-force definition, that
  // what every client was told is exactly right after every tick, across walking, teleports, leaving, rejoining,
  // resizing and presence changes, in both modes.
  for (const aoiMode of ['aoi', 'broadcast'] as const) {
    it(`each client knows exactly the avatars in the cells around its view, with true positions (${aoiMode}, property)`, () => {
      const big = OfficeMap.fromTiled(tiledFromAscii(['#'.repeat(72), ...Array.from({ length: 46 }, () => '#' + 'S'.repeat(70) + '#'), '#'.repeat(72)]));
      const people = 10;
      const action = fc.oneof(
        fc.record({ kind: fc.constant('step' as const), who: fc.nat(people - 1), dir: fc.constantFrom('up', 'down', 'left', 'right') as fc.Arbitrary<'up' | 'down' | 'left' | 'right'>, times: fc.integer({ min: 1, max: 12 }) }),
        fc.record({ kind: fc.constant('teleport' as const), who: fc.nat(people - 1), to: fc.nat(people - 1) }),
        fc.record({ kind: fc.constant('rejoin' as const), who: fc.nat(people - 1), x: fc.integer({ min: 1, max: 70 }), y: fc.integer({ min: 1, max: 46 }) }),
        fc.record({ kind: fc.constant('leave' as const), who: fc.nat(people - 1) }),
        fc.record({ kind: fc.constant('viewport' as const), who: fc.nat(people - 1), cols: fc.integer({ min: 1, max: 160 }), rows: fc.integer({ min: 1, max: 100 }) }),
        fc.record({ kind: fc.constant('presence' as const), who: fc.nat(people - 1), dnd: fc.boolean() }),
        fc.record({ kind: fc.constant('tick' as const) }),
      );
      fc.assert(
        fc.property(fc.array(action, { maxLength: 120 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 46 })), { minLength: people, maxLength: people }), (actions, starts) => {
          const e = new OfficeEngine('o3', big, { tickMs: 100, stepsPerSecond: 4, aoiMarginTiles: 2, resumeGraceMs: 0, now: () => clock, aoiMode });
          const sinks: (RecordingSink | undefined)[] = [];
          const ids: (number | undefined)[] = [];
          const views = Array.from({ length: people }, () => ({ cols: 16, rows: 10 }));
          const join = (i: number, x: number, y: number) => {
            sinks[i] = new RecordingSink();
            ids[i] = joinAs(e, member(`p${i}`), { mode: 'default', resume: { x, y } }, sinks[i]!, views[i]!).avatarId;
          };
          starts.forEach(([x, y], i) => join(i, x, y));
          const check = () => {
            e.tick();
            for (let i = 0; i < people; i++) {
              if (ids[i] === undefined) continue;
              const me = e.positionOf(ids[i]!)!;
              const rect = aoiMode === 'broadcast' ? e.aoi.wholeRect() : e.aoi.viewRect(me, views[i]!.cols, views[i]!.rows, 2);
              const expected = new Map<number, { x: number; y: number }>();
              ids.forEach((other, j) => {
                if (other === undefined || j === i) return;
                const o = e.positionOf(other)!;
                if (e.aoi.rectHas(rect, e.aoi.cellOf(o.x, o.y))) expected.set(other, { x: o.x, y: o.y });
              });
              expect(new Map([...sinks[i]!.mirror].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...expected].sort((a, b) => a[0] - b[0])));
              for (const id of expected.keys()) {
                const j = ids.indexOf(id);
                expect(sinks[i]!.availability.get(id)).toBe(dnd[j] ? 'DoNotDisturb' : 'Available');
              }
            }
          };
          const dnd = Array.from({ length: people }, () => false);
          check();
          for (const act of actions) {
            const id = ids[act.kind === 'tick' ? 0 : act.who];
            if (act.kind === 'tick') check();
            else if (act.kind === 'rejoin') {
              if (id !== undefined) e.leave(id);
              dnd[act.who] = false;
              join(act.who, act.x, act.y);
            } else if (id === undefined) continue;
            else if (act.kind === 'leave') {
              e.leave(id);
              ids[act.who] = undefined;
            } else if (act.kind === 'step') {
              for (let n = 0; n < act.times; n++) {
                clock += 260;
                const p = e.positionOf(id)!;
                const d = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] }[act.dir];
                e.handleMove(id, { seq: n, x: p.x + d[0]!, y: p.y + d[1]!, dir: act.dir, moving: n < act.times - 1 });
                if (n % 2 === 1) check();
              }
            } else if (act.kind === 'teleport') {
              if (ids[act.to] !== undefined) e.teleportNextTo(id, `p${act.to}`);
            } else if (act.kind === 'viewport') {
              views[act.who] = { cols: act.cols, rows: act.rows };
              e.setViewport(id, act.cols, act.rows);
            } else if (act.kind === 'presence') {
              dnd[act.who] = act.dnd;
              e.setPresence(`p${act.who}`, act.dnd ? 'DoNotDisturb' : 'Available', act.dnd ? 'Presenting' : 'Available');
            }
          }
          check();
        }),
        // ENGINE_PROPERTY_RUNS raises the count for a long hunt; CI runs 150 per mode.
        { numRuns: Number(process.env.ENGINE_PROPERTY_RUNS ?? 150) },
      );
    });
  }
});
