import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConversationRules,
  type ConversationChange,
  type ConversationRulesOptions,
  type ConversationView,
} from './conversation-rules.js';
import { WorldArgumentError } from './errors.js';
import { checkStep, stepFrom } from './movement.js';
import { OfficeMap } from './office-map.js';
import { tiledFromAscii } from './testing.js';
import { DIRECTIONS, type TilePos } from './tile.js';
import { zoneContains, type Zone } from './zone.js';

// --- a tiny driver that plays the engine --------------------------------------------------------------------------

const ROOM: Zone = { id: 'room-a', name: 'Room A', kind: 'meeting-room', x: 20, y: 0, width: 4, height: 4, capacity: 3 };

interface Who {
  x: number;
  y: number;
  focus: boolean;
  moving: boolean;
}

class Sim {
  readonly rules: ConversationRules;
  readonly people = new Map<number, Who>();
  now = 0;

  constructor(opts: Partial<ConversationRulesOptions> = {}) {
    this.rules = new ConversationRules({ rooms: [ROOM], ...opts });
  }

  #send(id: number): void {
    const w = this.people.get(id);
    if (w) this.rules.upsert({ id, ...w }, this.now);
  }

  /** Appears (or is teleported) standing on a tile. */
  put(id: number, x: number, y: number, focus = false): this {
    this.people.set(id, { x, y, focus, moving: false });
    this.#send(id);
    return this;
  }

  /** One step onto (x, y), still walking (someone new appears walking). */
  walk(id: number, x: number, y: number): this {
    const w = this.people.get(id) ?? { x, y, focus: false, moving: true };
    Object.assign(w, { x, y, moving: true });
    this.people.set(id, w);
    this.#send(id);
    return this;
  }

  stop(id: number): this {
    const w = this.people.get(id);
    if (!w) throw new Error(`no person ${id}`);
    w.moving = false;
    this.#send(id);
    return this;
  }

  focus(id: number, on: boolean): this {
    const w = this.people.get(id);
    if (!w) throw new Error(`no person ${id}`);
    w.focus = on;
    this.#send(id);
    return this;
  }

  leave(id: number): this {
    this.people.delete(id);
    this.rules.remove(id, this.now);
    return this;
  }

  tick(ms = 100): ConversationChange[] {
    this.now += ms;
    return this.rules.evaluate(this.now);
  }

  /** Lets everyone become still and returns everything that changed on the way. */
  settle(): ConversationChange[] {
    return [...this.tick(100), ...this.tick(100), ...this.tick(100), ...this.tick(100)];
  }
}

const types = (changes: readonly ConversationChange[]): string[] =>
  changes.map((c) => {
    switch (c.type) {
      case 'started':
        return `started ${c.conversation.id} [${c.conversation.members.join(',')}]${c.splitFrom ? ` from ${c.splitFrom}` : ''}`;
      case 'joined':
        return `joined ${c.conversation.id} ${c.personId} [${c.conversation.members.join(',')}]`;
      case 'left':
        return `left ${c.conversation.id} ${c.personId} [${c.conversation.members.join(',')}]`;
      case 'ended':
        return `ended ${c.conversationId} [${c.lastMembers.join(',')}]`;
      case 'locked':
        return `locked ${c.conversation.id} ${c.conversation.locked}`;
      case 'refused':
        return `refused ${c.personId} ${c.conversationId} ${c.reason}`;
    }
  });

/** Four people in a row on y = 5, from x = 0, settled into one conversation c1. */
function row(n: number, opts: Partial<ConversationRulesOptions> = {}): Sim {
  const sim = new Sim(opts);
  for (let i = 1; i <= n; i++) sim.put(i, i - 1, 5);
  sim.settle();
  return sim;
}

// --- scenarios ----------------------------------------------------------------------------------------------------

