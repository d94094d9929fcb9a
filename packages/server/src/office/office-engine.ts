import {
  encodeAoi, encodeCorrection, encodeWorld, type AvatarEnter, type PresenceUpdate,
  type Activity, type AvatarInfo, type AvatarMove, type Availability, type ConversationState, type CorrectionReason, type Direction,
  type AvatarSpecView, type ErrorCode, type MoveFrame, type RosterReplyMsg, type RtcSignal,
} from '@metaoffice/protocol';
import {
  AoiGrid, ConversationRules, EMPTY_RECT, OfficeMap, StepRateLimiter, checkStep, nearestWalkable,
  type CellRect, type ConversationChange, type ConversationView, type TilePos,
} from '@metaoffice/world';

/** Where the engine writes to one client; the gateway adapts a WebSocket to it. */
export interface ClientSink {
  sendText(text: string): void;
  sendBinary(bytes: Uint8Array): void;
  /** Bytes queued for this client and not yet written to the network; a slow client is sent fewer moves. */
  queuedBytes?(): number;
  /** Hold writes until uncork, so a tick's frames for one client leave in one system call. */
  cork?(): void;
  uncork?(): void;
}

export interface Member {
  userId: string;
  name: string;
  look: number;
  /** The layered avatar (the avatar editor's choices); clients draw `look` until they know it. */
  avatar?: AvatarSpecView | undefined;
  availability: Availability;
  activity: Activity;
}

export interface SpawnHints {
  /** Where the client says it last stood (a reconnect after a restart). */
  resume?: TilePos | undefined;
  mode: 'default' | 'saved';
  saved?: TilePos | null | undefined;
}

interface Avatar {
  readonly avatarId: number;
  readonly userId: string;
  readonly name: string;
  readonly look: number;
  avatar: AvatarSpecView | undefined;
  x: number;
  y: number;
  dir: Direction;
  moving: boolean;
  availability: Availability;
  activity: Activity;
  viewCols: number;
  viewRows: number;
  /** The AOI cell the avatar stands in now. */
  cell: number;
  /** The cell it stood in at the end of the last tick, as every client was told; -1 until its first tick. */
  tickCell: number;
  /**
   * The cells this client saw at the end of the last tick. What it knows is exactly the avatars whose `tickCell` lies
   * in `win`, so no per-client set of known avatars is kept (that set would cost kilobytes per person at 10,000).
   */
  win: CellRect;
  /** How many cells `win` reaches from the avatar's own cell (-1 before its first tick): bounds "who sees a cell". */
  reach: number;
  /** Moves were skipped because the client's socket was backed up; it gets a full resync once it drains. */
  stale: boolean;
  /** Answers to wait for this client's next tick, so they share its one write (names asked for with `who`). */
  outbox: string[] | undefined;
  readonly sink: ClientSink;
  readonly limiter: StepRateLimiter;
}

/** What one client is told in this tick's AOI frame: avatars into and out of view, and presence changes. */
interface Pending {
  enter: AvatarEnter[];
  leave: number[];
  update: PresenceUpdate[];
}

/** An avatar that changed cell, joined (from -1) or left (to -1) since the last tick. */
interface CellChange {
  avatarId: number;
  avatar: Avatar | undefined;
  from: number;
  to: number;
}

/** Past this many queued bytes a client is skipped for moves (not for enters and leaves) until it catches up. */
const SHED_QUEUED_BYTES = 64 * 1024;

function sameRect(a: CellRect, b: CellRect): boolean {
  return a.c0 === b.c0 && a.c1 === b.c1 && a.r0 === b.r0 && a.r1 === b.r1;
}

export interface EngineOptions {
  tickMs: number;
  stepsPerSecond: number;
  aoiMarginTiles: number;
  resumeGraceMs: number;
  now?: () => number;
  /** Largest walk-up conversation. */
  conversationCap?: number;
  /** How long two people must stand still next to each other before their call starts. */
  conversationStillMs?: number;
  /** Side of an area-of-interest cell in tiles (default 10): smaller cells send less around the view, cost more work. */
  aoiCellTiles?: number;
  /** 'aoi' (default) sends each client only what is around its viewport; 'broadcast' sends everything to everyone. */
  aoiMode?: 'aoi' | 'broadcast';
  /** Called after each tick with its duration, for metrics. */
  onTick?: (ms: number, framesOut: number, bytesOut: number) => void;
  /** Someone entered or left a call (walk-up or meeting room); presence shows them Busy / InACall. */
  onCallChange?: (userId: string, inCall: boolean) => void;
  /** A member's conversation state changed (Teams mode gives the call a Teams meeting). */
  onConversation?: (officeId: string, userId: string, conversation: ConversationState | null) => void;
}

/**
 * Focus: do-not-disturb, or (Teams mode) a meeting in the person's Microsoft 365 calendar, which Graph reports as
 * Busy/InAMeeting. Nobody walks up into someone's Teams meeting.
 */
