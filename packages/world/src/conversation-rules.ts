import { WorldArgumentError } from './errors.js';
import { zoneContains, type Zone } from './zone.js';

/** Largest walk-up conversation unless configured otherwise (DESIGN §2). */
export const DEFAULT_CONVERSATION_CAP = 6;
/** How long someone stands still before they can join or start a walk-up conversation (DESIGN §2). */
export const DEFAULT_STILL_MS = 300;

export type ConversationKind = 'walkup' | 'room';
export type RefusalReason = 'full' | 'locked' | 'focus';

export interface ConversationRulesOptions {
  /** Walk-up cap (an integer ≥ 2), default 6. */
  cap?: number;
  /** Stillness needed to join or start a walk-up conversation, in ms (≥ 0), default 300. */
  stillMs?: number;
  /**
   * The map's meeting-room zones; capacity undefined = unlimited. Zones of other kinds are ignored, so `map.zones`
   * can be passed as is. Where rooms overlap, a tile belongs to the first listed room covering it.
   */
  rooms: readonly Zone[];
}

export interface PersonState {
  id: number;
  x: number;
  y: number;
  focus: boolean;
  moving: boolean;
}

export interface ConversationView {
  id: string;
  kind: ConversationKind;
  roomId?: string;
  /** Sorted ascending. */
  members: readonly number[];
  locked: boolean;
}

export type ConversationChange =
  /** `splitFrom` is set when the conversation is a part split off an existing one (see README). */
  | { type: 'started'; conversation: ConversationView; splitFrom?: string }
  | { type: 'joined'; conversation: ConversationView; personId: number }
  /** `conversation` is the state after the leave. */
  | { type: 'left'; conversation: ConversationView; personId: number }
  /** `lastMembers`: everyone still in it when it ended (they get no separate 'left'). */
  | { type: 'ended'; conversationId: string; lastMembers: readonly number[] }
  /** The lock state changed (locked true or false). */
  | { type: 'locked'; conversation: ConversationView }
  /**
   * `conversationId` is the refusing conversation, `room:<zoneId>` for a room past capacity, or `focus:<personId>`
   * for a reason 'focus' (then `focusPersonId` names the person in Focus).
   */
  | { type: 'refused'; personId: number; conversationId: string; reason: RefusalReason; focusPersonId?: number };

interface Person {
  id: number;
  x: number;
  y: number;
  key: number;
  focus: boolean;
  moving: boolean;
  /** When the stillness clock was last reset (tile change or moving=true). */
  stillSince: number;
  /** Not moving and on this tile for ≥ stillMs, as of the last evaluate (false until then). */
  still: boolean;
  /** The meeting room the tile is in, if any. */
  room: Zone | undefined;
}

interface Conversation {
  id: string;
  /** Creation order, across kinds: orders conversations() and breaks join ties. */
  seq: number;
  kind: ConversationKind;
  room: Zone | undefined;
  members: Set<number>;
  locked: boolean;
}

// Tiles are hashed to one safe integer: (y + L) * 2L + (x + L). Coordinates must stay strictly inside ±(L - 1) so
// that the neighbour keys (key ± 1, key ± 2L) never wrap onto another row.
const COORD_LIMIT = 2 ** 24;
const ROW_STRIDE = 2 * COORD_LIMIT;
const NEIGHBOUR_OFFSETS: readonly number[] = [
  -ROW_STRIDE - 1,
  -ROW_STRIDE,
  -ROW_STRIDE + 1,
  -1,
  1,
  ROW_STRIDE - 1,
  ROW_STRIDE,
  ROW_STRIDE + 1,
];

function tileKey(x: number, y: number): number {
  return (y + COORD_LIMIT) * ROW_STRIDE + (x + COORD_LIMIT);
}

function ascending(a: number, b: number): number {
  return a - b;
}

function sortedIds(ids: Iterable<number>): number[] {
  return Array.from(ids).sort(ascending);
}

function minOf(ids: ReadonlySet<number>): number {
  let min = Infinity;
  for (const id of ids) if (id < min) min = id;
  return min;
}

