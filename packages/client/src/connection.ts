import {
  BinaryKind, CloseCodes, PROTOCOL_VERSION, TERMINAL_CLOSE_CODES, binaryKind, decodeAoi, decodeCorrection, decodeWorld, encodeMove,
  parseServerControl,
  type AvatarInfo, type AvatarMove, type PresenceUpdate, type ChatMsg, type ChosenAvailability, type ConversationState, type CorrectionFrame, type Direction,
  type ErrorCode, type IceServer, type PersonView, type Reaction, type RosterReplyMsg, type AvatarSpecView, type RtcSignal, type ServerControl, type SpawnState, type WelcomeMsg,
} from '@metaoffice/protocol';
import { Emitter } from './emitter.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface CloseInfo {
  code: number;
  reason: string;
  /** The server said not to come back by ourselves: replaced by another tab, signed out, version mismatch. */
  terminal: boolean;
}

export interface ConnectionEvents {
  welcome: (w: WelcomeMsg) => void;
  enter: (a: AvatarInfo) => void;
  leave: (avatarId: number) => void;
  move: (m: AvatarMove) => void;
  update: (a: AvatarInfo) => void;
  correction: (c: CorrectionFrame) => void;
  people: (changed: PersonView[]) => void;
  spawn: (s: SpawnState) => void;
  error: (e: { code: ErrorCode; message: string; ref?: string }) => void;
  state: (s: ConnectionState, info?: CloseInfo) => void;
  /** The conversation or meeting-room call this client is in changed (null: in none). */
  conversation: (c: ConversationState | null) => void;
  /** WebRTC signalling from another member of the conversation. */
  signal: (fromUserId: string, signal: RtcSignal) => void;
  chat: (m: ChatMsg) => void;
  reaction: (avatarId: number, emoji: string) => void;
  /** Teams mode: the Teams meeting of the current conversation or room. */
  meeting: (m: { conversationId: string; joinWebUrl: string }) => void;
  /** The answer to requestRoster(): everyone in the office by room. */
  roster: (roster: RosterReplyMsg) => void;
  /** An admin saved a new version of the office's map; fetch it (the welcome's `office.mapUrl`) and redraw. */
  map: (version: number) => void;
  /** Raw byte counts, for the load generator and diagnostics. */
  bytes: (received: number, kind: 'text' | 'binary') => void;
}

/** The part of the WebSocket API the connection uses: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export interface OfficeConnectionOptions {
  /**
   * WebSocket endpoint, e.g. ws://localhost:3000/ws. Several endpoints (the nodes of a cluster reached without a load
   * balancer) are tried in turn: each reconnect after a lost or refused socket moves on to the next.
   */
  url: string | readonly string[];
  officeId: string;
  viewport: { cols: number; rows: number };
  /** Outside the browser: how to open a socket (e.g. with the `ws` package and a Cookie header). */
  socketFactory?: SocketFactory;
  /** Back-off between reconnect attempts; doubles each time, with jitter. */
  reconnect?: { minMs: number; maxMs: number };
  /** A silent link is declared dead after this long without any frame from the server. */
  heartbeatMs?: number;
  /** Protocol version to announce; only tests change it. */
  protocol?: number;
  /** Ask to start on this tile (bots, tests, the load generator); the server accepts it when it is walkable. */
  startAt?: { x: number; y: number };
}

const OPEN = 1;

/**
 * One live connection to one office: the SDK's world mirror. It keeps own avatar, the avatars in view and the
 * organisation's people current, and reconnects by itself with back-off, resuming where the user stood.
 */
export class OfficeConnection extends Emitter<ConnectionEvents> {
  private socket: SocketLike | undefined;
  private _state: ConnectionState = 'closed';
  private _self: AvatarInfo | undefined;
  private readonly _avatars = new Map<number, AvatarInfo>();
  private readonly _people = new Map<string, PersonView>();
  private _spawn: SpawnState | undefined;
  private _conversation: ConversationState | null = null;
  private _iceServers: IceServer[] = [];
  private _peopleComplete = true;
  /** Who each avatar met on this connection is; the AOI frame carries ids, and names are asked for once. */
  private readonly names = new Map<number, { userId: string; name: string; avatar?: AvatarSpecView }>();
  /** Avatars in view whose names are still on their way; they are announced (`enter`) once named. */
  private readonly unnamed = new Map<number, AvatarInfo>();
  private whoQueue: number[] = [];
  private watchingPeople = false;
  private seq = 0;
  private attempt = 0;
  private urlIndex = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private pingN = 0;
  private wanted = false;
  private viewport: { cols: number; rows: number };
  private readonly pendingLocates: Array<{ userId: string; resolve: (p: { x: number; y: number }) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }> = [];

  constructor(private readonly opts: OfficeConnectionOptions) {
    super();
    this.viewport = { ...opts.viewport };
  }