describe('walk-up conversations', () => {
  it('two adjacent people start a conversation only after standing still for stillMs', () => {
    const sim = new Sim();
    sim.put(1, 0, 0).put(2, 1, 1); // diagonal counts
    expect(sim.tick(100)).toEqual([]);
    expect(sim.tick(199)).toEqual([]);
    const changes = sim.tick(1);
    expect(changes).toEqual([
      { type: 'started', conversation: { id: 'c1', kind: 'walkup', members: [1, 2], locked: false } },
    ]);
    expect(sim.rules.conversationOf(2)?.id).toBe('c1');
    expect(sim.tick()).toEqual([]);
  });

  it('stillness: a step or moving=true restarts the clock, a stop or a turn on the same tile keeps it', () => {
    const sim = new Sim({ stillMs: 300 });
    sim.put(1, 0, 0).put(2, 5, 0);
    sim.walk(2, 1, 0); // t = 0, clock starts now
    sim.tick(200);
    sim.stop(2); // t = 200, same tile: clock kept
    expect(sim.tick(50)).toEqual([]);
    expect(types(sim.tick(50))).toEqual(['started c1 [1,2]']); // t = 300
    const other = new Sim({ stillMs: 300 });
    other.put(1, 0, 0).put(2, 1, 0);
    other.tick(200);
    other.walk(2, 1, 0); // moving=true in place restarts the clock
    other.stop(2);
    expect(other.tick(200)).toEqual([]);
    expect(types(other.tick(100))).toEqual(['started c1 [1,2]']);
  });

  it('people two tiles apart or on the same tile are not adjacent', () => {
    const sim = new Sim();
    sim.put(1, 0, 0).put(2, 2, 0).put(3, 0, 3).put(4, 0, 3);
    expect(sim.settle()).toEqual([]);
  });

  it('walking past a conversation rings nobody, however slowly the ticks come', () => {
    const sim = row(2);
    // Walks along y = 6 under the pair at 4 steps a second, with moving=true and then with moving=false per step.
    for (const moving of [true, false]) {
      for (let x = -2; x <= 4; x++) {
        if (moving) sim.walk(3, x, 6);
        else sim.put(3, x, 6);
        expect(sim.tick(250)).toEqual([]);
      }
    }
    expect(sim.rules.conversationOf(3)).toBeUndefined();
    // Two strangers walking side by side do not start one either.
    for (let x = 10; x < 16; x++) {
      sim.walk(4, x, 0).walk(5, x, 1);
      expect(sim.tick(250)).toEqual([]);
    }
  });

  it('a chain grows: whoever stops next to any member joins, and free people next to a joiner join in the same tick', () => {
    const sim = row(2);
    sim.put(3, 2, 5); // next to 2 only
    expect(types(sim.settle())).toEqual(['joined c1 3 [1,2,3]']);
    sim.put(4, 3, 4).put(5, 4, 3); // 4 next to 3, 5 next to 4 only
    expect(types(sim.settle())).toEqual(['joined c1 4 [1,2,3,4]', 'joined c1 5 [1,2,3,4,5]']);
  });

  it('a crowd of free people forms connected groups up to the cap, lowest ids first', () => {
    const sim = new Sim({ cap: 3 });
    // 1 - 9 - 2 - 3 - 4 in a line: the first group grows from 1 through 9 to 2.
    sim.put(1, 0, 0).put(9, 1, 0).put(2, 2, 0).put(3, 3, 0).put(4, 4, 0);
    expect(types(sim.settle())).toEqual(['started c1 [1,2,9]', 'started c2 [3,4]']);
  });

  it('a full conversation refuses once, until the person moves or the reason goes away', () => {
    const sim = row(3, { cap: 3 });
    expect(sim.rules.conversation('c1')?.members).toEqual([1, 2, 3]);
    sim.put(4, 3, 5);
    expect(sim.settle()).toEqual([{ type: 'refused', personId: 4, conversationId: 'c1', reason: 'full' }]);
    expect(sim.settle()).toEqual([]);
    sim.stop(4); // a turn or stop in place
    expect(sim.settle()).toEqual([]);
    sim.walk(4, 4, 5);
    sim.walk(4, 3, 5).stop(4);
    expect(types(sim.settle())).toEqual(['refused 4 c1 full']);
    // A member walks away: the space goes to 4 at once.
    sim.walk(1, 0, 8);
    expect(types(sim.tick())).toEqual(['left c1 1 [2,3]', 'joined c1 4 [2,3,4]']);
  });

  it('a refused person still starts a conversation with a free neighbour, and is then not refused', () => {
    const sim = row(3, { cap: 3 });
    sim.put(4, 3, 5).put(5, 4, 5);
    expect(types(sim.settle())).toEqual(['started c2 [4,5]']);
  });

  it('locking: only members can lock, newcomers are refused as locked, unlocking lets them in', () => {
    const sim = row(2);
    sim.put(7, 10, 10);
    sim.settle();
    expect(sim.rules.setLocked(7, true)).toEqual([]);
    expect(sim.rules.setLocked(1, false)).toEqual([]); // no change
    expect(types(sim.rules.setLocked(2, true))).toEqual(['locked c1 true']);
    expect(sim.rules.setLocked(1, true)).toEqual([]);
    sim.put(3, 2, 5);
    expect(types(sim.settle())).toEqual(['refused 3 c1 locked']);
    expect(sim.settle()).toEqual([]);
    expect(types(sim.rules.setLocked(1, false))).toEqual(['locked c1 false']);
    expect(types(sim.tick())).toEqual(['joined c1 3 [1,2,3]']);
  });

  it('joins the largest accepting conversation next to them, ties to the oldest', () => {
    const sim = new Sim();
    sim.put(1, 0, 0).put(2, 1, 0); // c1 [1,2]
    sim.put(3, 4, 0).put(4, 5, 0).put(5, 6, 0).put(14, 7, 0); // c2 [3,4,5,14]
    sim.settle();
    sim.put(6, 2, 1).put(7, 3, 1); // 6 touches c1; 7 touches c2 and 6, and c2 is the larger
    sim.settle();
    expect(sim.rules.conversationOf(6)?.id).toBe('c1');
    expect(sim.rules.conversationOf(7)?.id).toBe('c2');
    sim.put(8, 10, 0).put(9, 11, 0).put(10, 14, 0).put(11, 15, 0);
    sim.settle(); // c3 [8,9], c4 [10,11]
    sim.put(12, 12, 1).put(13, 13, 1); // 12 touches c3 and 13; 13 touches c4 and 12; equal sizes
    expect(types(sim.settle())).toEqual(['joined c3 12 [8,9,12]', 'joined c3 13 [8,9,12,13]']);
  });

  it('a split: singletons leave, the part with the lowest id keeps the conversation, other parts start new ones', () => {
    const sim = row(6); // 1..6 on x = 0..5
    expect(types(sim.rules.setLocked(1, true))).toEqual(['locked c1 true']);
    sim.walk(3, 2, 9); // cuts the row into {1,2} and {4,5,6}
    expect(types(sim.tick())).toEqual([
      'left c1 3 [1,2,4,5,6]',
      'left c1 4 [1,2,5,6]',
      'left c1 5 [1,2,6]',
      'left c1 6 [1,2]',
      'started c2 [4,5,6] from c1',
    ]);
    expect(sim.rules.conversation('c1')?.locked).toBe(true);
    expect(sim.rules.conversation('c2')?.locked).toBe(false);
    // A singleton part of a split leaves; the lowest id being alone does not cost the others their conversation.
    sim.walk(5, 4, 9);
    expect(types(sim.tick())).toEqual(['ended c2 [4,5,6]']);
    const sim2 = row(4);
    sim2.walk(2, 1, 9); // {1} alone, {3,4} keeps c1
    expect(types(sim2.tick())).toEqual(['left c1 1 [2,3,4]', 'left c1 2 [3,4]']);
  });

  it('ends when fewer than two remain, and the lock ends with it', () => {
    const sim = row(2);
    sim.rules.setLocked(1, true);
    sim.walk(2, 1, 7);
    expect(sim.tick()).toEqual([{ type: 'ended', conversationId: 'c1', lastMembers: [1, 2] }]);
    expect(sim.rules.conversations()).toEqual([]);
    sim.walk(2, 1, 6).stop(2);
    expect(types(sim.settle())).toEqual(['started c2 [1,2]']);
    expect(sim.rules.conversation('c2')?.locked).toBe(false);
    sim.leave(1);
    expect(types(sim.tick())).toEqual(['ended c2 [1,2]']);
  });

  it('Focus leaves at once, never joins, and a would-be partner is told once', () => {
    const sim = row(3);
    sim.focus(2, true); // the middle one: 1 and 3 are no longer connected
    // 1 and 3 would otherwise have started one with 2, so they are told 2 is in Focus.
    expect(types(sim.tick())).toEqual(['ended c1 [1,2,3]', 'refused 1 focus:2 focus', 'refused 3 focus:2 focus']);
    expect(sim.settle()).toEqual([]);
    const sim2 = new Sim();
    sim2.put(1, 0, 0, true).put(2, 1, 0);
    expect(sim2.settle()).toEqual([
      { type: 'refused', personId: 2, conversationId: 'focus:1', reason: 'focus', focusPersonId: 1 },
    ]);
    expect(sim2.settle()).toEqual([]);
    sim2.focus(1, false);
    expect(types(sim2.tick())).toEqual(['started c1 [1,2]']);
    sim2.focus(1, true);
    expect(types(sim2.tick())).toEqual(['ended c1 [1,2]', 'refused 2 focus:1 focus']);
    // Someone in Focus walking past is not a refusal.
    sim2.focus(1, false).walk(1, 5, 5).tick();
    sim2.put(3, 10, 10).focus(3, true).tick();
    sim2.walk(3, 2, 1);
    expect(sim2.tick()).toEqual([]);
    sim2.walk(3, 2, 2);
    expect(sim2.settle()).toEqual([]);
  });
});