/** The meeting-room zones of a map's zones, frozen; throws when two share an id. */
function meetingRooms(zones: readonly Zone[]): readonly Zone[] {
  const rooms = zones.filter((z) => z.kind === 'meeting-room');
  const ids = new Set<string>();
  for (const room of rooms) {
    if (ids.has(room.id)) throw new WorldArgumentError(`two meeting rooms share id "${room.id}"`);
    ids.add(room.id);
  }
  return Object.freeze(rooms);
}

function isTileCoord(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < COORD_LIMIT - 1;
}

/**
 * Who talks with whom (DESIGN §2 "Walk-up conversation" and "Meeting room"): a deterministic, I/O-free state
 * machine. The server's office engine feeds it every position, stop and Focus change with `upsert`, asks `canEnter`
 * before letting a step into a meeting room, and calls `evaluate` every tick to learn what changed.
 *
 * Cost: tiles are hashed to the people on them, and `evaluate` only looks around people and tiles that changed since
 * the previous call (movers, people who just became still, members of conversations that changed), so a tick costs
 * about O(changed people × neighbours), not O(people²).
 */
export class ConversationRules {
  readonly cap: number;
  readonly stillMs: number;
  #rooms: readonly Zone[];

  readonly #people = new Map<number, Person>();
  /** Tile key → ids of the people on it (usually one). */
  readonly #tiles = new Map<number, Set<number>>();
  /** Room id → ids of everyone on its tiles, Focus included (that is what capacity counts). */
  readonly #occupants = new Map<string, Set<number>>();
  readonly #conversations = new Map<string, Conversation>();
  readonly #memberOf = new Map<number, Conversation>();
  /** Person → refusals already reported (key → reason), so each is reported once. */
  readonly #refused = new Map<number, Map<string, RefusalReason>>();
  /** People who are not moving but have not been still for stillMs yet. */
  readonly #pending = new Set<number>();
  /** People whose tile or Focus changed, or who left, since the last evaluate. */
  readonly #dirtyPeople = new Set<number>();
  /** Tiles around which free people must be looked at again. */
  readonly #dirtyTiles = new Set<number>();
  readonly #dirtyRooms = new Set<string>();
  #seq = 0;
  #walkupCount = 0;