export function isFocus(availability: Availability, activity: Activity): boolean {
  return availability === 'DoNotDisturb' || activity === 'InAMeeting';
}

export type MoveOutcome = { ok: true } | { ok: false; reason: CorrectionReason };

/**
 * The authoritative simulation of one office: who stands where, which steps are legal, and who gets to hear about
 * which avatar. Each tick it sends every client one batched update covering just the area of interest around its
 * viewport: avatars that came into view (JSON), moves of avatars already known (binary), and those that left.
 */
export class OfficeEngine {
  readonly aoi: AoiGrid<Avatar>;
  private readonly avatars = new Map<number, Avatar>();
  private readonly byUser = new Map<string, number>();
  /** Avatars that moved, turned, stopped or jumped since the last tick. */
  private readonly moved = new Set<Avatar>();
  private readonly presenceChanged = new Set<Avatar>();
  /** Avatars whose window may have changed: they moved, joined or resized their viewport. */
  private readonly winDirty = new Set<Avatar>();
  /** Avatars that changed cell or joined since the last tick. */
  private readonly crossed = new Set<Avatar>();
  /** Avatars that left since the last tick, with the cell the others last saw them in. */
  private departed: CellChange[] = [];
  /** How many avatars have each window reach, so searches use the largest reach present, not a fixed worst case. */
  private readonly reachCounts: number[] = [];
  /** Search radius in cells for "who can see this cell": the largest window reach plus one. */
  private scanReach = 1;
  /** Avatars per tile index, so teleports and spawns land on free tiles. */
  private readonly occupancy = new Map<number, number>();
  /** Where recently disconnected users stood, so a reload or a dropped link resumes in place. */
  private readonly ghosts = new Map<string, { x: number; y: number; dir: Direction; until: number }>();
  /** Who talks with whom: walk-up conversations and meeting rooms, decided by the pure rules in `world`. */
  readonly conversations: ConversationRules;
  /** The map in force; replaced in place when an admin saves a new version of the same size (replaceMap). */
  map: OfficeMap;
  /** The stored version of `map` (1 for the map the office was created with). */
  mapVersion: number;
  private chatSeq = 0;
  private nextAvatarId = 1;
  private tickNo = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(
    readonly officeId: string,
    map: OfficeMap,
    private readonly opts: EngineOptions,
    mapVersion = 1,
  ) {
    this.map = map;
    this.mapVersion = mapVersion;
    this.aoi = new AoiGrid<Avatar>(map.width, map.height, opts.aoiCellTiles);
    this.now = opts.now ?? Date.now;
    // One set of rules for the engine's life: a saved map swaps its rooms in (replaceMap).
    this.conversations = new ConversationRules({ cap: opts.conversationCap ?? 6, stillMs: opts.conversationStillMs ?? 300, rooms: map.zones });
  }

  /**
   * Switches to a new version of the map while everyone stays connected (an admin saved the office in the editor).
   * Returns false, changing nothing, when the size differs: the area-of-interest grid is sized by the map, so the
   * caller restarts the office instead. Everyone standing on a tile that became a wall is moved to the nearest free
   * tile. A meeting room kept as it was (same tiles and capacity) keeps its call; the call of a room that moved,
   * shrank, grew, changed capacity or is gone ends and forms again under the new rooms at the next tick (a call keyed
   * to a room that changed cannot carry on as it was). Walk-up calls carry on unless a new room takes their people in.
   * Every client is told `{ t: 'map', version }` and fetches the new map itself: it can be megabytes, and each
   * client needs it once, not once per engine tick.
   */
  replaceMap(map: OfficeMap, version: number): boolean {
    if (map.width !== this.map.width || map.height !== this.map.height) return false;
    const now = this.now();
    this.applyConversationChanges(this.conversations.replaceRooms(map.zones));
    this.map = map;
    this.mapVersion = version;
    const notice = JSON.stringify({ t: 'map', version });
    for (const a of this.avatars.values()) {
      a.sink.sendText(notice);
      if (!map.isWalkable(a.x, a.y)) {
        const spot = this.nearestFreeTile(a, 20) ?? this.chooseStart(a.userId, { mode: 'default' });
        this.occupy(a.x, a.y, -1);
        a.x = spot.x;
        a.y = spot.y;
        this.occupy(a.x, a.y, 1);
        a.moving = false;
        this.relocate(a);
        this.moved.add(a);
        // A server-made jump, as with a teleport: the client places the avatar there and stops walking.
        a.sink.sendBinary(encodeCorrection({ seq: 0, x: a.x, y: a.y, dir: a.dir, reason: 'teleport' }));
        this.conversations.upsert(this.personState(a), now);
      }
    }
    // Ghosts were placed on the old map; a resume onto a wall is mended by chooseStart.
    return true;
  }