describe('meeting rooms', () => {
  it('starts with the second person, wherever they stand, at once, and ends with the last but one', () => {
    const sim = new Sim();
    sim.walk(1, 20, 0);
    expect(sim.tick()).toEqual([]);
    sim.walk(2, 23, 3); // far corner, still walking
    expect(sim.tick()).toEqual([
      { type: 'started', conversation: { id: 'room:room-a', kind: 'room', roomId: 'room-a', members: [1, 2], locked: false } },
    ]);
    sim.walk(3, 21, 2);
    expect(types(sim.tick())).toEqual(['joined room:room-a 3 [1,2,3]']);
    expect(sim.rules.setLocked(1, true)).toEqual([]);
    sim.walk(1, 19, 0);
    expect(types(sim.tick())).toEqual(['left room:room-a 1 [2,3]']);
    sim.walk(3, 19, 2);
    expect(types(sim.tick())).toEqual(['ended room:room-a [2,3]']);
    expect(sim.rules.conversations()).toEqual([]);
  });

  it('people in a room take no part in walk-up conversations, even next to someone outside', () => {
    const sim = new Sim();
    sim.put(1, 20, 1).put(2, 19, 1); // across the room's edge
    expect(sim.settle()).toEqual([]);
    const walk = row(2);
    walk.walk(2, 20, 5).walk(2, 20, 3); // a member steps into the room: leaves the walk-up first
    walk.put(3, 21, 3);
    expect(types(walk.tick())).toEqual(['ended c1 [1,2]', 'started room:room-a [2,3]']);
    walk.walk(3, 19, 4).stop(3); // and out again: room call ends, walk-up only after standing still
    walk.walk(2, 20, 4).stop(2);
    expect(types(walk.tick())).toEqual(['ended room:room-a [2,3]']);
    expect(types(walk.settle())).toEqual(['started c2 [2,3]']);
  });

  it('Focus in a room is out of the call but counts for capacity', () => {
    const sim = new Sim();
    sim.put(1, 20, 0).put(2, 21, 0).put(3, 22, 0);
    expect(types(sim.tick())).toEqual(['started room:room-a [1,2,3]']);
    sim.focus(2, true);
    expect(types(sim.tick())).toEqual(['left room:room-a 2 [1,3]']);
    expect(sim.rules.canEnter(4, 23, 3)).toBe(false);
    sim.focus(3, true);
    expect(types(sim.tick())).toEqual(['ended room:room-a [1,3]']);
  });

  it('canEnter refuses a full room to outsiders only', () => {
    const sim = new Sim();
    expect(sim.rules.roomAt(21, 1)?.id).toBe('room-a');
    expect(sim.rules.roomAt(24, 1)).toBeUndefined();
    sim.put(1, 20, 0).put(2, 21, 0);
    expect(sim.rules.canEnter(9, 22, 2)).toBe(true);
    sim.put(3, 22, 0); // capacity 3 reached (immediately, before any evaluate)
    expect(sim.rules.roomOccupancy('room-a')).toBe(3);
    expect(sim.rules.canEnter(9, 22, 2)).toBe(false);
    expect(sim.rules.canEnter(1, 23, 3)).toBe(true); // moving around inside
    expect(sim.rules.canEnter(9, 24, 2)).toBe(true); // outside the room
    sim.leave(3);
    expect(sim.rules.canEnter(9, 22, 2)).toBe(true);
    const open = new ConversationRules({ rooms: [{ ...ROOM, capacity: undefined }] });
    for (let id = 1; id <= 10; id++) open.upsert({ id, x: 20 + (id % 4), y: 0, focus: false, moving: false }, 0);
    expect(open.canEnter(99, 20, 0)).toBe(true);
    expect(open.evaluate(0)).toHaveLength(1);
    expect(open.conversations()[0]?.members).toHaveLength(10);
  });

  it('someone placed past capacity anyway (the engine skipped canEnter) is left out and refused once', () => {
    const sim = new Sim();
    sim.put(1, 20, 0).put(2, 21, 0).put(3, 22, 0).put(4, 23, 0);
    expect(types(sim.tick())).toEqual(['started room:room-a [1,2,3]', 'refused 4 room:room-a full']);
    sim.put(5, 23, 1);
    expect(types(sim.tick())).toEqual(['refused 5 room:room-a full']);
    sim.walk(2, 19, 0);
    expect(types(sim.tick())).toEqual(['left room:room-a 2 [1,3]', 'joined room:room-a 4 [1,3,4]']);
  });

  it('accepts map zones as they are and ignores the kinds that are not rooms', () => {
    const map = OfficeMap.fromTiled(
      tiledFromAscii(['......', '......'], { zones: [{ kind: 'meeting-room', name: 'm', x: 3, y: 0, width: 3, height: 2 }, { kind: 'focus', x: 0, y: 0, width: 2, height: 2 }] }),
    );
    const rules = new ConversationRules({ rooms: map.zones });
    expect(rules.rooms.map((z) => z.kind)).toEqual(['meeting-room']);
    expect(rules.roomAt(0, 0)).toBeUndefined();
    expect(rules.roomAt(4, 1)?.kind).toBe('meeting-room');
  });
});