  get state(): ConnectionState {
    return this._state;
  }
  get self(): AvatarInfo | undefined {
    return this._self;
  }
  get avatars(): ReadonlyMap<number, AvatarInfo> {
    return this._avatars;
  }
  get people(): ReadonlyMap<string, PersonView> {
    return this._people;
  }
  /** False in a large organisation: `people` fills only while `watchPeople(true)` is on (the panel is open). */
  get peopleComplete(): boolean {
    return this._peopleComplete;
  }
  get spawn(): SpawnState | undefined {
    return this._spawn;
  }
  get conversation(): ConversationState | null {
    return this._conversation;
  }
  get iceServers(): IceServer[] {
    return this._iceServers;
  }

  connect(): void {
    this.wanted = true;
    this.open(this._self ? 'reconnecting' : 'connecting');
  }

  close(): void {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.close(1000, 'client closed');
    }
    this.setState('closed', { code: 1000, reason: 'client closed', terminal: true });
  }

  step(x: number, y: number, dir: Direction, moving: boolean): void {
    if (this._self) Object.assign(this._self, { x, y, dir });
    this.seq = (this.seq + 1) & 0xffff;
    this.sendBinary(encodeMove({ seq: this.seq, x, y, dir, moving }));
  }

  /** In a large organisation, asks for the People list and its changes (on) or stops them (off); kept across reconnects. */
  watchPeople(on: boolean): void {
    if (this.watchingPeople === on) return;
    this.watchingPeople = on;
    if (!this._peopleComplete) this.sendControl({ t: 'people.watch', on });
  }

  setViewport(cols: number, rows: number): void {
    this.viewport = { cols: clamp(Math.ceil(cols), 1, 200), rows: clamp(Math.ceil(rows), 1, 200) };
    this.sendControl({ t: 'viewport', viewport: this.viewport });
  }

  locate(userId: string, timeoutMs = 5000): Promise<{ x: number; y: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.dropLocate(entry);
        reject(Object.assign(new Error('locate timed out'), { code: 'UNAVAILABLE' }));
      }, timeoutMs);
      const entry = { userId, resolve, reject, timer };
      this.pendingLocates.push(entry);
      this.sendControl({ t: 'locate', userId });
    });
  }

  teleport(userId: string): void {
    this.sendControl({ t: 'teleport', userId });
  }

  /** Asks who is in which room of the office (answered with a 'roster' event); at most every 2 s. */
  requestRoster(): void {
    this.sendControl({ t: 'roster' });
  }

  setSpawn(mode: 'default' | 'saved' | 'here'): void {
    this.sendControl({ t: 'spawn.set', mode });
  }

  setStatus(availability: ChosenAvailability): void {
    this.sendControl({ t: 'status.set', availability });
  }

  lockConversation(locked: boolean): void {
    this.sendControl({ t: 'conversation.lock', locked });
  }

  /** Sends WebRTC signalling to another member of the current conversation. */
  signal(toUserId: string, signal: RtcSignal): void {
    this.sendControl({ t: 'rtc.signal', to: toUserId, signal });
  }

  sendChat(text: string): void {
    this.sendControl({ t: 'chat.send', text });
  }

  react(emoji: Reaction): void {
    this.sendControl({ t: 'react', emoji });
  }

  /** Sends a raw frame; tests use it to speak bad protocol on purpose. */
  sendRaw(data: string | Uint8Array): void {
    if (this.socket?.readyState === OPEN) this.socket.send(data);
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private open(state: ConnectionState): void {
    this.setState(state);
    const factory = this.opts.socketFactory ?? defaultFactory;
    let s: SocketLike;
    try {
      s = factory(this.currentUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    s.binaryType = 'arraybuffer';
    s.onopen = () => {
      this.lastFrameAt = Date.now();
      const resume = this._self ? { x: this._self.x, y: this._self.y } : this.opts.startAt;
      s.send(JSON.stringify({ t: 'hello', protocol: this.opts.protocol ?? PROTOCOL_VERSION, officeId: this.opts.officeId, viewport: this.viewport, ...(resume ? { resume } : {}) }));
      this.startHeartbeat();
    };
    s.onmessage = (ev) => this.onFrame(ev.data);
    s.onerror = () => {
      /* a close event always follows; reconnecting is decided there */
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.socket = undefined;
      this.stopHeartbeat();
      const terminal = TERMINAL_CLOSE_CODES.has(ev.code);
      if (terminal || !this.wanted) {
        this.wanted = false;
        if (this._conversation) {
          this._conversation = null;
          this.emit('conversation', null);
        }
        this.setState('closed', { code: ev.code, reason: ev.reason, terminal: true });
        return;
      }
      // The server ends our calls when the socket goes; say so locally at once so media stops with it.
      if (this._conversation) {
        this._conversation = null;
        this.emit('conversation', null);
      }
      this.setState('reconnecting', { code: ev.code, reason: ev.reason, terminal: false });
      this.scheduleReconnect();
    };
  }

  private currentUrl(): string {
    const urls = typeof this.opts.url === 'string' ? [this.opts.url] : this.opts.url;
    if (urls.length === 0) throw new Error('OfficeConnection needs at least one url');
    return urls[this.urlIndex % urls.length]!;
  }

  private scheduleReconnect(): void {
    if (!this.wanted) return;
    // The endpoint just lost may be a node that died; the next attempt goes to another one.
    this.urlIndex++;
    const { minMs, maxMs } = this.opts.reconnect ?? { minMs: 250, maxMs: 10_000 };
    const base = Math.min(maxMs, minMs * 2 ** this.attempt);
    this.attempt++;
    // Full jitter, so a server restart is not met by every client at the same instant.
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open('reconnecting'), delay);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const limit = this.opts.heartbeatMs ?? 20_000;
    this.heartbeatTimer = setInterval(() => {
      const s = this.socket;
      if (!s) return;
      if (Date.now() - this.lastFrameAt > limit) {
        // The network went away without a close frame: drop the socket and let the reconnect loop take over.
        s.onclose?.({ code: 4999, reason: 'heartbeat lost' });
        try {
          s.close();
        } catch {
          /* already gone */
        }
        return;
      }
      this.sendControl({ t: 'ping', n: ++this.pingN });
    }, Math.max(1000, limit / 3));
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private onFrame(data: unknown): void {
    this.lastFrameAt = Date.now();
    if (typeof data === 'string') {
      this.emit('bytes', data.length, 'text');
      const msg = parseServerControl(data);
      if (msg) this.onControl(msg);
      return;
    }
    const bytes = toBytes(data);
    if (!bytes) return;
    this.emit('bytes', bytes.byteLength, 'binary');
    try {
      switch (binaryKind(bytes)) {
        case BinaryKind.AOI: {
          const { enters, leaves, updates } = decodeAoi(bytes);
          for (const id of leaves) {
            if (this._avatars.delete(id)) this.emit('leave', id);
            else this.unnamed.delete(id);
          }
          for (const e of enters) {
            const info: AvatarInfo = { avatarId: e.avatarId, userId: '', name: '', look: e.look, availability: e.availability, activity: e.activity, x: e.x, y: e.y, dir: e.dir };
            const who = this.names.get(e.avatarId);
            if (who) this.announce({ ...info, ...who });
            else {
              this.unnamed.set(e.avatarId, info);
              this.askWho(e.avatarId);
            }
          }
          for (const u of updates) this.applyPresence(u);
          break;
        }
        case BinaryKind.WORLD: {
          const { moves } = decodeWorld(bytes);
          for (const m of moves) {
            const a = this._avatars.get(m.avatarId);
            if (!a) {
              const u = this.unnamed.get(m.avatarId);
              if (u) Object.assign(u, { x: m.x, y: m.y, dir: m.dir });
              continue;
            }
            a.x = m.x;
            a.y = m.y;
            a.dir = m.dir;
            this.emit('move', m);
          }
          break;
        }
        case BinaryKind.CORRECTION: {
          const c = decodeCorrection(bytes);
          if (this._self) Object.assign(this._self, { x: c.x, y: c.y, dir: c.dir });
          this.emit('correction', c);
          break;
        }
      }
    } catch {
      // A frame we cannot read is dropped; the next world frame brings positions current again.
    }
  }

  private onControl(msg: ServerControl): void {
    switch (msg.t) {
      case 'welcome':
        this.attempt = 0;
        this._self = { ...msg.self };
        this._spawn = msg.spawn;
        this._iceServers = msg.iceServers;
        // A new connection starts outside any call until the server says otherwise.
        if (this._conversation) {
          this._conversation = null;
          this.emit('conversation', null);
        }
        // The server re-announces everything in view after a (re)connect, so the mirror starts clean. Avatar ids are
        // the server's and may mean someone else after its restart, so names are forgotten too.
        for (const id of [...this._avatars.keys()]) {
          this._avatars.delete(id);
          this.emit('leave', id);
        }
        this.names.clear();
        this.unnamed.clear();
        this.whoQueue = [];
        this._people.clear();
        for (const p of msg.people) this._people.set(p.userId, p);
        this._peopleComplete = msg.peopleComplete !== false;
        this.setState('open');
        if (!this._peopleComplete && this.watchingPeople) this.sendControl({ t: 'people.watch', on: true });
        this.emit('welcome', msg);
        break;
      case 'who':
        for (const p of msg.people) {
          const who = { userId: p.userId, name: p.name, ...(p.avatar ? { avatar: p.avatar } : {}) };
          this.names.set(p.avatarId, who);
          const u = this.unnamed.get(p.avatarId);
          if (u) {
            this.unnamed.delete(p.avatarId);
            this.announce({ ...u, ...who });
          }
        }
        break;
      case 'people':
        // Presence changes leave the avatar out; the one from the last full list stays.
        for (const p of msg.changed) {
          const avatar = p.avatar ?? this._people.get(p.userId)?.avatar;
          this._people.set(p.userId, avatar ? { ...p, avatar } : p);
        }
        this.emit('people', msg.changed);
        break;
      case 'spawn':
        this._spawn = msg.spawn;
        this.emit('spawn', msg.spawn);
        break;
      case 'located': {
        const i = this.pendingLocates.findIndex((p) => p.userId === msg.userId);
        const entry = this.pendingLocates[i];
        if (entry) {
          this.dropLocate(entry);
          entry.resolve({ x: msg.x, y: msg.y });
        }
        break;
      }
      case 'error':
        if (msg.ref === 'locate' && this.pendingLocates.length > 0) {
          const entry = this.pendingLocates[0]!;
          this.dropLocate(entry);
          entry.reject(Object.assign(new Error(msg.message), { code: msg.code }));
        }
        this.emit('error', { code: msg.code, message: msg.message, ...(msg.ref ? { ref: msg.ref } : {}) });
        break;
      case 'pong':
        break;
      case 'conversation':
        this._conversation = msg.conversation;
        this.emit('conversation', msg.conversation);
        break;
      case 'rtc.signal':
        this.emit('signal', msg.from, msg.signal);
        break;
      case 'chat':
        this.emit('chat', msg);
        break;
      case 'reaction':
        this.emit('reaction', msg.avatarId, msg.emoji);
        break;
      case 'meeting':
        this.emit('meeting', { conversationId: msg.conversationId, joinWebUrl: msg.joinWebUrl });
        break;
      case 'map':
        this.emit('map', msg.version);
        break;
      case 'roster':
        this.emit('roster', msg);
        break;
      case 'avatar': {
        const named = this.names.get(msg.avatarId);
        if (named) named.avatar = msg.avatar;
        const a = msg.avatarId === this._self?.avatarId ? this._self : this._avatars.get(msg.avatarId);
        if (a) {
          a.avatar = msg.avatar;
          this.emit('update', { ...a });
        }
        const person = this._people.get(msg.userId);
        if (person) {
          const changed = { ...person, avatar: msg.avatar };
          this._people.set(msg.userId, changed);
          this.emit('people', [changed]);
        }
        break;
      }
    }
  }

  private dropLocate(entry: (typeof this.pendingLocates)[number]): void {
    clearTimeout(entry.timer);
    const i = this.pendingLocates.indexOf(entry);
    if (i >= 0) this.pendingLocates.splice(i, 1);
  }

  private applyPresence(u: PresenceUpdate): void {
    const a = this._avatars.get(u.avatarId);
    const pending = this.unnamed.get(u.avatarId);
    if (a) {
      a.availability = u.availability;
      a.activity = u.activity;
      this.emit('update', a);
    } else if (pending) {
      pending.availability = u.availability;
      pending.activity = u.activity;
    } else if (this._self && u.avatarId === this._self.avatarId) {
      this._self.availability = u.availability;
      this._self.activity = u.activity;
      this.emit('update', this._self);
    }
  }

  private announce(a: AvatarInfo): void {
    this._avatars.set(a.avatarId, a);
    this.emit('enter', { ...a });
  }

  /** Queues an avatar id for a `who` question; the ids of one frame go out together. */
  private askWho(avatarId: number): void {
    this.whoQueue.push(avatarId);
    if (this.whoQueue.length > 1) return;
    queueMicrotask(() => {
      const ids = this.whoQueue;
      this.whoQueue = [];
      for (let i = 0; i < ids.length; i += 256) this.sendControl({ t: 'who', avatarIds: ids.slice(i, i + 256) });
    });
  }

  private sendControl(msg: object): void {
    if (this.socket?.readyState === OPEN && this._state === 'open') this.socket.send(JSON.stringify(msg));
  }

  private sendBinary(bytes: Uint8Array): void {
    if (this.socket?.readyState === OPEN && this._state === 'open') this.socket.send(bytes);
  }

  private setState(s: ConnectionState, info?: CloseInfo): void {
    if (this._state === s && !info) return;
    this._state = s;
    this.emit('state', s, info);
  }
}

function defaultFactory(url: string): SocketLike {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (!Ctor) throw new Error('no WebSocket in this runtime: pass socketFactory');
  return new Ctor(url);
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // `ws` may deliver fragmented messages as an array of Buffers.
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.byteLength;
    }
    return out;
  }
  return undefined;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

export { CloseCodes };