  get size(): number {
    return this.avatars.size;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Places a member in the office and returns their avatar; the caller sends the welcome before the next tick. */
  join(member: Member, hints: SpawnHints, sink: ClientSink, viewport: { cols: number; rows: number }): AvatarInfo {
    const existing = this.byUser.get(member.userId);
    if (existing !== undefined) this.leave(existing);
    const start = this.chooseStart(member.userId, hints);
    const avatar: Avatar = {
      avatarId: this.nextAvatarId++,
      userId: member.userId,
      name: member.name,
      look: member.look,
      avatar: member.avatar,
      x: start.x,
      y: start.y,
      dir: start.dir,
      moving: false,
      availability: member.availability,
      activity: member.activity,
      viewCols: viewport.cols,
      viewRows: viewport.rows,
      cell: -1,
      tickCell: -1,
      win: EMPTY_RECT,
      reach: -1,
      stale: false,
      outbox: undefined,
      sink,
      // A burst of 3 absorbs steps a busy browser sends bunched together; the long-run speed stays capped.
      limiter: new StepRateLimiter(this.opts.stepsPerSecond, 3),
    };
    this.avatars.set(avatar.avatarId, avatar);
    this.byUser.set(member.userId, avatar.avatarId);
    avatar.cell = this.aoi.insert(avatar, avatar.x, avatar.y);
    this.occupy(avatar.x, avatar.y, 1);
    this.ghosts.delete(member.userId);
    this.crossed.add(avatar);
    this.winDirty.add(avatar);
    this.conversations.upsert(this.personState(avatar), this.now());
    return this.info(avatar);
  }

  leave(avatarId: number): void {
    const a = this.avatars.get(avatarId);
    if (!a) return;
    this.avatars.delete(avatarId);
    if (this.byUser.get(a.userId) === avatarId) this.byUser.delete(a.userId);
    this.aoi.remove(a);
    this.occupy(a.x, a.y, -1);
    this.moved.delete(a);
    this.presenceChanged.delete(a);
    this.winDirty.delete(a);
    this.crossed.delete(a);
    if (a.tickCell >= 0) this.departed.push({ avatarId, avatar: undefined, from: a.tickCell, to: -1 });
    this.setReach(a, -1);
    // Leaving the office leaves the call at once, not at the next tick, so peers tear down promptly.
    this.conversations.remove(avatarId, this.now());
    this.applyConversationChanges(this.conversations.evaluate(this.now()));
    if (this.opts.resumeGraceMs > 0) this.ghosts.set(a.userId, { x: a.x, y: a.y, dir: a.dir, until: this.now() + this.opts.resumeGraceMs });
  }

  /** Applies one step or turn from a client; an illegal one is answered with a correction to the true position. */
  handleMove(avatarId: number, m: MoveFrame): MoveOutcome {
    const a = this.avatars.get(avatarId);
    if (!a) return { ok: false, reason: 'not-adjacent' };
    const from = { x: a.x, y: a.y };
    const to = { x: m.x, y: m.y };
    const verdict = checkStep(this.map, from, to);
    let reason: CorrectionReason | undefined = verdict.ok ? undefined : verdict.reason;
    const isStep = from.x !== to.x || from.y !== to.y;
    // A turn or a stop in place costs nothing; only real steps spend the speed budget.
    if (!reason && isStep && !this.conversations.canEnter(avatarId, to.x, to.y)) reason = 'room-full';
    if (!reason && isStep && !a.limiter.tryStep(this.now())) reason = 'too-fast';
    if (reason) {
      a.moving = false;
      a.sink.sendBinary(encodeCorrection({ seq: m.seq, x: a.x, y: a.y, dir: a.dir, reason }));
      if (reason === 'room-full') {
        const room = this.conversations.roomAt(to.x, to.y);
        this.sendError(a, 'ROOM_FULL', `${room?.name || 'This room'} is full${room?.capacity ? ` (${room.capacity} people)` : ''}.`);
      }
      this.conversations.upsert(this.personState(a), this.now());
      return { ok: false, reason };
    }
    if (isStep) {
      this.occupy(a.x, a.y, -1);
      a.x = to.x;
      a.y = to.y;
      this.occupy(a.x, a.y, 1);
      this.relocate(a);
    }
    a.dir = m.dir;
    a.moving = m.moving;
    this.moved.add(a);
    this.conversations.upsert(this.personState(a), this.now());
    return { ok: true };
  }

  setViewport(avatarId: number, cols: number, rows: number): void {
    const a = this.avatars.get(avatarId);
    if (!a) return;
    a.viewCols = cols;
    a.viewRows = rows;
    this.winDirty.add(a);
  }

  locate(userId: string): TilePos | undefined {
    const id = this.byUser.get(userId);
    const a = id === undefined ? undefined : this.avatars.get(id);
    return a ? { x: a.x, y: a.y } : undefined;
  }

  positionOf(avatarId: number): (TilePos & { dir: Direction }) | undefined {
    const a = this.avatars.get(avatarId);
    return a ? { x: a.x, y: a.y, dir: a.dir } : undefined;
  }

  /** Moves an avatar onto the nearest free walkable tile next to another user. */
  teleportNextTo(avatarId: number, targetUserId: string): 'ok' | 'PERSON_NOT_FOUND' | 'NO_FREE_TILE' {
    const a = this.avatars.get(avatarId);
    const target = this.locate(targetUserId);
    if (!a || !target || targetUserId === a.userId) return 'PERSON_NOT_FOUND';
    const spot = nearestWalkable(this.map, target, (x, y) => !this.occupancy.get(this.tileIndex(x, y)) && this.conversations.canEnter(avatarId, x, y), 20);
    if (!spot) return 'NO_FREE_TILE';
    this.occupy(a.x, a.y, -1);
    a.x = spot.x;
    a.y = spot.y;
    this.occupy(a.x, a.y, 1);
    a.dir = faceTowards(spot, target);
    a.moving = false;
    this.relocate(a);
    this.moved.add(a);
    this.conversations.upsert(this.personState(a), this.now());
    // The seq 0 correction tells the client this jump was the server's doing, not an answer to a step.
    a.sink.sendBinary(encodeCorrection({ seq: 0, x: a.x, y: a.y, dir: a.dir, reason: 'teleport' }));
    return 'ok';
  }

  setPresence(userId: string, availability: Availability, activity: Activity): void {
    const id = this.byUser.get(userId);
    const a = id === undefined ? undefined : this.avatars.get(id);
    if (!a || (a.availability === availability && a.activity === activity)) return;
    a.availability = availability;
    a.activity = activity;
    this.presenceChanged.add(a);
    // Do-not-disturb is Focus: out of any call at once, and nobody can start one with them.
    this.conversations.upsert(this.personState(a), this.now());
  }

  /**
   * One authoritative tick: every client gets one JSON frame for avatars that came into or left its view (and
   * presence changes) and one binary frame with the moves in the cells it sees. The work scales with what changed,
   * not with clients × visible avatars: moves are encoded once per cell and the frame is shared by every client
   * whose window covers the same cells; enters and leaves are worked out only for avatars that changed cell and for
   * clients whose window moved.
   */
  tick(): void {
    const started = performance.now();
    this.tickNo = (this.tickNo + 1) >>> 0;
    this.applyConversationChanges(this.conversations.evaluate(this.now()));
    let frames = 0;
    let bytes = 0;

    // 1. New windows, and who jumped (teleport, correction across the map) rather than walked.
    const newWin = new Map<Avatar, CellRect>();
    const newReach = new Map<Avatar, number>();
    const jumped: Avatar[] = [];
    let reach = this.maxReach();
    for (const a of this.winDirty) {
      const w = this.windowOf(a);
      if (!sameRect(w, a.win)) newWin.set(a, w);
      // Reach is measured from the avatar's own cell, so it changes with every cell it walks into, even when the
      // window does not (a window clamped to the map on both sides).
      const r = this.reachOf(a, w);
      newReach.set(a, r);
      reach = Math.max(reach, r);
      if (a.tickCell >= 0 && this.cellDistance(a.tickCell, a.cell) > 1) jumped.push(a);
    }
    // Walking moves a client at most one cell per tick, hence the extra cell.
    this.scanReach = reach + 1;
    const winNow = (c: Avatar) => newWin.get(c) ?? c.win;
    const pending = new Map<Avatar, Pending>();
    const pend = (c: Avatar): Pending => {
      let p = pending.get(c);
      if (!p) pending.set(c, (p = { enter: [], leave: [], update: [] }));
      return p;
    };
    // One enter record per avatar and tick, shared by every client it comes into view for.
    const enters = new Map<Avatar, AvatarEnter>();
    const enterOf = (a: Avatar): AvatarEnter => {
      let e = enters.get(a);
      if (!e) enters.set(a, (e = { avatarId: a.avatarId, x: a.x, y: a.y, dir: a.dir, moving: a.moving, look: a.look, availability: a.availability, activity: a.activity }));
      return e;
    };
    // Whether client c knew o before this tick (k0) and should know it after (k1); a difference is an enter or leave.
    const judge = (c: Avatar, o: CellChange): void => {
      if (c.avatarId === o.avatarId) return;
      const k0 = this.aoi.rectHas(c.win, o.from);
      const k1 = this.aoi.rectHas(winNow(c), o.to);
      if (k0 && !k1) pend(c).leave.push(o.avatarId);
      else if (!k0 && k1) pend(c).enter.push(enterOf(o.avatar!));
    };

    // 2. Avatars that changed cell, joined or left, against every client near enough to have seen them.
    const changes: CellChange[] = this.departed;
    for (const o of this.crossed) changes.push({ avatarId: o.avatarId, avatar: o, from: o.tickCell, to: o.cell });
    const jumpedSet = new Set(jumped);
    for (const o of changes) {
      this.forEachNear(o.from, o.to, (c) => {
        if (!jumpedSet.has(c)) judge(c, o);
      });
    }
    // 3. Clients whose window moved, against the avatars that stayed in their cell (the rest was step 2). Such an
    //    avatar can only enter or leave if its cell is in one window and not the other.
    for (const [c, w1] of newWin) {
      const w0 = c.win;
      const visit = (o: Avatar) => {
        // Membership, not tickCell === cell: an avatar that left its cell and came back this tick was judged in step 2.
        if (!this.crossed.has(o)) judge(c, { avatarId: o.avatarId, avatar: o, from: o.tickCell, to: o.cell });
      };
      this.forEachInRect(w1, w0, visit);
      this.forEachInRect(w0, w1, visit);
    }
    // A client that jumped may be far from where it was: check it against every change directly (teleports are rare).
    for (const c of jumped) for (const o of changes) judge(c, o);

    // 4. Presence changes reach everyone who sees the avatar after this tick, and the avatar itself.
    for (const o of this.presenceChanged) {
      const u = { avatarId: o.avatarId, availability: o.availability, activity: o.activity };
      pend(o).update.push(u);
      this.forEachNear(o.cell, -1, (c) => {
        if (c !== o && this.aoi.rectHas(winNow(c), o.cell)) pend(c).update.push(u);
      });
      for (const c of jumped) if (c !== o && this.aoi.rectHas(winNow(c), o.cell)) pend(c).update.push(u);
    }

    // 5. Moves, encoded once per cell.
    const cellMoves = new Map<number, AvatarMove[]>();
    for (const o of this.moved) {
      let list = cellMoves.get(o.cell);
      if (!list) cellMoves.set(o.cell, (list = []));
      list.push({ avatarId: o.avatarId, x: o.x, y: o.y, dir: o.dir, moving: o.moving });
    }

    // 6. Send: the AOI frame first, so an avatar is entered before its first move; then the world frame, shared
    //    between every client whose window covers the same cells. Both go out in one write: at thousands of clients
    //    the system call per write, not the encoding, is what a tick costs.
    const frameFor = new Map<number, Uint8Array | null>();
    for (const c of this.avatars.values()) {
      const p = pending.get(c);
      const aoi = p ? encodeAoi(this.tickNo, p.enter, p.leave, p.update) : undefined;
      const w = winNow(c);
      let bin: Uint8Array | null = null;
      // Overload: a client whose socket is backed up skips moves, never enters or leaves; once it drains it gets every
      // position in view at once, so it always ends on the true stop positions.
      if ((c.sink.queuedBytes?.() ?? 0) > SHED_QUEUED_BYTES) c.stale = true;
      else if (c.stale) {
        c.stale = false;
        const all: AvatarMove[] = [];
        this.forEachInRect(w, undefined, (o) => {
          if (o !== c) all.push({ avatarId: o.avatarId, x: o.x, y: o.y, dir: o.dir, moving: o.moving });
        });
        bin = all.length ? encodeWorld(this.tickNo, all) : null;
      } else if (cellMoves.size > 0) {
        const key = ((w.r0 * this.aoi.rows + w.r1) * this.aoi.cols + w.c0) * this.aoi.cols + w.c1;
        const cached = frameFor.get(key);
        if (cached !== undefined) bin = cached;
        else {
          const moves: AvatarMove[] = [];
          this.forEachCellInRect(w, undefined, (cell) => {
            const list = cellMoves.get(cell);
            if (list) for (const m of list) moves.push(m);
          });
          bin = moves.length ? encodeWorld(this.tickNo, moves) : null;
          frameFor.set(key, bin);
        }
      }
      const outbox = c.outbox;
      if (aoi === undefined && !bin && !outbox) continue;
      c.sink.cork?.();
      if (outbox) {
        c.outbox = undefined;
        for (const text of outbox) {
          c.sink.sendText(text);
          frames++;
          bytes += text.length;
        }
      }
      if (aoi !== undefined) {
        c.sink.sendBinary(aoi);
        frames++;
        bytes += aoi.byteLength;
      }
      if (bin) {
        c.sink.sendBinary(bin);
        frames++;
        bytes += bin.byteLength;
      }
      c.sink.uncork?.();
    }

    // 7. What every client was told is now the baseline for the next tick.
    for (const o of this.crossed) o.tickCell = o.cell;
    for (const [c, w] of newWin) c.win = w;
    for (const [c, r] of newReach) this.setReach(c, r);
    this.scanReach = this.maxReach() + 1;
    this.crossed.clear();
    this.departed = [];
    this.winDirty.clear();
    this.moved.clear();
    this.presenceChanged.clear();
    this.expireGhosts();
    this.opts.onTick?.(performance.now() - started, frames, bytes);
  }

  /** Re-indexes an avatar after it changed tile. */
  private relocate(a: Avatar): void {
    const { to } = this.aoi.move(a, a.x, a.y);
    if (to !== a.cell) {
      a.cell = to;
      if (a.tickCell >= 0) this.crossed.add(a);
    }
    this.winDirty.add(a);
  }

  private windowOf(a: Avatar): CellRect {
    if (this.opts.aoiMode === 'broadcast') return this.aoi.wholeRect();
    return this.aoi.viewRect({ x: a.x, y: a.y }, a.viewCols, a.viewRows, this.opts.aoiMarginTiles);
  }

  private cellDistance(a: number, b: number): number {
    const cols = this.aoi.cols;
    return Math.max(Math.abs((a % cols) - (b % cols)), Math.abs(Math.floor(a / cols) - Math.floor(b / cols)));
  }

  private reachOf(a: Avatar, w: CellRect): number {
    if (w.c0 > w.c1) return 0;
    const col = a.cell % this.aoi.cols;
    const row = Math.floor(a.cell / this.aoi.cols);
    return Math.max(col - w.c0, w.c1 - col, row - w.r0, w.r1 - row, 0);
  }

  /** Keeps the reach histogram; -1 takes the avatar out of it. */
  private setReach(a: Avatar, reach: number): void {
    if (a.reach >= 0) this.reachCounts[a.reach] = (this.reachCounts[a.reach] ?? 1) - 1;
    a.reach = reach;
    if (reach >= 0) this.reachCounts[reach] = (this.reachCounts[reach] ?? 0) + 1;
  }

  private maxReach(): number {
    for (let r = this.reachCounts.length - 1; r > 0; r--) if ((this.reachCounts[r] ?? 0) > 0) return r;
    return 0;
  }

  /**
   * Every avatar that could see cell `a` or cell `b` (-1 for none): those standing within the largest window reach,
   * plus one cell for a client that walked. Overlapping searches around the two cells are merged, so each avatar is
   * visited at most once.
   */
  private forEachNear(a: number, b: number, fn: (c: Avatar) => void): void {
    const r = this.scanReach;
    const cols = this.aoi.cols;
    const box = (cell: number): CellRect => {
      const col = cell % cols;
      const row = Math.floor(cell / cols);
      return { c0: Math.max(0, col - r), c1: Math.min(cols - 1, col + r), r0: Math.max(0, row - r), r1: Math.min(this.aoi.rows - 1, row + r) };
    };
    if (a < 0 && b < 0) return;
    if (a < 0 || b < 0 || a === b) return this.forEachInRect(box(a < 0 ? b : a), undefined, fn);
    const ba = box(a);
    const bb = box(b);
    if (ba.c0 <= bb.c1 + 1 && bb.c0 <= ba.c1 + 1 && ba.r0 <= bb.r1 + 1 && bb.r0 <= ba.r1 + 1) {
      this.forEachInRect({ c0: Math.min(ba.c0, bb.c0), c1: Math.max(ba.c1, bb.c1), r0: Math.min(ba.r0, bb.r0), r1: Math.max(ba.r1, bb.r1) }, undefined, fn);
    } else {
      this.forEachInRect(ba, undefined, fn);
      this.forEachInRect(bb, undefined, fn);
    }
  }

  /** Every avatar standing in the cells of `rect` that are not in `except`. */
  private forEachInRect(rect: CellRect, except: CellRect | undefined, fn: (o: Avatar) => void): void {
    this.forEachCellInRect(rect, except, (cell) => {
      for (const o of this.aoi.idsInCell(cell)) fn(o);
    });
  }

  private forEachCellInRect(rect: CellRect, except: CellRect | undefined, fn: (cell: number) => void): void {
    const cols = this.aoi.cols;
    for (let row = rect.r0; row <= rect.r1; row++) {
      for (let col = rect.c0; col <= rect.c1; col++) {
        if (except && col >= except.c0 && col <= except.c1 && row >= except.r0 && row <= except.r1) continue;
        fn(row * cols + col);
      }
    }
  }

  /** Members lock or unlock their walk-up conversation. */
  setLocked(avatarId: number, locked: boolean): ErrorCode | undefined {
    if (!this.conversations.conversationOf(avatarId)) return 'NOT_IN_CONVERSATION';
    this.applyConversationChanges(this.conversations.setLocked(avatarId, locked));
    return undefined;
  }

  /**
   * Someone changed their avatar: everyone in the office is told (it is rare, and whoever does not have them in view
   * yet needs it as much as those who do), and later `who` answers carry it.
   */
  setAvatar(userId: string, avatar: AvatarSpecView): void {
    const id = this.byUser.get(userId);
    const a = id === undefined ? undefined : this.avatars.get(id);
    if (!a) return;
    a.avatar = avatar;
    const msg = JSON.stringify({ t: 'avatar', userId, avatarId: a.avatarId, avatar });
    for (const c of this.avatars.values()) c.sink.sendText(msg);
  }

  /** Relays WebRTC signalling, only between two members of the same conversation. */
  relaySignal(fromAvatarId: number, toUserId: string, signal: RtcSignal): ErrorCode | undefined {
    const from = this.avatars.get(fromAvatarId);
    const toId = this.byUser.get(toUserId);
    const to = toId === undefined ? undefined : this.avatars.get(toId);
    const conv = this.conversations.conversationOf(fromAvatarId);
    if (!from || !to || !conv || !conv.members.includes(to.avatarId) || to === from) return 'NOT_IN_CONVERSATION';
    to.sink.sendText(JSON.stringify({ t: 'rtc.signal', from: from.userId, signal }));
    return undefined;
  }

  /** Chat goes to the conversation's current members only, and is kept nowhere. */
  chat(avatarId: number, text: string): ErrorCode | undefined {
    const a = this.avatars.get(avatarId);
    const conv = this.conversations.conversationOf(avatarId);
    if (!a || !conv) return 'NOT_IN_CONVERSATION';
    const msg = JSON.stringify({ t: 'chat', id: `${this.officeId}:${++this.chatSeq}`, conversationId: conv.id, from: a.userId, name: a.name, text, at: this.now() });
    for (const id of conv.members) this.avatars.get(id)?.sink.sendText(msg);
    return undefined;
  }

  /** A reaction burst is seen by everyone who has the avatar in view, and by its owner. */
  react(avatarId: number, emoji: string): void {
    const a = this.avatars.get(avatarId);
    if (!a) return;
    const msg = JSON.stringify({ t: 'reaction', avatarId, emoji });
    a.sink.sendText(msg);
    if (a.tickCell < 0) return;
    this.forEachNear(a.tickCell, -1, (other) => {
      if (other !== a && this.aoi.rectHas(other.win, a.tickCell)) other.sink.sendText(msg);
    });
  }

  /**
   * Answers `who` (clients ask once per avatar they meet) with the avatars still in the office. The answer leaves with
   * the asker's next tick, in the same write: at thousands of clients a write of its own would double the writes.
   */
  answerWho(askerId: number, avatarIds: readonly number[]): void {
    const asker = this.avatars.get(askerId);
    if (!asker) return;
    const people: { avatarId: number; userId: string; name: string; avatar?: AvatarSpecView }[] = [];
    for (const id of avatarIds) {
      const a = this.avatars.get(id);
      if (a) people.push({ avatarId: id, userId: a.userId, name: a.name, ...(a.avatar ? { avatar: a.avatar } : {}) });
    }
    (asker.outbox ??= []).push(JSON.stringify({ t: 'who', people }));
  }

  /**
   * Everyone in the office by meeting room and focus area (in map order), then the rest: the office as a list, for
   * people who cannot use the map. One pass over the avatars; each avatar's zones come from the map's tile index.
   */
  roster(): RosterReplyMsg {
    const zones = this.map.zones.filter((z) => z.kind === 'meeting-room' || z.kind === 'focus');
    const byZone = new Map<string, string[]>(zones.map((z) => [z.id, []]));
    const elsewhere: string[] = [];
    for (const a of this.avatars.values()) {
      const here = this.map.zonesAt(a.x, a.y).find((z) => byZone.has(z.id));
      if (here) byZone.get(here.id)!.push(a.userId);
      else elsewhere.push(a.userId);
    }
    return {
      t: 'roster',
      zones: zones.map((z) => ({ id: z.id, name: z.name, kind: z.kind as 'meeting-room' | 'focus', ...(z.capacity ? { capacity: z.capacity } : {}), people: byZone.get(z.id)! })),
      elsewhere,
    };
  }

  /** `roster()` as sent, built at most once a second: many people may have the list open at once. */
  rosterText(now = this.now()): string {
    if (!this.rosterCache || now - this.rosterCache.at >= 1000) this.rosterCache = { at: now, text: JSON.stringify(this.roster()) };
    return this.rosterCache.text;
  }
  private rosterCache: { at: number; text: string } | undefined;

  conversationStateOf(avatarId: number): ConversationState | null {
    const c = this.conversations.conversationOf(avatarId);
    return c ? this.conversationState(c) : null;
  }

  private applyConversationChanges(changes: ConversationChange[]): void {
    if (changes.length === 0) return;
    // Everyone whose view of their own conversation changed gets one fresh, whole state.
    const touched = new Set<number>();
    for (const ch of changes) {
      switch (ch.type) {
        case 'started':
        case 'locked':
          for (const id of ch.conversation.members) touched.add(id);
          break;
        case 'joined':
        case 'left':
          for (const id of ch.conversation.members) touched.add(id);
          touched.add(ch.personId);
          break;
        case 'ended':
          for (const id of ch.lastMembers) touched.add(id);
          break;
        case 'refused': {
          const a = this.avatars.get(ch.personId);
          if (!a) break;
          if (ch.reason === 'full') this.sendError(a, 'CONVERSATION_FULL', 'That conversation is full.');
          else if (ch.reason === 'locked') this.sendError(a, 'CONVERSATION_LOCKED', 'That conversation is locked; knock later or ask them to unlock it.');
          else this.sendError(a, 'PERSON_IN_FOCUS', 'They are in Focus and cannot be joined right now.');
          break;
        }
      }
    }
    for (const id of touched) {
      const a = this.avatars.get(id);
      if (!a) continue;
      const conv = this.conversations.conversationOf(id);
      const state = conv ? this.conversationState(conv) : null;
      a.sink.sendText(JSON.stringify({ t: 'conversation', conversation: state }));
      this.opts.onCallChange?.(a.userId, !!conv);
      this.opts.onConversation?.(this.officeId, a.userId, state);
    }
  }

  private conversationState(c: ConversationView): ConversationState {
    const room = c.roomId ? this.map.zones.find((z) => z.id === c.roomId) : undefined;
    return {
      id: c.id,
      kind: c.kind,
      ...(c.roomId ? { roomId: c.roomId } : {}),
      ...(room ? { roomName: room.name } : {}),
      members: c.members.flatMap((id) => {
        const m = this.avatars.get(id);
        return m ? [{ userId: m.userId, name: m.name, avatarId: m.avatarId }] : [];
      }),
      locked: c.locked,
    };
  }

  private personState(a: Avatar) {
    return { id: a.avatarId, x: a.x, y: a.y, moving: a.moving, focus: isFocus(a.availability, a.activity) };
  }

  private sendError(a: Avatar, code: ErrorCode, message: string): void {
    a.sink.sendText(JSON.stringify({ t: 'error', code, message }));
  }

  private chooseStart(userId: string, hints: SpawnHints): TilePos & { dir: Direction } {
    const free = (p: TilePos) => this.map.isWalkable(p.x, p.y);
    if (hints.resume && free(hints.resume)) return { ...hints.resume, dir: 'down' };
    // Where they stood became a wall (the map was replaced under them): the nearest free tile instead of the spawn.
    if (hints.resume && this.map.inBounds(hints.resume.x, hints.resume.y)) {
      const near = this.nearestFreeTile(hints.resume, 20);
      if (near) return { ...near, dir: 'down' };
    }
    const ghost = this.ghosts.get(userId);
    if (ghost && ghost.until > this.now() && free(ghost)) return { x: ghost.x, y: ghost.y, dir: ghost.dir };
    if (hints.mode === 'saved' && hints.saved && free(hints.saved)) return { ...hints.saved, dir: 'down' };
    const tiles = this.map.spawnTiles();
    const empty = tiles.filter((t) => !this.occupancy.get(this.tileIndex(t.x, t.y)));
    const pool = empty.length > 0 ? empty : tiles;
    const pick = pool[Math.floor(Math.random() * pool.length)]!;
    return { ...pick, dir: 'down' };
  }

  /** The closest walkable, unoccupied tile by rings of growing Chebyshev distance; walls in between do not matter. */
  private nearestFreeTile(around: TilePos, maxRadius: number): TilePos | null {
    for (let r = 1; r <= maxRadius; r++) {
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
          const x = around.x + dx;
          const y = around.y + dy;
          if (this.map.isWalkable(x, y) && !this.occupancy.get(this.tileIndex(x, y))) return { x, y };
        }
      }
    }
    return null;
  }

  private expireGhosts(): void {
    if (this.ghosts.size === 0 || this.tickNo % 50 !== 0) return;
    const now = this.now();
    for (const [userId, g] of this.ghosts) if (g.until <= now) this.ghosts.delete(userId);
  }

  private info(a: Avatar): AvatarInfo {
    return {
      avatarId: a.avatarId, userId: a.userId, name: a.name, look: a.look, ...(a.avatar ? { avatar: a.avatar } : {}),
      availability: a.availability, activity: a.activity, x: a.x, y: a.y, dir: a.dir,
    };
  }

  private tileIndex(x: number, y: number): number {
    return y * this.map.width + x;
  }

  private occupy(x: number, y: number, delta: number): void {
    const k = this.tileIndex(x, y);
    const n = (this.occupancy.get(k) ?? 0) + delta;
    if (n <= 0) this.occupancy.delete(k);
    else this.occupancy.set(k, n);
  }
}

function faceTowards(from: TilePos, to: TilePos): Direction {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (Math.abs(dx) >= Math.abs(dy)) return dx < 0 ? 'left' : 'right';
  return dy < 0 ? 'up' : 'down';
}