describe('replacing the rooms (a saved map)', () => {
  it('a room kept as it was keeps its call; a renamed one too', () => {
    const sim = new Sim();
    sim.put(1, 20, 0).put(2, 21, 1);
    expect(types(sim.settle())).toEqual(['started room:room-a [1,2]']);
    const other: Zone = { id: 'room-b', name: 'Room B', kind: 'meeting-room', x: 30, y: 0, width: 3, height: 3 };
    expect(sim.rules.replaceRooms([{ ...ROOM, name: 'Renamed' }, other])).toEqual([]);
    expect(sim.settle()).toEqual([]);
    expect(sim.rules.conversationOf(1)).toMatchObject({ id: 'room:room-a', members: [1, 2] });
    expect(sim.rules.roomAt(20, 0)?.name).toBe('Renamed');
    // The new room works at once.
    sim.put(3, 30, 0).put(4, 31, 1);
    expect(types(sim.tick())).toEqual(['started room:room-b [3,4]']);
  });

  it('a resized room\'s call ends and forms again with whoever is still inside; those now outside are free', () => {
    const sim = new Sim();
    sim.put(1, 20, 0).put(2, 21, 0).put(3, 23, 3);
    expect(types(sim.settle())).toEqual(['started room:room-a [1,2,3]']);
    expect(types(sim.rules.replaceRooms([{ ...ROOM, width: 2, height: 2 }]))).toEqual(['ended room:room-a [1,2,3]']);
    expect(types(sim.tick())).toEqual(['started room:room-a [1,2]']);
    expect(sim.rules.conversationOf(3)).toBeUndefined();
    expect(sim.rules.roomOccupancy('room-a')).toBe(2);
  });

  it('a room that is gone ends its call, and its people may talk as on the open floor', () => {
    const sim = new Sim();
    sim.put(1, 20, 0).put(2, 21, 0);
    expect(types(sim.settle())).toEqual(['started room:room-a [1,2]']);
    expect(types(sim.rules.replaceRooms([]))).toEqual(['ended room:room-a [1,2]']);
    expect(types(sim.settle())).toEqual(['started c1 [1,2]']);
    expect(sim.rules.rooms).toEqual([]);
  });

  it('a new room drawn around a walk-up conversation takes it over', () => {
    const sim = row(2);
    expect(sim.rules.conversationOf(1)).toMatchObject({ id: 'c1' });
    const around: Zone = { id: 'room-c', name: 'Room C', kind: 'meeting-room', x: 0, y: 4, width: 3, height: 3 };
    expect(sim.rules.replaceRooms([ROOM, around])).toEqual([]);
    expect(types(sim.tick())).toEqual(['ended c1 [1,2]', 'started room:room-c [1,2]']);
  });

  it('refuses two rooms with one id and changes nothing', () => {
    const sim = new Sim();
    sim.put(1, 20, 0).put(2, 21, 0);
    sim.settle();
    expect(() => sim.rules.replaceRooms([ROOM, { ...ROOM, x: 40 }])).toThrow(WorldArgumentError);
    expect(sim.rules.rooms).toEqual([ROOM]);
    expect(sim.rules.conversationOf(1)).toMatchObject({ id: 'room:room-a', members: [1, 2] });
  });
});

