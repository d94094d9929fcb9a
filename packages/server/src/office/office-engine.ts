import {
  encodeCorrection, encodeWorld,
  type Activity, type AvatarInfo, type AvatarMove, type Availability, type ConversationState, type CorrectionReason, type Direction,
  type ErrorCode, type MoveFrame, type RtcSignal,
} from '@metaoffice/protocol';
import {
  AoiGrid, ConversationRules, OfficeMap, StepRateLimiter, checkStep, nearestWalkable,
  type ConversationChange, type ConversationView, type TilePos,
} from '@metaoffice/world';

/** Where the engine writes to one client; the gateway adapts a WebSocket to it. */
export interface ClientSink {
  sendText(text: string): void;
  sendBinary(bytes: Uint8Array): void;
}

export interface Member {
  userId: string;
  name: string;
  look: number;
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
  x: number;
  y: number;
  dir: Direction;
  moving: boolean;
  availability: Availability;
  activity: Activity;
  viewCols: number;
  viewRows: number;
  /** Avatars this client has been told about and not yet told to forget. */
  known: Set<number>;
  readonly sink: ClientSink;
  readonly limiter: StepRateLimiter;
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
  /** Called after each tick with its duration, for metrics. */
  onTick?: (ms: number, framesOut: number, bytesOut: number) => void;
  /** Someone entered or left a call (walk-up or meeting room); presence shows them Busy / InACall. */
  onCallChange?: (userId: string, inCall: boolean) => void;
}

export type MoveOutcome = { ok: true } | { ok: false; reason: CorrectionReason };

/**
 * The authoritative simulation of one office: who stands where, which steps are legal, and who gets to hear about
 * which avatar. Each tick it sends every client one batched update covering just the area of interest around its
 * viewport: avatars that came into view (JSON), moves of avatars already known (binary), and those that left.
 */