  constructor(opts: ConversationRulesOptions) {
    const cap = opts.cap ?? DEFAULT_CONVERSATION_CAP;
    const stillMs = opts.stillMs ?? DEFAULT_STILL_MS;
    if (!Number.isInteger(cap) || cap < 2) throw new WorldArgumentError(`cap must be an integer ≥ 2, got ${cap}`);
    if (!Number.isFinite(stillMs) || stillMs < 0) {
      throw new WorldArgumentError(`stillMs must be a finite number ≥ 0, got ${stillMs}`);
    }
    this.cap = cap;
    this.stillMs = stillMs;
    this.#rooms = meetingRooms(opts.rooms);
    for (const room of this.#rooms) this.#occupants.set(room.id, new Set());
  }

  /** The meeting rooms, in map order. */
  get rooms(): readonly Zone[] {
    return this.#rooms;
  }

  /**
   * The office's map was saved with other meeting rooms (the office editor). A room kept as it was (same id, tiles
   * and capacity) keeps its call as it is; the call of a room that moved, was resized, changed capacity or is gone
   * ends now (returned as 'ended'). Everyone's room is worked out again on the new rooms, and the next `evaluate`
   * settles the rest: people now inside a room leave their walk-up conversation, people in a new or changed room
   * start its call, people no longer in a room may start walk-ups. Throws, changing nothing, when two rooms share an id.
   */
  replaceRooms(zones: readonly Zone[]): ConversationChange[] {
    const rooms = meetingRooms(zones);
    const next = new Map(rooms.map((r) => [r.id, r]));
    const unchanged = (a: Zone, b: Zone) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height && a.capacity === b.capacity;
    const changes: ConversationChange[] = [];
    for (const old of this.#rooms) {
      const convId = `room:${old.id}`;
      const call = this.#conversations.get(convId);
      const kept = next.get(old.id);
      if (kept && unchanged(old, kept)) {
        // Renamed at most: the call carries on under the new zone.
        if (call) call.room = kept;
        continue;
      }
      if (call) this.#end(call, changes);
      for (const refusals of this.#refused.values()) refusals.delete(convId);
      if (kept) this.#dirtyRooms.add(kept.id);
    }
    for (const room of rooms) if (!this.#occupants.has(room.id)) this.#dirtyRooms.add(room.id);
    this.#rooms = rooms;
    this.#occupants.clear();
    for (const room of rooms) this.#occupants.set(room.id, new Set());
    for (const p of this.#people.values()) {
      const room = this.roomAt(p.x, p.y);
      if (room) this.#occupants.get(room.id)!.add(p.id);
      if (room?.id !== p.room?.id) {
        if (p.room && next.has(p.room.id)) this.#dirtyRooms.add(p.room.id);
        if (room) this.#dirtyRooms.add(room.id);
        this.#dirtyPeople.add(p.id);
        this.#dirtyTiles.add(p.key);
      }
      p.room = room;
    }
    return changes;
  }

  /**
   * Record a person's current tile/state at time `now` (ms). Call on every move, stop, turn and focus change.
   * A change of tile or moving=true resets their stillness clock; moving=false on the same tile keeps it.
   * A new id enters the office. Takes effect for conversations at the next `evaluate`, for `canEnter` at once.
   */
  upsert(p: PersonState, now: number): void {
    const { id, x, y } = p;
    if (!Number.isSafeInteger(id)) throw new WorldArgumentError(`person id must be a safe integer, got ${id}`);
    if (!isTileCoord(x) || !isTileCoord(y)) {
      throw new WorldArgumentError(`person ${id}: tile (${x}, ${y}) must be integers within ±${COORD_LIMIT - 2}`);
    }
    const focus = p.focus === true;
    const moving = p.moving === true;
    const key = tileKey(x, y);
    const rec = this.#people.get(id);

    if (!rec) {
      const room = this.roomAt(x, y);
      const person: Person = { id, x, y, key, focus, moving, stillSince: now, still: false, room };
      this.#people.set(id, person);
      this.#addToTile(id, key);
      if (room) {
        this.#occupants.get(room.id)?.add(id);
        this.#dirtyRooms.add(room.id);
      }
      if (!moving) this.#pending.add(id);
      this.#dirtyPeople.add(id);
      this.#dirtyTiles.add(key);
      return;
    }

    const tileChanged = rec.key !== key;
    const focusChanged = rec.focus !== focus;
    const movingChanged = rec.moving !== moving;
    if (!tileChanged && !focusChanged && !movingChanged) {
      // A turn in place; moving=true still restarts the clock.
      if (moving) rec.stillSince = now;
      return;
    }

    if (tileChanged) {
      this.#dirtyTiles.add(rec.key);
      this.#removeFromTile(id, rec.key);
      this.#addToTile(id, key);
      rec.x = x;
      rec.y = y;
      rec.key = key;
      const room = this.roomAt(x, y);
      if (room !== rec.room) {
        if (rec.room) {
          this.#occupants.get(rec.room.id)?.delete(id);
          this.#dirtyRooms.add(rec.room.id);
        }
        if (room) {
          this.#occupants.get(room.id)?.add(id);
          this.#dirtyRooms.add(room.id);
        }
        rec.room = room;
      }
    }
    if (focusChanged && rec.room) this.#dirtyRooms.add(rec.room.id);
    rec.focus = focus;
    rec.moving = moving;
    if (tileChanged || moving) {
      rec.stillSince = now;
      rec.still = false;
      // "Once per person and conversation until that person moves."
      this.#refused.delete(id);
    }
    if (focus && focusChanged) this.#refused.delete(id);
    if (moving || rec.still) this.#pending.delete(id);
    else this.#pending.add(id);
    this.#dirtyPeople.add(id);
    this.#dirtyTiles.add(key);
  }

  /** The person left the office; they leave their conversation at the next `evaluate`. Unknown ids are ignored. */
  remove(id: number, _now: number): void {
    const rec = this.#people.get(id);
    if (!rec) return;
    this.#people.delete(id);
    this.#removeFromTile(id, rec.key);
    if (rec.room) {
      this.#occupants.get(rec.room.id)?.delete(id);
      this.#dirtyRooms.add(rec.room.id);
    }
    this.#pending.delete(id);
    this.#refused.delete(id);
    this.#dirtyPeople.add(id);
    this.#dirtyTiles.add(rec.key);
  }

  /** The meeting room containing the tile. */
  roomAt(x: number, y: number): Zone | undefined {
    for (const room of this.#rooms) if (zoneContains(room, x, y)) return room;
    return undefined;
  }

  /**
   * True when a person may step onto (x,y): false only when the tile is inside a meeting room they are not already
   * in whose capacity is reached. Everyone on the room's tiles counts, Focus included.
   */
  canEnter(personId: number, x: number, y: number): boolean {
    const room = this.roomAt(x, y);
    if (!room || room.capacity === undefined) return true;
    if (this.#people.get(personId)?.room === room) return true;
    return this.roomOccupancy(room.id) < room.capacity;
  }

  /** How many people (Focus included) stand in the meeting room now; 0 for an unknown id. */
  roomOccupancy(roomId: string): number {
    return this.#occupants.get(roomId)?.size ?? 0;
  }

  /** Only a member of a walk-up conversation may lock/unlock it; otherwise (or when nothing changes) returns []. */
  setLocked(personId: number, locked: boolean): ConversationChange[] {
    const c = this.#memberOf.get(personId);
    if (!c || c.kind !== 'walkup' || !this.#people.has(personId) || c.locked === locked) return [];
    c.locked = locked;
    // Unlocking lets waiting neighbours in; locking turns their refusal reason into 'locked'.
    this.#touchMembers(c);
    return [{ type: 'locked', conversation: this.#view(c) }];
  }

  /**
   * Re-evaluate everything at `now`; returns what changed since the last call. Order: walk-up leaves, splits and
   * ends (conversations in creation order); then meeting rooms (in `rooms` order); then walk-up joins, new walk-up
   * conversations and refusals (people in id order).
   */
  evaluate(now: number): ConversationChange[] {
    const changes: ConversationChange[] = [];

    for (const id of this.#pending) {
      const p = this.#people.get(id);
      if (!p) {
        this.#pending.delete(id);
      } else if (now - p.stillSince >= this.stillMs) {
        p.still = true;
        this.#pending.delete(id);
        this.#dirtyTiles.add(p.key);
      }
    }

    // 1. Walk-up conversations whose members moved, went into Focus or a room, or left the office.
    const affected = new Set<Conversation>();
    for (const id of this.#dirtyPeople) {
      const c = this.#memberOf.get(id);
      if (c && c.kind === 'walkup') affected.add(c);
    }
    for (const c of Array.from(affected).sort((a, b) => a.seq - b.seq)) this.#settleWalkup(c, changes);

    // 2. Meeting rooms whose occupants or their Focus changed.
    for (const room of this.#rooms) if (this.#dirtyRooms.has(room.id)) this.#settleRoom(room, changes);

    // 3. Free, still people near anything that changed: join, start, or be refused.
    this.#joinAndStart(changes);

    this.#dirtyPeople.clear();
    this.#dirtyTiles.clear();
    this.#dirtyRooms.clear();
    return changes;
  }

  conversationOf(personId: number): ConversationView | undefined {
    const c = this.#memberOf.get(personId);
    return c ? this.#view(c) : undefined;
  }

  conversation(id: string): ConversationView | undefined {
    const c = this.#conversations.get(id);
    return c ? this.#view(c) : undefined;
  }

  /** Every conversation, in creation order. */
  conversations(): ConversationView[] {
    return Array.from(this.#conversations.values())
      .sort((a, b) => a.seq - b.seq)
      .map((c) => this.#view(c));
  }

  // --- walk-up: leaving, splitting, ending -------------------------------------------------------------------------

  #settleWalkup(c: Conversation, changes: ConversationChange[]): void {
    const members = sortedIds(c.members);
    const valid = members.filter((id) => {
      const p = this.#people.get(id);
      return p !== undefined && !p.focus && !p.room;
    });
    // Singletons (nobody adjacent) leave; of the parts of ≥ 2 that remain, the one holding the lowest id keeps the
    // conversation and every other part becomes a new one.
    const groups = this.#componentsAmong(valid).filter((g) => g.length >= 2);
    const keep = groups[0];
    if (!keep) {
      this.#end(c, changes);
      return;
    }
    const kept = new Set(keep);
    let shrank = false;
    for (const id of members) {
      if (kept.has(id)) continue;
      c.members.delete(id);
      this.#memberOf.delete(id);
      const p = this.#people.get(id);
      if (p) this.#dirtyTiles.add(p.key);
      changes.push({ type: 'left', conversation: this.#view(c), personId: id });
      shrank = true;
    }
    for (const group of groups.slice(1)) {
      const n = this.#create('walkup', undefined, group);
      changes.push({ type: 'started', conversation: this.#view(n), splitFrom: c.id });
    }
    if (shrank) this.#touchMembers(c);
  }

  /** Adjacency components of a few ids (a conversation's members), each sorted, ordered by their lowest id. */
  #componentsAmong(ids: readonly number[]): number[][] {
    const seen = new Set<number>();
    const out: number[][] = [];
    for (const start of ids) {
      if (seen.has(start)) continue;
      seen.add(start);
      const comp = [start];
      for (let i = 0; i < comp.length; i++) {
        const a = this.#people.get(comp[i] as number);
        if (!a) continue;
        for (const id of ids) {
          if (seen.has(id)) continue;
          const b = this.#people.get(id);
          if (b && Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) === 1) {
            seen.add(id);
            comp.push(id);
          }
        }
      }
      out.push(comp.sort(ascending));
    }
    return out;
  }

  // --- meeting rooms -----------------------------------------------------------------------------------------------

  #settleRoom(room: Zone, changes: ConversationChange[]): void {
    const convId = `room:${room.id}`;
    let c = this.#conversations.get(convId);
    const eligible = sortedIds(this.#occupants.get(room.id) ?? []).filter((id) => this.#people.get(id)?.focus === false);
    const capacity = room.capacity ?? Infinity;
    let target = eligible;
    let overflow: number[] = [];
    if (eligible.length > capacity) {
      // Only reachable when the engine places people without asking canEnter: current members stay, then lowest ids.
      const current = c;
      const staying = current ? eligible.filter((id) => current.members.has(id)) : [];
      const others = current ? eligible.filter((id) => !current.members.has(id)) : eligible;
      target = [...staying, ...others].slice(0, capacity).sort(ascending);
      const inTarget = new Set(target);
      overflow = eligible.filter((id) => !inTarget.has(id));
    }

    const targetSet = new Set(target);
    if (c && (target.length < 2 || !target.some((id) => c?.members.has(id)))) {
      // Fewer than two left, or nobody carries over: that call is over.
      this.#end(c, changes);
      c = undefined;
    }
    if (target.length >= 2) {
      if (!c) {
        c = this.#create('room', room, target);
        changes.push({ type: 'started', conversation: this.#view(c) });
      } else {
        const conv = c;
        const leavers = sortedIds(conv.members).filter((id) => !targetSet.has(id));
        const joiners = target.filter((id) => !conv.members.has(id));
        // Leave first while at least two stay; join while under capacity; so each view stays within 2..capacity
        // whenever that is possible.
        let li = 0;
        let ji = 0;
        while (li < leavers.length || ji < joiners.length) {
          const leaver = leavers[li];
          const joiner = joiners[ji];
          if (leaver !== undefined && (conv.members.size > 2 || joiner === undefined || conv.members.size + 1 > capacity)) {
            li++;
            conv.members.delete(leaver);
            this.#memberOf.delete(leaver);
            changes.push({ type: 'left', conversation: this.#view(conv), personId: leaver });
          } else if (joiner !== undefined) {
            ji++;
            conv.members.add(joiner);
            this.#memberOf.set(joiner, conv);
            this.#refused.get(joiner)?.delete(convId);
            changes.push({ type: 'joined', conversation: this.#view(conv), personId: joiner });
          }
        }
      }
    }
    for (const id of target) this.#refused.get(id)?.delete(convId);
    for (const id of overflow) {
      this.#report(id, new Map([[convId, { reason: 'full' as RefusalReason }]]), changes, (k) => k === convId);
    }
  }

  // --- walk-up: joining and starting -------------------------------------------------------------------------------

  /** Outside rooms, not in Focus, still, and in no conversation. */
  #isFree(id: number): boolean {
    const p = this.#people.get(id);
    return p !== undefined && p.still && !p.focus && !p.room && !this.#memberOf.has(id);
  }

  #accepts(c: Conversation): boolean {
    return !c.locked && c.members.size < this.cap;
  }

  #joinAndStart(changes: ConversationChange[]): void {
    const candidates = new Set<number>();
    for (const key of this.#dirtyTiles) {
      this.#forPeopleAt(key, (id) => candidates.add(id));
      for (const off of NEIGHBOUR_OFFSETS) this.#forPeopleAt(key + off, (id) => candidates.add(id));
    }
    if (candidates.size === 0) return;

    // Joins, in rounds: whoever joins may bring their free neighbours in next round (chains grow at once).
    const examined = new Set<number>();
    let work = sortedIds(candidates);
    while (work.length > 0) {
      const next = new Set<number>();
      for (const id of work) {
        if (!this.#isFree(id)) continue;
        examined.add(id);
        const p = this.#people.get(id) as Person;
        let best: Conversation | undefined;
        this.#forNeighbours(p, (n) => {
          const c = this.#memberOf.get(n);
          if (!c || c.kind !== 'walkup' || !this.#accepts(c)) return;
          if (!best || c.members.size > best.members.size || (c.members.size === best.members.size && c.seq < best.seq)) {
            best = c;
          }
        });
        const target = best as Conversation | undefined;
        if (!target) continue;
        target.members.add(id);
        this.#memberOf.set(id, target);
        this.#refused.delete(id);
        changes.push({ type: 'joined', conversation: this.#view(target), personId: id });
        this.#forNeighbours(p, (n) => {
          if (this.#isFree(n)) next.add(n);
        });
      }
      work = sortedIds(next);
    }

    // Starts: free, still, mutually adjacent people, grown from the lowest id, lowest ids first, up to the cap.
    const grouped = new Set<number>();
    for (const id of sortedIds(examined)) {
      if (grouped.has(id) || !this.#isFree(id)) continue;
      const pool = this.#freeComponent(id);
      for (const m of pool) grouped.add(m);
      while (pool.size >= 2) {
        const group = this.#takeGroup(pool);
        if (group.length < 2) continue;
        const c = this.#create('walkup', undefined, group);
        for (const m of group) this.#refused.delete(m);
        changes.push({ type: 'started', conversation: this.#view(c) });
      }
    }

    // Refusals: for whoever is still free, each adjacent conversation that would not take them, and each still
    // person in Focus they would otherwise have started one with.
    for (const id of sortedIds(examined)) {
      if (!this.#isFree(id)) continue;
      const p = this.#people.get(id) as Person;
      const convs: Conversation[] = [];
      const focused: number[] = [];
      this.#forNeighbours(p, (n) => {
        const c = this.#memberOf.get(n);
        if (c && c.kind === 'walkup' && !convs.includes(c)) convs.push(c);
        const q = this.#people.get(n);
        if (q && q.focus && q.still && !q.room) focused.push(n);
      });
      const reasons = new Map<string, { reason: RefusalReason; focusPersonId?: number }>();
      for (const c of convs.sort((a, b) => a.seq - b.seq)) reasons.set(c.id, { reason: c.locked ? 'locked' : 'full' });
      for (const n of focused.sort(ascending)) reasons.set(`focus:${n}`, { reason: 'focus', focusPersonId: n });
      this.#report(id, reasons, changes, () => true);
    }
  }

  /** Free people connected to `start` through free people. */
  #freeComponent(start: number): Set<number> {
    const comp = new Set<number>([start]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const p = this.#people.get(queue[i] as number) as Person;
      this.#forNeighbours(p, (n) => {
        if (!comp.has(n) && this.#isFree(n)) {
          comp.add(n);
          queue.push(n);
        }
      });
    }
    return comp;
  }

  /**
   * Removes and returns a connected group from the pool: its lowest id, then repeatedly the lowest id adjacent to
   * the group, up to the cap.
   */
  #takeGroup(pool: Set<number>): number[] {
    const first = minOf(pool);
    pool.delete(first);
    const group = [first];
    const frontier = new Set<number>();
    const grow = (id: number): void => {
      this.#forNeighbours(this.#people.get(id) as Person, (n) => {
        if (pool.has(n)) frontier.add(n);
      });
    };
    grow(first);
    while (group.length < this.cap && frontier.size > 0) {
      const id = minOf(frontier);
      frontier.delete(id);
      pool.delete(id);
      group.push(id);
      grow(id);
    }
    return group.sort(ascending);
  }

  // --- helpers -----------------------------------------------------------------------------------------------------

  /**
   * Reconciles a person's reported refusals (those whose key passes `scope`) with `current`: keys no longer current
   * are forgotten (the reason went away), new ones or changed reasons are reported, in `current`'s order.
   */
  #report(
    personId: number,
    current: ReadonlyMap<string, { reason: RefusalReason; focusPersonId?: number }>,
    changes: ConversationChange[],
    scope: (key: string) => boolean,
  ): void {
    let known = this.#refused.get(personId);
    if (known) {
      for (const key of known.keys()) if (scope(key) && !current.has(key)) known.delete(key);
    }
    for (const [key, { reason, focusPersonId }] of current) {
      if (known?.get(key) === reason) continue;
      if (!known) {
        known = new Map();
        this.#refused.set(personId, known);
      }
      known.set(key, reason);
      const change: ConversationChange = { type: 'refused', personId, conversationId: key, reason };
      if (focusPersonId !== undefined) change.focusPersonId = focusPersonId;
      changes.push(change);
    }
    if (known && known.size === 0) this.#refused.delete(personId);
  }

  #create(kind: ConversationKind, room: Zone | undefined, members: readonly number[]): Conversation {
    const id = kind === 'room' && room ? `room:${room.id}` : `c${++this.#walkupCount}`;
    const c: Conversation = { id, seq: ++this.#seq, kind, room, members: new Set(members), locked: false };
    this.#conversations.set(id, c);
    for (const m of members) this.#memberOf.set(m, c);
    return c;
  }

  #end(c: Conversation, changes: ConversationChange[]): void {
    const lastMembers = sortedIds(c.members);
    this.#conversations.delete(c.id);
    for (const m of lastMembers) {
      if (this.#memberOf.get(m) === c) this.#memberOf.delete(m);
      const p = this.#people.get(m);
      if (p) this.#dirtyTiles.add(p.key);
    }
    changes.push({ type: 'ended', conversationId: c.id, lastMembers: Object.freeze(lastMembers) });
  }

  /** Free people next to the members may now be able to join: look at them again. */
  #touchMembers(c: Conversation): void {
    for (const m of c.members) {
      const p = this.#people.get(m);
      if (p) this.#dirtyTiles.add(p.key);
    }
  }

  #view(c: Conversation): ConversationView {
    const view: ConversationView = { id: c.id, kind: c.kind, members: Object.freeze(sortedIds(c.members)), locked: c.locked };
    if (c.room) view.roomId = c.room.id;
    return Object.freeze(view);
  }

  #forPeopleAt(key: number, fn: (id: number) => void): void {
    const ids = this.#tiles.get(key);
    if (ids) for (const id of ids) fn(id);
  }

  /** People on the 8 tiles around p (Chebyshev distance exactly 1). */
  #forNeighbours(p: Person, fn: (id: number) => void): void {
    for (const off of NEIGHBOUR_OFFSETS) this.#forPeopleAt(p.key + off, fn);
  }

  #addToTile(id: number, key: number): void {
    let ids = this.#tiles.get(key);
    if (!ids) {
      ids = new Set();
      this.#tiles.set(key, ids);
    }
    ids.add(id);
  }

  #removeFromTile(id: number, key: number): void {
    const ids = this.#tiles.get(key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.#tiles.delete(key);
  }
}