describe('arguments', () => {
  it('rejects a bad cap, stillMs, id or tile', () => {
    expect(() => new ConversationRules({ rooms: [], cap: 1 })).toThrow(WorldArgumentError);
    expect(() => new ConversationRules({ rooms: [], cap: 2.5 })).toThrow(WorldArgumentError);
    expect(() => new ConversationRules({ rooms: [], stillMs: -1 })).toThrow(WorldArgumentError);
    expect(() => new ConversationRules({ rooms: [ROOM, ROOM] })).toThrow(WorldArgumentError);
    const rules = new ConversationRules({ rooms: [] });
    expect(() => rules.upsert({ id: 1, x: 0.5, y: 0, focus: false, moving: false }, 0)).toThrow(WorldArgumentError);
    expect(() => rules.upsert({ id: Number.NaN, x: 0, y: 0, focus: false, moving: false }, 0)).toThrow(WorldArgumentError);
    expect(() => rules.upsert({ id: 1, x: 2 ** 30, y: 0, focus: false, moving: false }, 0)).toThrow(WorldArgumentError);
    rules.remove(42, 0); // unknown: ignored
    expect(rules.evaluate(0)).toEqual([]);
  });

  it('handles negative coordinates and many people', () => {
    const rules = new ConversationRules({ rooms: [] });
    // 3000 pairs far apart, on negative and positive tiles.
    let id = 0;
    for (let i = 0; i < 3000; i++) {
      const x = (i % 100) * 3 - 150;
      const y = Math.floor(i / 100) * 3 - 45;
      rules.upsert({ id: ++id, x, y, focus: false, moving: false }, 0);
      rules.upsert({ id: ++id, x: x + 1, y: y + 1, focus: false, moving: false }, 0);
    }
    expect(rules.evaluate(300).filter((c) => c.type === 'started')).toHaveLength(3000);
    expect(rules.evaluate(400)).toEqual([]);
    rules.upsert({ id: 2, x: -148, y: -44, focus: false, moving: true }, 400); // walks off: its pair ends
    expect(types(rules.evaluate(500))).toEqual(['ended c1 [1,2]']);
  });
});

// --- random walks -------------------------------------------------------------------------------------------------