export class OfficeEngine {
  readonly aoi: AoiGrid;
  private readonly avatars = new Map<number, Avatar>();
  private readonly byUser = new Map<string, number>();
  /** Avatars that moved, turned, stopped or jumped since the last tick. */
  private readonly moved = new Set<number>();
  private readonly presenceChanged = new Set<number>();
  /** Avatars per tile index, so teleports and spawns land on free tiles. */
  private readonly occupancy = new Map<number, number>();
  /** Where recently disconnected users stood, so a reload or a dropped link resumes in place. */
  private readonly ghosts = new Map<string, { x: number; y: number; dir: Direction; until: number }>();
  /** Who talks with whom: walk-up conversations and meeting rooms, decided by the pure rules in `world`. */
  readonly conversations: ConversationRules;
  private chatSeq = 0;
  private membershipChanged = false;
  private nextAvatarId = 1;
  private tickNo = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(
    readonly officeId: string,
    readonly map: OfficeMap,
    private readonly opts: EngineOptions,
  ) {
    this.aoi = new AoiGrid(map.width, map.height);
    this.now = opts.now ?? Date.now;
    this.conversations = new ConversationRules({
      cap: opts.conversationCap ?? 6,
      stillMs: opts.conversationStillMs ?? 300,
      rooms: map.zones.filter((z) => z.kind === 'meeting-room'),
    });
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
      x: start.x,
      y: start.y,
      dir: start.dir,
      moving: false,
      availability: member.availability,
      activity: member.activity,
      viewCols: viewport.cols,
      viewRows: viewport.rows,
      known: new Set(),
      sink,
      // A burst of 3 absorbs steps a busy browser sends bunched together; the long-run speed stays capped.
      limiter: new StepRateLimiter(this.opts.stepsPerSecond, 3),
    };
    this.avatars.set(avatar.avatarId, avatar);
    this.byUser.set(member.userId, avatar.avatarId);
    this.aoi.insert(avatar.avatarId, avatar.x, avatar.y);
    this.occupy(avatar.x, avatar.y, 1);
    this.ghosts.delete(member.userId);
    this.membershipChanged = true;
    this.conversations.upsert(this.personState(avatar), this.now());
    return this.info(avatar);
  }

  leave(avatarId: number): void {
    const a = this.avatars.get(avatarId);
    if (!a) return;
    this.avatars.delete(avatarId);
    if (this.byUser.get(a.userId) === avatarId) this.byUser.delete(a.userId);
    this.aoi.remove(avatarId);
    this.occupy(a.x, a.y, -1);
    this.moved.delete(avatarId);
    this.presenceChanged.delete(avatarId);
    // Leaving the office leaves the call at once, not at the next tick, so peers tear down promptly.
    this.conversations.remove(avatarId, this.now());
    this.applyConversationChanges(this.conversations.evaluate(this.now()));
    if (this.opts.resumeGraceMs > 0) this.ghosts.set(a.userId, { x: a.x, y: a.y, dir: a.dir, until: this.now() + this.opts.resumeGraceMs });
    this.membershipChanged = true;
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
      this.aoi.move(avatarId, a.x, a.y);
    }
    a.dir = m.dir;
    a.moving = m.moving;
    this.moved.add(avatarId);
    this.conversations.upsert(this.personState(a), this.now());
    return { ok: true };
  }

  setViewport(avatarId: number, cols: number, rows: number): void {
    const a = this.avatars.get(avatarId);
    if (!a) return;
    a.viewCols = cols;
    a.viewRows = rows;
    this.membershipChanged = true;
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
    this.aoi.move(avatarId, a.x, a.y);
    this.moved.add(avatarId);
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
    this.presenceChanged.add(a.avatarId);
    // Do-not-disturb is Focus: out of any call at once, and nobody can start one with them.
    this.conversations.upsert(this.personState(a), this.now());
  }

  /** One authoritative tick: a batched, area-of-interest-filtered update per client. */
  tick(): void {
    const started = performance.now();
    this.tickNo = (this.tickNo + 1) >>> 0;
    this.applyConversationChanges(this.conversations.evaluate(this.now()));
    let frames = 0;
    let bytes = 0;
    if (this.moved.size > 0 || this.presenceChanged.size > 0 || this.membershipChanged) {
      const margin = this.opts.aoiMarginTiles;
      for (const a of this.avatars.values()) {
        const visible = new Set<number>();
        for (const cell of this.aoi.viewCells({ x: a.x, y: a.y }, a.viewCols, a.viewRows, margin)) {
          for (const id of this.aoi.idsInCell(cell)) if (id !== a.avatarId) visible.add(id);
        }
        const enter: AvatarInfo[] = [];
        const moves: AvatarMove[] = [];
        const update: { avatarId: number; availability: Availability; activity: Activity }[] = [];
        for (const id of visible) {
          const o = this.avatars.get(id)!;
          if (!a.known.has(id)) enter.push(this.info(o));
          else {
            if (this.moved.has(id)) moves.push({ avatarId: id, x: o.x, y: o.y, dir: o.dir, moving: o.moving });
            if (this.presenceChanged.has(id)) update.push({ avatarId: id, availability: o.availability, activity: o.activity });
          }
        }
        const leave: number[] = [];
        for (const id of a.known) if (!visible.has(id)) leave.push(id);
        if (this.presenceChanged.has(a.avatarId)) update.push({ avatarId: a.avatarId, availability: a.availability, activity: a.activity });
        a.known = visible;
        if (enter.length || leave.length || update.length) {
          const text = JSON.stringify({ t: 'avatars', tick: this.tickNo, enter, leave, update });
          a.sink.sendText(text);
          frames++;
          bytes += text.length;
        }
        if (moves.length) {
          const bin = encodeWorld(this.tickNo, moves);
          a.sink.sendBinary(bin);
          frames++;
          bytes += bin.byteLength;
        }
      }
      this.moved.clear();
      this.presenceChanged.clear();
      this.membershipChanged = false;
    }
    this.expireGhosts();
    this.opts.onTick?.(performance.now() - started, frames, bytes);
  }

  /** Members lock or unlock their walk-up conversation. */
  setLocked(avatarId: number, locked: boolean): ErrorCode | undefined {
    if (!this.conversations.conversationOf(avatarId)) return 'NOT_IN_CONVERSATION';
    this.applyConversationChanges(this.conversations.setLocked(avatarId, locked));
    return undefined;
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
    for (const other of this.avatars.values()) if (other !== a && other.known.has(avatarId)) other.sink.sendText(msg);
  }

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
      a.sink.sendText(JSON.stringify({ t: 'conversation', conversation: conv ? this.conversationState(conv) : null }));
      this.opts.onCallChange?.(a.userId, !!conv);
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
    return { id: a.avatarId, x: a.x, y: a.y, moving: a.moving, focus: a.availability === 'DoNotDisturb' };
  }

  private sendError(a: Avatar, code: ErrorCode, message: string): void {
    a.sink.sendText(JSON.stringify({ t: 'error', code, message }));
  }

  private chooseStart(userId: string, hints: SpawnHints): TilePos & { dir: Direction } {
    const free = (p: TilePos) => this.map.isWalkable(p.x, p.y);
    if (hints.resume && free(hints.resume)) return { ...hints.resume, dir: 'down' };
    const ghost = this.ghosts.get(userId);
    if (ghost && ghost.until > this.now() && free(ghost)) return { x: ghost.x, y: ghost.y, dir: ghost.dir };
    if (hints.mode === 'saved' && hints.saved && free(hints.saved)) return { ...hints.saved, dir: 'down' };
    const tiles = this.map.spawnTiles();
    const empty = tiles.filter((t) => !this.occupancy.get(this.tileIndex(t.x, t.y)));
    const pool = empty.length > 0 ? empty : tiles;
    const pick = pool[Math.floor(Math.random() * pool.length)]!;
    return { ...pick, dir: 'down' };
  }

  private expireGhosts(): void {
    if (this.ghosts.size === 0 || this.tickNo % 50 !== 0) return;
    const now = this.now();
    for (const [userId, g] of this.ghosts) if (g.until <= now) this.ghosts.delete(userId);
  }

  private info(a: Avatar): AvatarInfo {
    return { avatarId: a.avatarId, userId: a.userId, name: a.name, look: a.look, availability: a.availability, activity: a.activity, x: a.x, y: a.y, dir: a.dir };
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