interface WalkWorld {
  map: OfficeMap;
  room: Zone;
  walkable: TilePos[];
  cap: number;
}

function walkWorld(rows: readonly string[], room: { x: number; y: number; width: number; height: number }, cap: number): WalkWorld {
  const map = OfficeMap.fromTiled(tiledFromAscii(rows, { zones: [{ kind: 'meeting-room', name: 'Room', capacity: 3, ...room }] }));
  const walkable: TilePos[] = [];
  for (let y = 0; y < map.height; y++) for (let x = 0; x < map.width; x++) if (map.isWalkable(x, y)) walkable.push({ x, y });
  return { map, room: map.zones.find((z) => z.kind === 'meeting-room') as Zone, walkable, cap };
}

/** Corridors, a table and a meeting room (capacity 3) behind a door; cap 4. */
const OFFICE = walkWorld(
  ['##########', '#.....#..#', '#.#.#.#..#', '#........#', '#..T..#..#', '##########'],
  { x: 7, y: 1, width: 2, height: 4 },
  4,
);
/** An open floor where big groups form and split; a 2x2 room (capacity 3) in a corner; cap 6. */
const FLOOR = walkWorld(['#########', '#.......#', '#.......#', '#.......#', '#.......#', '#########'], { x: 6, y: 1, width: 2, height: 2 }, 6);
/** Walkable-tile indices are taken modulo the world's count, so one generator serves both worlds. */
const MAX_TILE = 63;
const PEOPLE = 8;
const WALK_STILL_MS = 300;

type Op =
  | { t: 'step'; who: number; dir: number; stop: boolean; dt: number }
  | { t: 'stop'; who: number; dt: number }
  | { t: 'turn'; who: number; dt: number }
  | { t: 'focus'; who: number; dt: number }
  | { t: 'lock'; who: number; locked: boolean; dt: number }
  | { t: 'teleport'; who: number; tile: number; dt: number }
  | { t: 'leave'; who: number; dt: number }
  | { t: 'wait'; dt: number };

const who = fc.integer({ min: 1, max: PEOPLE });
const dt = fc.constantFrom(0, 50, 100, 100, 250, 300);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('step' as const), who, dir: fc.integer({ min: 0, max: 3 }), stop: fc.boolean(), dt }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('stop' as const), who, dt }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('turn' as const), who, dt }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('focus' as const), who, dt }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('lock' as const), who, locked: fc.boolean(), dt }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('teleport' as const), who, tile: fc.nat(MAX_TILE), dt }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('leave' as const), who, dt }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('wait' as const), dt: fc.constantFrom(100, 300, 600) }) },
);

interface Body extends Who {
  stillSince: number;
}

const chebyshev1 = (a: TilePos, b: TilePos): boolean => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) === 1;

/** A cheap assertion for the hot loop (expect() is slow in thousands of checks per run). */
function ensure(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown): string => JSON.stringify(v);

/** Applies a change stream to a plain model, checking that every single change is consistent on its own. */
function replay(model: Map<string, ConversationView>, changes: readonly ConversationChange[]): void {
  const holder = (person: number): string | undefined => {
    for (const c of model.values()) if (c.members.includes(person)) return c.id;
    return undefined;
  };
  for (const ch of changes) {
    const bad = (why: string) => () => `${why}: ${show(ch)} on ${show([...model.values()])}`;
    switch (ch.type) {
      case 'started':
        ensure(!model.has(ch.conversation.id), bad('started twice'));
        ensure(ch.conversation.members.every((m) => holder(m) === undefined), bad('started with someone already in one'));
        ensure(ch.conversation.members.length >= 2, bad('started with fewer than two'));
        ensure(!ch.conversation.locked, bad('started locked'));
        model.set(ch.conversation.id, ch.conversation);
        break;
      case 'joined': {
        const before = model.get(ch.conversation.id);
        ensure(before !== undefined, bad('joined an unknown conversation'));
        ensure(holder(ch.personId) === undefined, bad('joined while in one'));
        ensure(same(ch.conversation.members, [...(before?.members ?? []), ch.personId].sort((a, b) => a - b)), bad('joined: wrong members'));
        ensure(ch.conversation.locked === before?.locked, bad('joined changed the lock'));
        model.set(ch.conversation.id, ch.conversation);
        break;
      }
      case 'left': {
        const before = model.get(ch.conversation.id);
        ensure(before?.members.includes(ch.personId) === true, bad('left without being in it'));
        ensure(same(ch.conversation.members, before?.members.filter((m) => m !== ch.personId)), bad('left: wrong members'));
        ensure(ch.conversation.locked === before?.locked, bad('left changed the lock'));
        model.set(ch.conversation.id, ch.conversation);
        break;
      }
      case 'ended':
        ensure(same(model.get(ch.conversationId)?.members, ch.lastMembers), bad('ended: wrong last members'));
        model.delete(ch.conversationId);
        break;
      case 'locked': {
        const before = model.get(ch.conversation.id);
        ensure(same(before?.members, ch.conversation.members), bad('locked changed the members'));
        ensure(before?.locked === !ch.conversation.locked, bad('locked without a change'));
        ensure(ch.conversation.kind === 'walkup', bad('a room was locked'));
        model.set(ch.conversation.id, ch.conversation);
        break;
      }
      case 'refused':
        ensure(holder(ch.personId) === undefined, bad('refused while in a conversation'));
        break;
    }
  }
}

/** Plays a random walk like the engine would and checks the invariants after every evaluate. */
function runWalk(world: WalkWorld, ops: readonly Op[], initial: readonly number[]): ConversationChange[] {
  const { map, room, walkable, cap } = world;
  const rules = new ConversationRules({ cap, stillMs: WALK_STILL_MS, rooms: map.zones });
  const bodies = new Map<number, Body>();
  const model = new Map<string, ConversationView>();
  const stream: ConversationChange[] = [];
  let now = 0;

  const send = (id: number, b: Body, prev: Body | undefined): void => {
    if (!prev || prev.x !== b.x || prev.y !== b.y || b.moving) b.stillSince = now;
    bodies.set(id, b);
    rules.upsert({ id, x: b.x, y: b.y, focus: b.focus, moving: b.moving }, now);
  };
  const place = (id: number, tile: number): void => {
    const t = walkable[tile % walkable.length] as TilePos;
    if (!rules.canEnter(id, t.x, t.y)) return;
    const prev = bodies.get(id);
    send(id, { x: t.x, y: t.y, focus: prev?.focus ?? false, moving: false, stillSince: prev?.stillSince ?? now }, prev);
  };
  const isStill = (b: Body): boolean => !b.moving && now - b.stillSince >= WALK_STILL_MS;
  const inRoom = (b: Body): boolean => zoneContains(room, b.x, b.y);
  const body = (id: number): Body => {
    const b = bodies.get(id);
    if (!b) throw new Error(`person ${id} is in a conversation but not in the office`);
    return b;
  };

  const check = (changes: ConversationChange[]): void => {
    const where = () => `at ${now} ms, people ${show([...bodies])}, changes ${show(changes)}`;
    stream.push(...changes);
    replay(model, changes);
    const convs = rules.conversations();
    ensure(same(convs, [...model.values()]), () => `replay ${show([...model.values()])} != conversations() ${show(convs)} ${where()}`);

    const seen = new Set<number>();
    for (const c of convs) {
      ensure(c.members.length >= 2, () => `${c.id} has fewer than two members ${where()}`);
      ensure(same([...c.members].sort((a, b) => a - b), c.members), () => `${c.id} members unsorted ${where()}`);
      for (const m of c.members) {
        ensure(!seen.has(m), () => `${m} is in two conversations ${where()}`);
        seen.add(m);
        ensure(!body(m).focus, () => `${m} is in Focus and in ${c.id} ${where()}`);
        ensure(same(rules.conversationOf(m), c), () => `conversationOf(${m}) is not ${c.id} ${where()}`);
      }
      if (c.kind === 'walkup') {
        ensure(c.members.length <= cap, () => `${c.id} is over the cap ${where()}`);
        for (const m of c.members) {
          const b = body(m);
          ensure(!inRoom(b), () => `${m} is in the room and in walk-up ${c.id} ${where()}`);
          ensure(c.members.some((o) => o !== m && chebyshev1(b, body(o))), () => `${m} is next to nobody in ${c.id} ${where()}`);
        }
      } else {
        ensure(c.members.length <= (room.capacity ?? Infinity), () => `${c.id} is over capacity ${where()}`);
      }
    }
    for (const id of bodies.keys()) {
      if (!seen.has(id)) ensure(rules.conversationOf(id) === undefined, () => `conversationOf(${id}) is stale ${where()}`);
    }

    // The room call holds exactly the non-Focus people inside when there are two or more.
    const inside = [...bodies.entries()].filter(([, b]) => inRoom(b) && !b.focus).map(([id]) => id).sort((a, b) => a - b);
    const roomConv = rules.conversation(`room:${room.id}`);
    if (inside.length >= 2) ensure(same(roomConv?.members, inside), () => `room call is not ${show(inside)} ${where()}`);
    else ensure(roomConv === undefined, () => `room call with ${show(inside)} inside ${where()}`);
    ensure([...bodies.values()].filter(inRoom).length <= (room.capacity ?? Infinity), () => `room over capacity ${where()}`);

    // Nobody who is walking joins or starts anything.
    for (const ch of changes) {
      if (ch.type === 'joined' && ch.conversation.kind === 'walkup') {
        ensure(isStill(body(ch.personId)), () => `${ch.personId} joined while not still ${where()}`);
      }
      if (ch.type === 'started' && ch.conversation.kind === 'walkup' && !ch.splitFrom) {
        ensure(ch.conversation.members.every((m) => isStill(body(m))), () => `${ch.conversation.id} started by someone not still ${where()}`);
      }
    }

    // Nothing is left undone: no two free still people side by side, nobody free next to an open conversation.
    const free = [...bodies.entries()].filter(([id, b]) => isStill(b) && !b.focus && !inRoom(b) && !seen.has(id));
    for (const [id, b] of free) {
      for (const [other, o] of free) ensure(other === id || !chebyshev1(b, o), () => `${id} and ${other} are free side by side ${where()}`);
      for (const c of convs) {
        if (c.kind !== 'walkup' || c.locked || c.members.length >= cap) continue;
        ensure(!c.members.some((m) => chebyshev1(b, body(m))), () => `${id} is free next to open ${c.id} ${where()}`);
      }
    }

    // Evaluating again with nothing new changes nothing (in particular, no refusal is repeated).
    const again = rules.evaluate(now);
    ensure(again.length === 0, () => `a second evaluate gave ${show(again)} ${where()}`);
  };

  initial.forEach((tile, i) => place(i + 1, tile));
  check(rules.evaluate(now));
  for (const op of ops) {
    now += op.dt;
    const prev = op.t === 'wait' ? undefined : bodies.get(op.who);
    switch (op.t) {
      case 'step': {
        if (!prev) break;
        const to = stepFrom(prev, DIRECTIONS[op.dir] as (typeof DIRECTIONS)[number]);
        if (checkStep(map, prev, to).ok && rules.canEnter(op.who, to.x, to.y)) {
          send(op.who, { ...prev, x: to.x, y: to.y, moving: true }, prev);
        } else {
          send(op.who, { ...prev, moving: false }, prev); // the engine corrects and stops them
        }
        if (op.stop) send(op.who, { ...body(op.who), moving: false }, bodies.get(op.who));
        break;
      }
      case 'stop':
        if (prev) send(op.who, { ...prev, moving: false }, prev);
        break;
      case 'turn':
        if (prev) send(op.who, { ...prev }, prev);
        break;
      case 'focus':
        if (prev) send(op.who, { ...prev, focus: !prev.focus }, prev);
        break;
      case 'lock': {
        const conv = rules.conversationOf(op.who);
        const changes = rules.setLocked(op.who, op.locked);
        const expected = conv?.kind === 'walkup' && conv.locked !== op.locked ? 1 : 0;
        ensure(changes.length === expected, () => `setLocked(${op.who}, ${op.locked}) on ${show(conv)} gave ${show(changes)}`);
        stream.push(...changes);
        replay(model, changes);
        break;
      }
      case 'teleport':
        place(op.who, op.tile);
        break;
      case 'leave':
        if (prev) {
          bodies.delete(op.who);
          rules.remove(op.who, now);
        }
        break;
      case 'wait':
        break;
    }
    check(rules.evaluate(now));
  }
  return stream;
}

const walk = fc.record({
  initial: fc.array(fc.nat(MAX_TILE), { minLength: 4, maxLength: PEOPLE }),
  ops: fc.array(opArb, { minLength: 20, maxLength: 120 }),
});

const outcome = (ch: ConversationChange): string =>
  ch.type === 'refused'
    ? `refused ${ch.reason}`
    : ch.type === 'started' && ch.splitFrom
      ? 'split'
      : `${ch.type} ${'conversation' in ch ? ch.conversation.kind : ''}`;

describe.each([
  ['an office with walls, a meeting room of capacity 3 and cap 4', OFFICE, 500],
  ['an open floor with a room of capacity 3 and cap 6', FLOOR, 400],
] as const)('random walks of up to 8 people in %s', (_name, world, numRuns) => {
  it('keep every invariant after every evaluate, and the change stream replays to the same state', () => {
    fc.assert(
      fc.property(walk, ({ initial, ops }) => {
        runWalk(world, ops, initial);
      }),
      { numRuns },
    );
  });

  it('are deterministic: the same inputs give the same change stream', () => {
    fc.assert(
      fc.property(walk, ({ initial, ops }) => {
        expect(runWalk(world, ops, initial)).toEqual(runWalk(world, ops, initial));
      }),
      { numRuns: 30 },
    );
  });
});

it('the random walks do reach every kind of change', () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(walk, ({ initial, ops }) => {
      for (const ch of runWalk(OFFICE, ops, initial)) seen.add(outcome(ch));
      for (const ch of runWalk(FLOOR, ops, initial)) seen.add(outcome(ch));
    }),
    { numRuns: 150, seed: 42 },
  );
  const wanted = ['started walkup', 'joined walkup', 'left walkup', 'split', 'ended ', 'locked walkup'];
  wanted.push('started room', 'joined room', 'left room', 'refused full', 'refused locked', 'refused focus');
  expect([...seen].sort()).toEqual(expect.arrayContaining(wanted));
});
